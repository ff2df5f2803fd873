import assert from 'node:assert/strict';
import { test } from 'node:test';
import { argsortScores, sortRows } from '../../src/metrics/sort.js';
import { Rng } from '../../src/util/random.js';

function comparatorOrder(scores: ArrayLike<number>): number[] {
  return Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => scores[a]! - scores[b]! || a - b);
}

test('argsortScores orders float64 scores like a stable comparator sort', () => {
  const rng = new Rng(7);
  const scores = Float64Array.from({ length: 5000 }, () => (rng.next() < 0.1 ? -0 : Math.round((rng.normal() * 1e6) / 3) / 1e3));
  assert.deepEqual([...argsortScores(scores)], comparatorOrder(scores));
});

test('argsortScores orders float32 scores (one key word) the same way', () => {
  const rng = new Rng(8);
  const scores = Float32Array.from({ length: 5000 }, () => (rng.next() < 0.05 ? 0 : rng.normal() * 100));
  assert.deepEqual([...argsortScores(scores)], comparatorOrder(scores));
  assert.deepEqual([...argsortScores(new Float32Array([3, -Infinity, 0.5, Infinity, -2]))], [1, 4, 2, 0, 3]);
  assert.equal(argsortScores([]).length, 0);
});

test('sortRows carries scores, labels and weights into sorted order', () => {
  const s = sortRows({ scores: [0.3, -1.5, 0.3, 2], labels: [1, 0, 0, 1], weights: [1, 2, 3, 4] });
  assert.deepEqual([...s.order], [1, 0, 2, 3]);
  assert.deepEqual([...s.scores], [-1.5, 0.3, 0.3, 2]);
  assert.deepEqual([...s.positive], [0, 1, 0, 1]);
  assert.deepEqual([...s.weights], [2, 1, 3, 4]);
  assert.deepEqual([...sortRows({ scores: new Float32Array([-0, 0.25]), labels: [0, 1] }).weights], [1, 1]);
});
