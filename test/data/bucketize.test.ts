import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Bucketizer, bucketOf } from '../../src/data/bucketize.js';

test("bucketOf follows TensorFlow's bucketized_column: boundaries[i-1] <= x < boundaries[i] -> bucket i", () => {
  // The example of tf.feature_column.bucketized_column's documentation: boundaries [0, 10, 100],
  // input [[-5, 10000], [150, 10], [5, 100]] -> [[0, 3], [3, 2], [1, 3]].
  const b = [0, 10, 100];
  assert.deepEqual([-5, 10000, 150, 10, 5, 100].map((x) => bucketOf(b, x)), [0, 3, 3, 2, 1, 3]);
  assert.deepEqual([-0.001, 0, 9.999, 99.99].map((x) => bucketOf(b, x)), [0, 1, 1, 2]);
});

test('Bucketizer: an empty cell takes the extra bucket, a cell that is not a number -1 (a bad row)', () => {
  const z = new Bucketizer([18, 30]);
  assert.equal(z.buckets, 3);
  assert.deepEqual(['17', ' 18 ', '29.5', '1e3', '', '  ', 'NA', '0x10'].map((s) => z.bucket(s)), [0, 1, 1, 2, 3, 3, -1, -1]);
});

test('bucketOf compares the decimal values in float64, where TensorFlow rounds to float32 (the documented difference)', () => {
  // TensorFlow 2.21, tf.raw_ops.Bucketize(input=x, boundaries=[0.1, 0.3, 1700000064.0]) for
  // x = [0.1, 0.2999999999, 0.3, 1700000000, 1700000063]: float32 input -> [1, 2, 2, 3, 3],
  // float64 input -> [0, 1, 1, 3, 3] (its boundaries are float32 in both). mmoe counts the
  // boundaries <= x exactly, as serving code in any language does by default.
  const b = [0.1, 0.3, 1700000064];
  assert.deepEqual([0.1, 0.2999999999, 0.3, 1700000000, 1700000063].map((x) => bucketOf(b, x)), [1, 1, 2, 2, 2]);
});
