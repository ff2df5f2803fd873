import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RowBatcher } from '../../src/scoring/row-batcher.js';
import { smallSpec } from '../data/fixtures.js';

test('RowBatcher fills fixed-size batches in order, with tags, and hands out the partial rest', () => {
  const spec = smallSpec(); // 2 categorical, 1 numeric, 2 tasks
  const src = { cat: Int32Array.from([1, 2, 3, 4, 5, 6]), num: Float32Array.from([0.5, 1.5, 2.5]), labels: Float32Array.from([1, 0, 0, 1, 1, 1]), weights: null };
  const b = new RowBatcher<string>(spec, 2);
  b.copyFrom(src, 0);
  assert.equal(b.commit('a'), false);
  b.copyFrom(src, 1);
  assert.equal(b.commit('b'), true, 'full at capacity');
  const first = b.take();
  assert.deepEqual([...first.batch.cat], [1, 2, 3, 4]);
  assert.deepEqual([...first.batch.labels], [1, 0, 0, 1]);
  assert.deepEqual(first.tags, ['a', 'b']);
  b.copyFrom(src, 2);
  b.commit('c');
  const rest = b.take();
  assert.equal(rest.batch.size, 1);
  assert.deepEqual([...rest.batch.cat], [5, 6], 'views cut to the rows taken');
  assert.deepEqual([...rest.batch.num], [2.5]);
  assert.deepEqual(rest.tags, ['c']);
  assert.equal(b.size, 0);
});
