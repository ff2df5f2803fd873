import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FrontCache } from '../../src/data/front-cache.js';
import { hashToBucket } from '../../src/data/hash.js';

test('the bucket cache always agrees with hashToBucket: short, long, non-Latin-1, empty, through growth', () => {
  const cache = new FrontCache(997);
  const values: string[] = ['', 'NA', 'a', 'ab', 'é', '€uro', 'x'.repeat(20), 'x'.repeat(21), 'a99f214a', 'a99f214b', 'b99f214a', '12', '21'];
  for (let i = 0; i < 5000; i++) values.push(`id-${(i * 7919) % 3001}`, `${i % 17}`, `k${i}-${'z'.repeat(i % 25)}`, `ü${i % 50}`);
  for (let pass = 0; pass < 3; pass++) {
    for (const v of values) assert.equal(cache.bucket(v), hashToBucket(v, 997), JSON.stringify(v));
    cache.review(values.length);
  }
});
