import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hashToBucket, tableRows } from '../../src/data/hash.js';
import { hashToBucket as exported } from '../../src/index.js';

test('matches TensorFlow to_hash_bucket_fast documented vector', () => {
  // tf.strings.to_hash_bucket_fast(["Hello", "TensorFlow", "2.x"], 3) == [0, 2, 2]
  assert.deepEqual(['Hello', 'TensorFlow', '2.x'].map((s) => hashToBucket(s, 3)), [0, 2, 2]);
  assert.equal(exported, hashToBucket);
});

test('empty value maps to the reserved bucket; NA is an ordinary value', () => {
  assert.equal(hashToBucket('', 100), 100);
  assert.equal(tableRows(100), 101);
  const na = hashToBucket('NA', 100);
  assert.ok(na >= 0 && na < 100);
});
