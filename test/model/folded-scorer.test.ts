import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import type { ModelSection } from '../../src/config/schema.js';
import { selectBackend } from '../../src/backend.js';
import { DataError } from '../../src/errors.js';
import { ARCHITECTURES, buildModel, type MultiTaskModel } from '../../src/model/index.js';
import { FoldedScorer } from '../../src/model/folded-scorer.js';
import { tfjsHeap } from '../../src/model/wasm/tfjs-heap.js';
import { maxAbsDiff, syntheticBatch, tinyModel, tinySpec, tinyTraining } from './fixtures.js';

before(async () => {
  // wasm only: the folded scorer's kernels run on the tfjs wasm heap.
  await selectBackend('wasm');
});

// Every architecture, with deeper and non-ReLU first layers, task experts, stacked levels and a
// gate temperature; the tiny spec has a shared table, a cross and numerics (the rest columns).
const configs: Record<string, Partial<ModelSection>> = {
  single_task: { experts: { count: 1, units: [5], activation: 'elu', dropout: 0, l2: 0 } },
  shared_bottom: { experts: { count: 1, units: [8, 6], activation: 'relu', dropout: 0.1, l2: 1e-4 } },
  moe: { gate: { temperature: 2 } },
  mmoe: { taskExperts: 1, levels: 2, experts: { count: 3, units: [7], activation: 'swish', dropout: 0, l2: 0 } },
  ple: { taskExperts: 1, levels: 2, experts: { count: 2, units: [5, 4], activation: 'relu', dropout: 0, l2: 0 } },
  esmm: { esmm: { ctrTask: 'ctr', ctcvrTask: 'ctcvr', sharedBottom: false } },
};

function build(type: ModelSection['type'], over: Partial<ModelSection>): MultiTaskModel {
  return buildModel(tinySpec(), tinyModel({ type, ...over }), tinyTraining());
}

function scorer(model: MultiTaskModel, budgetBytes?: number): FoldedScorer {
  const s = FoldedScorer.build(model, budgetBytes);
  assert.ok(s instanceof FoldedScorer, 'reason' in s ? s.reason : '');
  return s;
}

function assertSameScores(model: MultiTaskModel, s: FoldedScorer, seed: number): void {
  // Odd sizes: output rows that are not whole vectors, and a batch of one.
  for (const size of [1, 37, 300]) {
    const batch = syntheticBatch(model.spec, size, seed + size);
    const plain = model.predictWithGates(batch);
    const folded = s.predictWithGates(batch);
    assert.deepEqual(Object.keys(folded.scores), Object.keys(plain.scores));
    assert.deepEqual(Object.keys(folded.gates), Object.keys(plain.gates));
    for (const k of Object.keys(plain.scores)) assert.ok(maxAbsDiff(folded.scores[k]!, plain.scores[k]!) < 1e-5, `${k}: ${maxAbsDiff(folded.scores[k]!, plain.scores[k]!)}`);
    for (const k of Object.keys(plain.gates)) {
      assert.equal(folded.gates[k]!.experts, plain.gates[k]!.experts);
      assert.ok(maxAbsDiff(folded.gates[k]!.weights, plain.gates[k]!.weights) < 1e-5, `gate ${k}`);
    }
    assert.deepEqual(Object.keys(s.predict(batch)), Object.keys(plain.scores));
  }
}

test('every architecture is covered', () => {
  assert.deepEqual(Object.keys(configs).sort(), [...ARCHITECTURES].sort());
});

for (const [type, over] of Object.entries(configs)) {
  test(`${type}: folded scores and gates equal the plain graph's (all fields folded)`, () => {
    const model = build(type as ModelSection['type'], over);
    // Train a few steps so the weights are not the initial ones.
    for (let i = 0; i < 3; i++) model.trainStep(syntheticBatch(model.spec, 64, i));
    const s = scorer(model);
    assert.deepEqual(s.summary.folded, ['user', 'item', 'prev_item', 'device']);
    assert.deepEqual(s.summary.unfolded, []);
    assertSameScores(model, s, 1);
    s.dispose();
    model.dispose();
  });
}

