// Categorical hashing, bit-compatible with TensorFlow's tf.strings.to_hash_bucket_fast
// (categorical_column_with_hash_bucket): bucket = farmhash::Fingerprint64(value) mod buckets.
import farmhash from 'farmhash';

/**
 * The bucket of one categorical value: the function a serving system must replicate.
 * Non-empty values use TensorFlow's fast hash; the empty string (a missing value) maps to the
 * reserved bucket `buckets`, so an embedding table has `buckets + 1` rows. `NA` is a value.
 */
export function hashToBucket(value: string, buckets: number): number {
  if (value === '') return buckets;
  return Number(BigInt.asUintN(64, farmhash.fingerprint64(value)) % BigInt(buckets));
}

/** Rows an embedding table needs for `buckets` hash buckets: one more for the empty value. */
export function tableRows(buckets: number): number {
  return buckets + 1;
}
