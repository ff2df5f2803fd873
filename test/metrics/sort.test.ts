import assert from 'node:assert/strict';
import { test } from 'node:test';
import { argsortScores } from '../../src/metrics/sort.js';
import { Rng } from '../../src/util/random.js';

test('argsortScores orders like a comparator sort, stable on ties', () => {
  const rng = new Rng(7);
  const scores = Float64Array.from({ length: 5000 }, () => (rng.next() < 0.1 ? -0 : Math.round((rng.normal() * 1e6) / 3) / 1e3));
  const order = argsortScores(scores);
  const expected = Array.from(scores.keys()).sort((a, b) => scores[a]! - scores[b]! || a - b);
  assert.deepEqual([...order], expected);
});

test('argsortScores handles float32 input, infinities and empty input', () => {
  assert.deepEqual([...argsortScores(new Float32Array([3, -Infinity, 0.5, Infinity, -2]))], [1, 4, 2, 0, 3]);
  assert.equal(argsortScores([]).length, 0);
});
