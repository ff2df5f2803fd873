// Bucketized numerics (TensorFlow's bucketized_column): a number's bucket among sorted boundaries,
// bucket i holding boundaries[i-1] <= x < boundaries[i] (bucket 0 below the first boundary, bucket
// boundaries.length from the last one up). An empty cell takes the extra bucket, as an empty
// hashed value does, so a bucketized field is one more embedded categorical field. Compared in
// float64, as parsed: TensorFlow's Bucketize rounds boundaries (and float32 inputs) to float32, so
// values within float32 rounding of a boundary may differ there (docs/config.md).
import { parseDecimal } from './decimal.js';

/** The bucket of x: how many boundaries are <= x (binary search). */
export function bucketOf(boundaries: readonly number[], x: number): number {
  let lo = 0;
  let hi = boundaries.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (boundaries[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The encoder's per-field bucketing for a field with boundaries (same shape as FrontCache). */
export class Bucketizer {
  /** Buckets of values; the empty cell takes bucket `buckets`. */
  readonly buckets: number;

  constructor(private readonly boundaries: readonly number[]) {
    this.buckets = boundaries.length + 1;
  }

  /** The bucket of a cell, `buckets` for an empty one, -1 for a cell that is not a number. */
  bucket(s: string): number {
    const x = parseDecimal(s);
    if (x === x) return bucketOf(this.boundaries, x);
    return s.trim() === '' ? this.buckets : -1;
  }

  /** The bucket of a typed value (a null takes `buckets`), -1 for one that is not finite, as bucket() on its text. */
  bucketNumber(x: number, isNull: boolean): number {
    if (isNull) return this.buckets;
    return x - x === 0 ? bucketOf(this.boundaries, x) : -1;
  }

  review(): void {}
}
