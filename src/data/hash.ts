// Categorical hashing, bit-compatible with TensorFlow's tf.strings.to_hash_bucket_fast
// (categorical_column_with_hash_bucket): bucket = farmhash::Fingerprint64(value) mod buckets.
import farmhash from 'farmhash';

/**
 * The bucket function for `buckets` buckets: the function a serving system must replicate, and
 * the only place mmoe computes it. Non-empty values use TensorFlow's fast hash; the empty string
 * (a missing value) maps to the reserved bucket `buckets`, so an embedding table has
 * `buckets + 1` rows. `NA` is a value. The bucket count is converted to a BigInt once, here.
 */
export function bucketHasher(buckets: number): (value: string) => number {
  const n = BigInt(buckets);
  return (value) => (value === '' ? buckets : Number(farmhash.fingerprint64(value) % n));
}

/** The bucket of one categorical value (bucketHasher for one value; the encoder keeps one hasher per field). */
export function hashToBucket(value: string, buckets: number): number {
  return bucketHasher(buckets)(value);
}

/** Rows an embedding table needs for `buckets` hash buckets: one more for the empty value. */
export function tableRows(buckets: number): number {
  return buckets + 1;
}
