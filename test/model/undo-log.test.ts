import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { selectBackend } from '../../src/backend.js';
import { buildModel } from '../../src/model/index.js';
import { UndoLog } from '../../src/model/undo-log.js';
import { syntheticBatch, tinyModel, tinySpec, tinyTraining } from './fixtures.js';
import { TEST_BACKEND } from '../test-backend.js';

before(async () => {
  await selectBackend(TEST_BACKEND);
});

test('an undo log saves a row once, before its first change, and puts back exactly those rows', () => {
  const stride = 3;
  const store = Float32Array.from({ length: 10 * stride }, (_, i) => i);
  const original = store.slice();
  const log = new UndoLog(10, stride);
  const change = (ids: number[]) => {
    log.save(store, Int32Array.from(ids), ids.length);
    for (const r of ids) store.fill(-r - 1, r * stride, (r + 1) * stride);
  };
  change([2, 7]);
  change([7, 2, 9]); // 7 and 2 again: their checkpoint values are already saved
  assert.equal(log.count, 3);
  log.save(store, Int32Array.of(4, 5), 1); // only the first n ids count
  assert.equal(log.count, 4);
  log.restore(store);
  assert.deepEqual(store, original);
  assert.equal(log.count, 0);
  // After a restore (or clear) the current rows are the checkpoint again.
  change([2]);
  log.clear();
  const now = store.slice();
  change(Array.from({ length: 10 }, (_, i) => i));
  log.restore(store);
  assert.deepEqual(store, now);
});

test('the log grows past its first capacity', () => {
  const rows = 5000;
  const store = Float32Array.from({ length: rows * 2 }, (_, i) => Math.sin(i));
  const original = store.slice();
  const log = new UndoLog(rows, 2);
  const ids = Int32Array.from({ length: rows }, (_, i) => (i * 7919) % rows);
  log.save(store, ids, rows);
  store.fill(0);
  log.restore(store);
  assert.deepEqual(store, original);
});

test('a model back at its checkpoint holds the weights and optimizer state it had, and trains on from there as it did', () => {
  const spec = tinySpec();
  const m = buildModel(spec, tinyModel({ type: 'mmoe', taskExperts: 1 }), tinyTraining({ uncertaintyWeighting: true }));
  for (let i = 0; i < 3; i++) m.trainStep(syntheticBatch(spec, 64, i));
  m.checkpoint();
  const [state, optimizer] = [m.getState(), m.getOptimizerState()];
  const next = syntheticBatch(spec, 64, 10);
  const lossThen = m.trainStep(next).loss;
  for (let i = 0; i < 4; i++) m.trainStep(syntheticBatch(spec, 64, 20 + i));
  assert.ok(m.tables.checkpointSize().rows > 0);
  m.restoreCheckpoint();
  assert.deepEqual(m.getState(), state);
  assert.deepEqual(m.getOptimizerState(), optimizer);
  assert.equal(m.trainStep(next).loss, lossThen, 'the same step from the same state gives the same loss');
  // Restoring twice returns to the same checkpoint; dropping it stops the saving.
  m.restoreCheckpoint();
  assert.deepEqual(m.getState(), state);
  m.dropCheckpoint();
  assert.deepEqual(m.tables.checkpointSize(), { rows: 0, bytes: 0 });
  assert.throws(() => m.restoreCheckpoint(), /no checkpoint/);
  m.dispose();
});