test('a budget folds the smallest tables first and leaves the rest to the matrix product', () => {
  const model = build('mmoe', configs.mmoe!);
  const probe = scorer(model);
  const rowBytes = probe.summary.rowFloats * 4;
  probe.dispose();
  // device (6 rows) and one item-sized table (31 rows) fit; the user table (41 rows) does not.
  const s = scorer(model, (6 + 31) * rowBytes + 1);
  assert.deepEqual(s.summary.folded, ['item', 'device']);
  assert.deepEqual(s.summary.unfolded.map((u) => u.name), ['prev_item', 'user']);
  assert.match(s.summary.unfolded[0]!.reason, /fold budget/);
  assertSameScores(model, s, 2);
  s.dispose();
  const none = scorer(model, 0);
  assert.deepEqual(none.summary.folded, []);
  assertSameScores(model, none, 3);
  none.dispose();
  model.dispose();
});

test('a bucket id outside its table is a DataError naming the field', () => {
  const model = build('mmoe', {});
  const s = scorer(model);
  const batch = syntheticBatch(model.spec, 4, 1);
  batch.cat[1] = 31; // item has 30 buckets + the empty row: 31 is outside
  assert.throws(() => s.predict(batch), (e: unknown) => e instanceof DataError && /outside the embedding table/.test(e.message) && e.location?.column === 'item');
  s.dispose();
  model.dispose();
});

test('scoring leaks no tensors', () => {
  const model = build('ple', configs.ple!);
  const s = scorer(model);
  const batch = syntheticBatch(model.spec, 50, 4);
  s.predictWithGates(batch);
  const before = tf.memory().numTensors;
  for (let i = 0; i < 3; i++) s.predictWithGates(batch);
  assert.equal(tf.memory().numTensors, before);
  s.dispose();
  model.dispose();
});

test('on a backend other than wasm there is no folded scorer, and the reason says why', async () => {
  const model = build('mmoe', {});
  await selectBackend('cpu');
  try {
    const s = FoldedScorer.build(model);
    assert.ok(!(s instanceof FoldedScorer));
    assert.match(s.reason, /wasm backend; this one is cpu/);
  } finally {
    await selectBackend('wasm');
    model.dispose();
  }
});

test('the self-check that build() runs catches a corrupted projected table', () => {
  const model = build('mmoe', {});
  const s = scorer(model);
  assert.ok(s.selfCheck() < 1e-5, 'a sound scorer passes');
  // Overwrite the projected rows of the first folded field in the tfjs heap.
  const heap = tfjsHeap()!;
  const table = (s as unknown as { folded: { fields: { table: tf.Tensor2D }[] } }).folded.fields[0]!.table;
  new Float32Array(heap.kernels.memory.buffer, heap.address(table), table.size).fill(3);
  assert.ok(s.selfCheck() > 1e-3, 'a corrupted one fails');
  s.dispose();
  model.dispose();
});

test('build() hands back no scorer, only the reason, when its self-check fails or throws', (t) => {
  // The check itself is tested above on a corrupted table; here its verdict (as a tfjs version
  // whose heap moved would give it) must keep the scorer from being used.
  const model = build('mmoe', {});
  for (const [outcome, reason] of [
    [() => 0.5, /self-check failed: folded scores differ from the plain graph's by 0\.5 on a probe batch/],
    [() => Number.NaN, /differ from the plain graph's by NaN/],
    [() => {
      throw new Error('heap moved');
    }, /self-check failed: heap moved/],
  ] as const) {
    const check = t.mock.method(FoldedScorer.prototype, 'selfCheck', outcome);
    const before = tf.memory().numTensors;
    const r = FoldedScorer.build(model);
    assert.ok(!(r instanceof FoldedScorer), 'no scorer');
    assert.match(r.reason, reason);
    assert.equal(tf.memory().numTensors, before, 'its tables were disposed');
    check.mock.restore();
  }
  model.dispose();
});
