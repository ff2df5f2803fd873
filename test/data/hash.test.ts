import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { FrontCache } from '../../src/data/front-cache.js';
import { bucketHasher, hashToBucket, tableRows } from '../../src/data/hash.js';
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

/** TensorFlow's buckets for hundreds of values, made once by TensorFlow itself (tf-hash/make_fixture.py). */
const tf = JSON.parse(readFileSync('test/data/tf-hash/tf-hash-buckets.json', 'utf8')) as {
  tensorflow: string;
  buckets: number[];
  values: string[];
  expected: Record<string, number[]>;
};

test(`every value and bucket count of TensorFlow ${tf.tensorflow}'s to_hash_bucket_fast fixture: same bucket (the empty value: the reserved one)`, () => {
  assert.ok(tf.values.length >= 300 && tf.buckets.includes(1_000_003), 'the fixture is the full one');
  for (const v of [' a', 'a ', '\t', '\u00e9', 'e\u0301', '\u{1F600}', 'x'.repeat(130), 'ab'.repeat(5000)]) assert.ok(tf.values.includes(v), JSON.stringify(v));
  for (const n of tf.buckets) {
    const hash = bucketHasher(n);
    // The config allows at most 2^31 - 1 buckets (bucket ids are int32); the hash itself goes beyond.
    const cache = n < 2 ** 31 ? new FrontCache(n) : null;
    tf.values.forEach((v, i) => {
      const want = v === '' ? n : tf.expected[String(n)]![i]!;
      assert.equal(hash(v), want, `${JSON.stringify(v.slice(0, 40))} at ${n} buckets`);
      assert.equal(hashToBucket(v, n), want);
      if (!cache) return;
      assert.equal(cache.bucket(v), want, 'the encoder cache computes the same function');
      assert.equal(cache.bucket(v), want, 'and remembers it');
    });
  }
});
