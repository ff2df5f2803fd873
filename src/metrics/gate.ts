// Gate diagnostics for gated models (MMoE, PLE): how each task's gate spreads its weight over the
// experts. Streaming: batches of gate outputs [rows, experts] are folded into sums, nothing is kept.

export interface GateStats {
  rows: number;
  experts: number;
  /** Mean gate weight of every expert (sums to 1). */
  meanWeight: number[];
  /** Share of rows on which each expert has the largest weight. */
  argmaxShare: number[];
  /** Mean per-row entropy of the gate distribution, in nats. */
  meanEntropy: number;
  /** meanEntropy / ln(experts): 0 = one expert always, 1 = uniform weights. 0 with one expert. */
  normalizedEntropy: number;
  /** Share of rows on which one expert's weight exceeds the polarization threshold. */
  polarizedFraction: number;
  polarizedAbove: number;
}

/** The sums behind GateStats for some rows: mergeable, and small enough to pass between threads. */
export interface GatePartial {
  rows: number;
  sums: Float64Array;
  argmaxCounts: Float64Array;
  entropy: number;
  polarized: number;
}

/** The sums of one row-major [rows, experts] block of gate weights (softmax outputs). */
export function gatePartial(weights: ArrayLike<number>, experts: number, polarizedAbove = 0.99, rows = Math.floor(weights.length / experts)): GatePartial {
  const e = experts;
  if (weights.length < rows * e) throw new RangeError(`gate weights hold ${weights.length} values, expected ${rows} x ${e}`);
  const p: GatePartial = { rows, sums: new Float64Array(e), argmaxCounts: new Float64Array(e), entropy: 0, polarized: 0 };
  for (let r = 0; r < rows; r++) {
    let max = -1;
    let arg = 0;
    let h = 0;
    for (let j = 0; j < e; j++) {
      const w = weights[r * e + j]!;
      p.sums[j]! += w;
      if (w > 0) h -= w * Math.log(w);
      if (w > max) {
        max = w;
        arg = j;
      }
    }
    p.entropy += h;
    p.argmaxCounts[arg]!++;
    if (max > polarizedAbove) p.polarized++;
  }
  return p;
}

export class GateStatsAccumulator {
  private rows = 0;
  private readonly sums: Float64Array;
  private readonly argmaxCounts: Float64Array;
  private entropy = 0;
  private polarized = 0;

  /** `polarizedAbove`: a row is polarized when its largest gate weight exceeds this. */
  constructor(
    readonly experts: number,
    readonly polarizedAbove = 0.99,
  ) {
    if (!Number.isInteger(experts) || experts < 1) throw new RangeError(`experts must be a positive integer, got ${experts}`);
    this.sums = new Float64Array(experts);
    this.argmaxCounts = new Float64Array(experts);
  }

  /** Adds a row-major [rows, experts] block of gate weights (softmax outputs). */
  add(weights: ArrayLike<number>, rows = Math.floor(weights.length / this.experts)): void {
    this.merge(gatePartial(weights, this.experts, this.polarizedAbove, rows));
  }

  /**
   * Adds the sums of a block (from gatePartial, possibly in another thread). Blocks are summed
   * block by block either way, so the same blocks in the same order give the same result.
   */
  merge(p: GatePartial): void {
    if (p.sums.length !== this.experts) throw new RangeError(`gate partial has ${p.sums.length} experts, expected ${this.experts}`);
    for (let j = 0; j < this.experts; j++) {
      this.sums[j]! += p.sums[j]!;
      this.argmaxCounts[j]! += p.argmaxCounts[j]!;
    }
    this.entropy += p.entropy;
    this.polarized += p.polarized;
    this.rows += p.rows;
  }

  result(): GateStats {
    const n = this.rows;
    const meanEntropy = n > 0 ? this.entropy / n : Number.NaN;
    return {
      rows: n,
      experts: this.experts,
      meanWeight: Array.from(this.sums, (s) => (n > 0 ? s / n : Number.NaN)),
      argmaxShare: Array.from(this.argmaxCounts, (c) => (n > 0 ? c / n : Number.NaN)),
      meanEntropy,
      normalizedEntropy: this.experts > 1 ? meanEntropy / Math.log(this.experts) : 0,
      polarizedFraction: n > 0 ? this.polarized / n : Number.NaN,
      polarizedAbove: this.polarizedAbove,
    };
  }
}

/** Stats of one [rows, experts] block at once. */
export function gateStats(weights: ArrayLike<number>, experts: number, polarizedAbove = 0.99): GateStats {
  const acc = new GateStatsAccumulator(experts, polarizedAbove);
  acc.add(weights);
  return acc.result();
}
