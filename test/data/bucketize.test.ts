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
