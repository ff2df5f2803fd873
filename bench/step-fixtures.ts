// Synthetic specs and batches for the step benchmarks (model-step.ts, training-steps.ts): the
// Census-Income shape, a wider one, bucket ids uniform or Zipf-distributed.
import type { Batch } from '../src/data/batch.js';
import { type FeatureSpec, upgradeSpec } from '../src/data/feature-spec.js';
import { Rng } from '../src/util/random.js';

export interface Shape {
  name: string;
  fields: number;
  dims: number[];
  /** Numeric columns (default 7). */
  numeric?: number;
  /** A cross of the first two fields (configs/ads-reference.json's adid x device_id). */
  cross?: boolean;
}

/** The Census-Income configs: 32 categorical fields x dim 4 (+ 7 numerics). */
export const CENSUS: Shape = { name: 'census 32x4', fields: 32, dims: [4] };
/** Wider: 40 fields with dims 4, 8, 16 in turn (block width 379 with the numerics). */
export const WIDE: Shape = { name: 'wide 40x(4/8/16)', fields: 40, dims: [4, 8, 16] };
/** configs/ads-reference.json: 11 fields x dim 16 and one cross (block width 192). */
export const DEFAULT: Shape = { name: 'ads-reference 11x16 + cross', fields: 11, dims: [16], numeric: 0, cross: true };
const NUMERIC = 7;

export function spec(shape: Shape, buckets: number, tasks = ['income', 'never_married']): FeatureSpec {
  return upgradeSpec({
    version: 1,
    hash: { function: 'farmhash.fingerprint64 % buckets (TensorFlow to_hash_bucket_fast)', emptyValue: 'bucket == buckets (tables have buckets + 1 rows)' },
    categorical: Array.from({ length: shape.fields }, (_, i) => ({ name: `f${i}`, buckets, embeddingDim: shape.dims[i % shape.dims.length], table: `f${i}` })),
    numeric: Array.from({ length: shape.numeric ?? NUMERIC }, (_, i) => ({ name: `n${i}`, transform: 'none' as const })),
    crosses: shape.cross ? [{ name: 'f0_x_f1', fields: ['f0', 'f1'] as [string, string] }] : [],
    tasks: tasks.map((name) => ({ name, label: name, type: 'binary' as const, labelTransform: 'none' as const, lossWeight: 1 })),
  });
}

export type Ids = 'uniform' | 'zipf';

/**
 * Bucket ids: uniform over all buckets (the worst case for memory caches), or Zipf(1.1) over
 * the buckets with the ranks scattered by a fixed permutation, as hashing scatters real skewed
 * values (a few device_ip values dominate).
 */
function idSampler(buckets: number, ids: Ids, rng: Rng): () => number {
  if (ids === 'uniform') return () => rng.int(buckets + 1);
  const cdf = new Float64Array(buckets);
  let s = 0;
  for (let r = 0; r < buckets; r++) cdf[r] = s += 1 / (r + 1) ** 1.1;
  return () => {
    const u = rng.next() * s;
    let lo = 0;
    let hi = buckets - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cdf[mid] < u) lo = mid + 1;
      else hi = mid;
    }
    return (lo * 7919) % buckets;
  };
}

export function batches(s: FeatureSpec, size: number, count: number, ids: Ids): Batch[] {
  const rng = new Rng(1);
  const nCat = s.categorical.length;
  const sample = s.categorical.map((c) => idSampler(c.buckets, ids, rng));
  return Array.from({ length: count }, () => ({
    size,
    cat: Int32Array.from({ length: size * nCat }, (_, i) => sample[i % nCat]()),
    num: Float32Array.from({ length: size * s.numeric.length }, () => rng.normal()),
    labels: Float32Array.from({ length: size * s.tasks.length }, () => (rng.next() < 0.3 ? 1 : 0)),
    weights: null,
  }));
}

