// Numeric statistics the config left out (mean/std for standardize, min/max for minmax), computed
// over every good row of the training days and recorded in the completed feature spec.
import { DataError } from '../errors.js';
import { encodeRows, type ReadOptions } from './encode-rows.js';
import { type FeatureSpec, missingNumericStats, type NumericSpec } from './feature-spec.js';
import type { DataSource } from './partitions.js';

/** Streaming count/mean/variance (Welford) and range of one column. */
export class NumericAccumulator {
  count = 0;
  mean = 0;
  private m2 = 0;
  min = Number.POSITIVE_INFINITY;
  max = Number.NEGATIVE_INFINITY;

  add(x: number): void {
    this.count++;
    const d = x - this.mean;
    this.mean += d / this.count;
    this.m2 += d * (x - this.mean);
    if (x < this.min) this.min = x;
    if (x > this.max) this.max = x;
  }

  /** Population standard deviation. */
  get std(): number {
    return this.count > 0 ? Math.sqrt(this.m2 / this.count) : Number.NaN;
  }
}

/** The spec with every numeric that lacks statistics read raw (transform none), for a stats pass. */
export function rawSpecForStats(spec: FeatureSpec): FeatureSpec {
  const missing = new Set(missingNumericStats(spec).map((n) => n.name));
  return { ...spec, numeric: spec.numeric.map((n) => (missing.has(n.name) ? { ...n, transform: 'none' as const } : n)) };
}

/** Fills the missing statistics of `spec` from per-numeric accumulators (same order as spec.numeric). */
export function completeSpec(spec: FeatureSpec, accs: NumericAccumulator[]): FeatureSpec {
  const missing = new Set(missingNumericStats(spec).map((n) => n.name));
  const numeric = spec.numeric.map((n, i): NumericSpec => {
    if (!missing.has(n.name)) return n;
    const a = accs[i]!;
    if (a.count === 0) throw new DataError(`no rows to compute the ${n.transform} statistics of numeric feature '${n.name}'; give them in the config`);
    return n.transform === 'standardize' ? { ...n, mean: a.mean, std: a.std } : { ...n, min: a.min, max: a.max };
  });
  return { ...spec, numeric };
}

/** One pass over the source; returns the spec unchanged when nothing is missing. */
export async function computeNumericStats(spec: FeatureSpec, source: DataSource, opts: ReadOptions = {}): Promise<FeatureSpec> {
  if (missingNumericStats(spec).length === 0) return spec;
  const raw = rawSpecForStats(spec);
  const nNum = spec.numeric.length;
  const accs = spec.numeric.map(() => new NumericAccumulator());
  for await (const block of encodeRows(raw, source, { ...opts, rawNumerics: true }))
    for (let r = 0; r < block.size; r++) for (let i = 0; i < nNum; i++) accs[i]!.add(block.raw![r * nNum + i]!);
  return completeSpec(spec, accs);
}
