import assert from 'node:assert/strict';
import { test } from 'node:test';
import { averageRanks, pearson, spearman } from '../../src/metrics/correlation.js';

test('pearson of perfectly related and anti-related series', () => {
  assert.equal(pearson([1, 2, 3, 4], [2, 4, 6, 8]), 1);
  assert.ok(Math.abs(pearson([1, 2, 3, 4], [8, 6, 4, 2]) + 1) < 1e-12);
  assert.ok(Number.isNaN(pearson([1, 1, 1], [1, 2, 3])));
});

test('average ranks match scipy rankdata for ties', () => {
  assert.deepEqual([...averageRanks([10, 20, 20, 5])], [2, 3.5, 3.5, 1]);
});

test('spearman is rank based (scipy: spearmanr([1,2,3,4,5],[5,6,7,8,7]) = 0.8207826816681233)', () => {
  assert.ok(Math.abs(spearman([1, 2, 3, 4, 5], [5, 6, 7, 8, 7]) - 0.8207826816681233) < 1e-12);
  assert.ok(Math.abs(spearman([1, 2, 3], [1, 8, 27]) - 1) < 1e-12);
});

test('average ranks of many tied values match a direct count', () => {
  const x = Float64Array.from({ length: 3000 }, (_, i) => ((i * 7919) % 101) - 50);
  const ranks = averageRanks(x);
  for (const i of [0, 1, 17, 2999]) {
    let below = 0;
    let equal = 0;
    for (const v of x) {
      if (v < x[i]!) below++;
      else if (v === x[i]) equal++;
    }
    assert.equal(ranks[i], below + (equal + 1) / 2);
  }
});

test('ranks of 0/1 values (no sort) and ranks from a given sort equal the ranks by definition', async () => {
  const { sortRows } = await import('../../src/metrics/sort.js');
  const rng = (seed: number) => () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const next = rng(11);
  const labels = Float32Array.from({ length: 501 }, () => (next() < 0.3 ? 1 : 0));
  const scores = Float32Array.from({ length: 501 }, () => Math.round(next() * 50) / 50);
  // By definition: rank = (values below) + (equal values + 1) / 2.
  const naive = (x: Float32Array) => Array.from(x, (v) => x.filter((w) => w < v).length + (x.filter((w) => w === v).length + 1) / 2);
  assert.deepEqual(Array.from(averageRanks(labels)), naive(labels));
  assert.deepEqual(Array.from(averageRanks(scores)), naive(scores));
  assert.deepEqual(averageRanks(scores, sortRows({ scores })), averageRanks(scores));
  assert.deepEqual(averageRanks(scores, sortRows({ scores, labels })), averageRanks(scores), 'a sort that carried labels orders the same');
});
