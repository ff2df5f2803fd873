import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../src/backend.js';
import { TEST_BACKEND } from '../test-backend.js';
import { buildModel, saveModel } from '../../src/model/index.js';
import { CTR_TASKS, maxAbsDiff, syntheticBatch, tinyModel, tinySpec, tinyTraining } from './fixtures.js';

before(async () => {
  await selectBackend(TEST_BACKEND);
});

test('a NaN loss is reported, not thrown, and leaves every weight as it was', () => {
  const spec = tinySpec();
  const m = buildModel(spec, tinyModel({ type: 'mmoe' }), tinyTraining());
  const batch = syntheticBatch(spec, 16);
  const before = m.getState();
  batch.num[0] = Number.NaN;
  const r = m.trainStep(batch);
  assert.ok(Number.isNaN(r.loss));
  assert.ok(Object.values(r.taskLosses).some(Number.isNaN));
  const after = m.getState();
  after.dense.forEach((w, i) => assert.deepEqual(w, before.dense[i]));
  for (const [k, t] of after.tables) assert.deepEqual(t, before.tables.get(k));
  m.dispose();
});

test('an empty batch trains nothing and reports zero loss, not NaN', () => {
  const spec = tinySpec();
  const m = buildModel(spec, tinyModel({ type: 'mmoe' }), tinyTraining());
  const empty = { ...syntheticBatch(spec, 4), size: 0 };
  assert.deepEqual(m.trainStep(empty), { loss: 0, taskLosses: { ctr: 0, ctcvr: 0 } });
  assert.deepEqual(m.evaluate(empty), { loss: 0, taskLosses: { ctr: 0, ctcvr: 0 } });
  assert.equal(m.predict(empty).ctr.length, 0);
  m.dispose();
});

test('getState / setState bring back the best weights', () => {
  const spec = tinySpec();
  const m = buildModel(spec, tinyModel({ type: 'moe' }), tinyTraining());
  const batch = syntheticBatch(spec, 64);
  for (let i = 0; i < 3; i++) m.trainStep(batch);
  const best = m.getState();
  const scores = m.predict(batch).ctr;
  for (let i = 0; i < 5; i++) m.trainStep(batch);
  assert.ok(maxAbsDiff(m.predict(batch).ctr, scores) > 1e-4);
  m.setState(best);
  assert.ok(maxAbsDiff(m.predict(batch).ctr, scores) < 1e-6);
  m.dispose();
});

test('dropout drops units in training steps only: new masks every step, the same ones for the same seed, none recorded in the model', () => {
  const spec = tinySpec();
  const net = (dropout: number) => tinyModel({ type: 'shared_bottom', experts: { count: 1, units: [16], activation: 'relu', dropout, l2: 0 } });
  const batch = syntheticBatch(spec, 64);
  const tfjs = { kernels: 'tfjs' as const };
  const a = buildModel(spec, net(0.5), tinyTraining(), undefined, tfjs);
  const b = buildModel(spec, net(0.5), tinyTraining(), undefined, tfjs);
  const none = buildModel(spec, net(0), tinyTraining(), undefined, tfjs);
  // The same seed builds the same weights; evaluation has no dropout.
  assert.deepEqual(a.evaluate(batch), none.evaluate(batch));
  const steps = (m: typeof a) => [0, 1, 2].map(() => m.trainStep(batch).loss);
  const la = steps(a);
  assert.deepEqual(steps(b), la, 'the same seed draws the same masks');
  assert.notEqual(steps(none)[0], la[0], 'dropout changes the training loss (it was ignored: the graph did not keep its training flag)');
  // With the weights held still, only the masks change from step to step.
  const still = buildModel(spec, net(0.5), tinyTraining(), undefined, tfjs);
  still.setLearningRate(0);
  const [s1, s2] = [still.trainStep(batch).loss, still.trainStep(batch).loss];
  assert.notEqual(s1, s2, 'each step draws new masks');
  const fresh = buildModel(spec, net(0), tinyTraining(), undefined, tfjs);
  assert.deepEqual(still.evaluate(batch), fresh.evaluate(batch), 'learning rate 0 changed no weight');
  const dropouts = a.net.train.layers.filter((x) => x.getClassName() === 'Dropout');
  assert.equal(dropouts.length, 1);
  for (const l of dropouts) assert.equal((l.getConfig() as { seed?: number }).seed, undefined);
  for (const m of [a, b, none, still, fresh]) m.dispose();
});

test('regression tasks output unbounded values and learn; row weights of zero silence rows', () => {
  const spec = tinySpec([CTR_TASKS[0], { name: 'watch', label: 'watch_time', type: 'regression', labelTransform: 'log1p', lossWeight: 0.5 }]);
  const m = buildModel(spec, tinyModel({ type: 'mmoe' }), tinyTraining({ optimizer: { learningRate: 0.05, clipNorm: 1 } }));
  const batch = syntheticBatch(spec, 128);
  const first = m.evaluate(batch).taskLosses.watch;
  for (let i = 0; i < 40; i++) m.trainStep(batch);
  assert.ok(m.evaluate(batch).taskLosses.watch < first / 2);
  assert.ok(m.predict(batch).watch.some((v) => v < 0 || v > 1), 'a linear output, not a probability');
  batch.weights = new Float32Array(batch.size);
  assert.deepEqual(m.evaluate(batch), { loss: 0, taskLosses: { ctr: 0, watch: 0 } });
  m.dispose();
});

test('learning rate 0 leaves the model unchanged; evaluate and predict change nothing', () => {
  const spec = tinySpec();
  const m = buildModel(spec, tinyModel({ type: 'shared_bottom', experts: { count: 1, units: [8], activation: 'relu', dropout: 0.5, l2: 0 } }), tinyTraining());
  const batch = syntheticBatch(spec, 32);
  m.setLearningRate(0);
  const scores = m.predict(batch).ctr;
  m.trainStep(batch);
  m.evaluate(batch);
  assert.deepEqual(m.predict(batch).ctr, scores, 'dropout is off at prediction time');
  m.setLearningRate(0.05);
  m.trainStep(batch);
  assert.ok(maxAbsDiff(m.predict(batch).ctr, scores) > 0);
  m.dispose();
});

test('the same seed builds the same model', () => {
  const spec = tinySpec();
  const batch = syntheticBatch(spec, 8);
  const scores = [1, 1, 2].map((seed) => {
    const m = buildModel(spec, tinyModel({ type: 'mmoe' }), tinyTraining(), seed);
    const s = m.predict(batch).ctr;
    m.dispose();
    return s;
  });
  assert.deepEqual(scores[0], scores[1]);
  assert.notDeepEqual(scores[0], scores[2]);
});

test('steps, evaluation, prediction, gates and saving leave no tensors behind', async () => {
  const spec = tinySpec();
  const m = buildModel(spec, tinyModel({ type: 'ple', taskExperts: 1 }), tinyTraining({ uncertaintyWeighting: true, optimizer: { clipNorm: 1 } }));
  const batch = syntheticBatch(spec, 32);
  const round = () => {
    m.trainStep(batch);
    m.evaluate(batch);
    m.predict(batch);
    m.gateWeights(batch);
    m.embeddingGradients(batch);
  };
  round();
  const before = tf.memory().numTensors;
  for (let i = 0; i < 5; i++) round();
  const dir = mkdtempSync(join(tmpdir(), 'mmoe-leak-'));
  await saveModel(m, dir);
  rmSync(dir, { recursive: true, force: true });
  assert.equal(tf.memory().numTensors, before);
  m.dispose();
});
