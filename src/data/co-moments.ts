// Streaming means and co-moments of a few series (one value per task per row), for exact
// Pearson correlation over any number of rows in O(tasks^2) memory.

export class CoMoments {
  private n = 0;
  private readonly mean: Float64Array;
  /** Row-major [k, k] sums of products of deviations. */
  private readonly c: Float64Array;
  private readonly delta: Float64Array;

  constructor(readonly k: number) {
    this.mean = new Float64Array(k);
    this.c = new Float64Array(k * k);
    this.delta = new Float64Array(k);
  }

  add(x: ArrayLike<number>): void {
    const k = this.k;
    this.n++;
    for (let i = 0; i < k; i++) {
      this.delta[i] = x[i]! - this.mean[i]!;
      this.mean[i]! += this.delta[i]! / this.n;
    }
    // Welford's update: C_ij += (x_i - old mean_i) * (x_j - new mean_j).
    for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) this.c[i * k + j]! += this.delta[i]! * (x[j]! - this.mean[j]!);
  }

  /** Pearson correlation of series a and b; NaN when either is constant or fewer than 2 rows. */
  pearson(a: number, b: number): number {
    const k = this.k;
    const caa = this.c[a * k + a]!;
    const cbb = this.c[b * k + b]!;
    if (this.n < 2 || caa === 0 || cbb === 0) return Number.NaN;
    return this.c[a * k + b]! / Math.sqrt(caa * cbb);
  }
}
