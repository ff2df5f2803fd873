// Seeded pseudo-random numbers: the same seed gives the same shuffles and initial weights.

/** mulberry32: a small, fast 32-bit generator; uniform floats in [0, 1). */
export class Rng {
  private state: number;
  constructor(seed: number) {
    // Mix the seed so nearby seeds give unrelated streams.
    this.state = (Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ 0xc2b2ae35) >>> 0;
  }

  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Standard normal (Box-Muller). */
  normal(): number {
    let u = 0;
    while (u === 0) u = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }

  /** In-place Fisher-Yates shuffle. */
  shuffle<T extends { length: number; [i: number]: unknown }>(a: T): T {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
    return a;
  }

  /** A derived generator, e.g. one per epoch, independent of how much this one was used. */
  fork(salt: number): Rng {
    return new Rng((this.state ^ Math.imul(salt + 1, 0x27d4eb2d)) | 0);
  }
}

/**
 * `count` orthonormal vectors in R^dim, uniformly oriented: Gram-Schmidt on standard normal
 * draws (a Gaussian vector has no preferred direction). Each vector is orthogonalised twice
 * against the earlier ones, so the dot products stay near machine precision.
 */
export function orthonormalVectors(rng: Rng, dim: number, count: number): Float64Array[] {
  if (!Number.isInteger(count) || count < 0 || count > dim)
    throw new RangeError(`orthonormalVectors: need 0 <= count <= dim, got count ${count} and dim ${dim}`);
  const basis: Float64Array[] = [];
  while (basis.length < count) {
    const v = Float64Array.from({ length: dim }, () => rng.normal());
    for (let pass = 0; pass < 2; pass++)
      for (const b of basis) {
        const d = dot(v, b);
        for (let i = 0; i < dim; i++) v[i] -= d * b[i]!;
      }
    const norm = Math.sqrt(dot(v, v));
    // A draw (almost) inside the span of the earlier vectors carries no new direction: draw again.
    if (norm < 1e-6) continue;
    for (let i = 0; i < dim; i++) v[i] /= norm;
    basis.push(v);
  }
  return basis;
}

export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}
