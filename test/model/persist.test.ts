import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../src/backend.js';
import { parseConfig } from '../../src/config/load.js';
import { featureSpecFromConfig } from '../../src/data/feature-spec.js';
import { TEST_BACKEND } from '../test-backend.js';
import { ConfigError, DataError } from '../../src/errors.js';
import { buildModel, incompatibilities, loadModel, nodeFileSystem, restoreOptimizer, saveModel } from '../../src/model/index.js';
import type { FeatureSpec } from '../../src/data/feature-spec.js';
import { CTR_TASKS, maxAbsDiff, portableInputs, syntheticBatch, tinyModel, tinySpec, tinyTraining } from './fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'mmoe-persist-'));
before(async () => {
  await selectBackend(TEST_BACKEND);
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('a saved model warm-starts: same scores, same gates, learned task weights kept, and it trains on', async () => {
  const spec = tinySpec();
  const model = tinyModel({ type: 'ple', taskExperts: 1 });
  const training = tinyTraining({ uncertaintyWeighting: true });
  const m = buildModel(spec, model, training);
  const batch = syntheticBatch(spec, 64);
  for (let i = 0; i < 10; i++) m.trainStep(batch);
  const out = join(dir, 'ple');
  await saveModel(m, out);
  assert.deepEqual(readdirSync(out).sort(), ['architecture.json', 'feature_spec.json', 'group1-shard1of1.bin', 'model.json', 'optimizer.bin', 'optimizer.json']);

  const restored = await loadModel(out, spec, model, training, 99);
  for (const [k, v] of Object.entries(m.predict(batch))) assert.ok(maxAbsDiff(restored.predict(batch)[k], v) < 1e-6, k);
  assert.ok(maxAbsDiff(restored.gateWeights(batch).ctr.weights, m.gateWeights(batch).ctr.weights) < 1e-6);
  assert.deepEqual(restored.getState().logVariances, m.getState().logVariances);
  assert.ok(m.getState().logVariances.some((s) => s !== 0), 'uncertainty weights were learned');
  const before = restored.evaluate(batch).loss;
  for (let i = 0; i < 5; i++) restored.trainStep(batch);
  assert.ok(restored.evaluate(batch).loss < before);
  m.dispose();
  restored.dispose();
});

test('the node fs handler loads the directory into plain tf.loadLayersModel', async () => {
  const spec = tinySpec();
  const m = buildModel(spec, tinyModel({ type: 'mmoe' }), tinyTraining());
  const out = join(dir, 'mmoe');
  await saveModel(m, out);
  const loaded = await tf.loadLayersModel(nodeFileSystem(out));
  const batch = syntheticBatch(spec, 16);
  const got = loaded.predict(portableInputs(loaded.inputNames, spec, batch)) as tf.Tensor[];
  assert.deepEqual(loaded.outputNames, ['ctr', 'ctcvr']);
  assert.deepEqual(loaded.inputNames, ['user', 'item', 'prev_item', 'device', 'numeric']);
  assert.ok(maxAbsDiff(got[0].dataSync(), m.predict(batch).ctr) < 1e-5);
  loaded.dispose();
  m.dispose();
});

test('large tables are split into 4 MB weight shards', async () => {
  const spec = tinySpec();
  spec.categorical[0] = { ...spec.categorical[0], buckets: 300_000 };
  const m = buildModel(spec, tinyModel({ type: 'shared_bottom' }), tinyTraining());
  const out = join(dir, 'big');
  await saveModel(m, out);
  assert.deepEqual(readdirSync(out).filter((f) => f.startsWith('group1-')).sort(), ['group1-shard1of2.bin', 'group1-shard2of2.bin']);
  m.trainStep(syntheticBatch(spec, 64, 3)); // moments that are not all zero
  await saveModel(m, out);
  const restored = await loadModel(out, spec, m.model, m.training);
  const batch = syntheticBatch(spec, 8);
  assert.ok(maxAbsDiff(restored.predict(batch).ctr, m.predict(batch).ctr) < 1e-6);
  // The optimizer state of a table bigger than one write chunk (300k rows x 4 dims x 2 slots) comes back whole.
  assert.ok(restoreOptimizer(restored, out).restored);
  const [a, b] = [m.getOptimizerState(), restored.getOptimizerState()];
  assert.equal(b.embeddings.steps, 1);
  for (const [t, slots] of a.embeddings.tables) assert.equal(maxAbsDiff(slots, b.embeddings.tables.get(t)!), 0, t);
  assert.equal(maxAbsDiff(a.dense.slots, b.dense.slots), 0);
  m.dispose();
  restored.dispose();
});

test('warm start from an incompatible model is a ConfigError naming each difference', async () => {
  const spec = tinySpec();
  const m = buildModel(spec, tinyModel({ type: 'mmoe' }), tinyTraining());
  const out = join(dir, 'old');
  await saveModel(m, out);
  const wider = tinySpec();
  wider.categorical[1] = { ...wider.categorical[1], buckets: 50 };
  await assert.rejects(loadModel(out, wider, tinyModel({ type: 'ple' }), tinyTraining()), (e: Error) => {
    assert.ok(e instanceof ConfigError);
    assert.match(e.message, /categorical features .*item:30x4@item.*item:50x4@item/);
    assert.match(e.message, /model sections differ .*"mmoe".*"ple"/);
    assert.match(e.message, /--warm-start none/);
    return true;
  });
  await assert.rejects(loadModel(join(dir, 'nothing-here'), spec, m.model, m.training), (e: Error) => e instanceof DataError && /not a model saved by mmoe/.test(e.message));
  m.dispose();
});

test('every spec field that changes what a weight means decides compatibility; the others do not', () => {
  const spec = tinySpec([...CTR_TASKS, { name: 'watch', label: 'watch_time', type: 'regression', labelTransform: 'log1p', lossWeight: 1 }]);
  const model = tinyModel({ type: 'mmoe' });
  const changed = (f: (s: FeatureSpec) => void) => {
    const s = structuredClone(spec);
    f(s);
    return incompatibilities({ spec, model }, { spec: s, model }).join('; ');
  };
  const breaking: [string, (s: FeatureSpec) => void, RegExp][] = [
    ['buckets', (s) => (s.categorical[0]!.buckets = 41), /categorical features/],
    ['embedding dim', (s) => (s.categorical[3]!.embeddingDim = 4), /categorical features/],
    ['shared table', (s) => (s.categorical[2]!.table = 'prev_item'), /categorical features/],
    ['cross', (s) => (s.crosses[0]!.fields = ['user', 'prev_item']), /crosses/],
    ['numeric transform', (s) => (s.numeric[0]!.transform = 'log1p'), /numeric features .*"x1:none".*"x1:log1p"/],
    ['another numeric transform', (s) => (s.numeric[1]!.transform = 'minmax'), /numeric features .*x2:minmax/],
    ['task type', (s) => (s.tasks[2]!.type = 'binary'), /tasks .*watch:watch_time:regression:log1p.*watch:watch_time:binary:log1p/],
    ['label transform', (s) => (s.tasks[2]!.labelTransform = 'none'), /tasks .*watch:watch_time:regression:none/],
    ['label column', (s) => (s.tasks[0]!.label = 'purchase'), /tasks .*ctr:purchase:binary/],
    ['task order', (s) => s.tasks.reverse(), /tasks/],
    ['hash function', (s) => ((s.hash as { function: string }).function = 'murmur3'), /hash/],
  ];
  for (const [what, f, why] of breaking) assert.match(changed(f), why, what);
  const harmless: [string, (s: FeatureSpec) => void][] = [
    ['numeric statistics', (s) => Object.assign(s.numeric[0]!, { mean: 3, std: 2 })],
    ['fillEmpty', (s) => (s.numeric[0]!.fillEmpty = 0)],
    ['loss weight', (s) => (s.tasks[1]!.lossWeight = 3)],
    ['row weight column', (s) => (s.rowWeight = 'w')],
  ];
  for (const [what, f] of harmless) assert.equal(changed(f), '', what);
});

test('a warm start continues the optimizers: the next steps equal those of the model that was saved', async () => {
  const spec = tinySpec();
  const model = tinyModel({ type: 'mmoe', taskExperts: 1 });
  for (const name of ['adam', 'adagrad'] as const) {
    const training = tinyTraining({ optimizer: { name, learningRate: 0.02 } });
    const a = buildModel(spec, model, training);
    for (let i = 0; i < 7; i++) a.trainStep(syntheticBatch(spec, 64, i));
    const out = join(dir, `continue-${name}`);
    await saveModel(a, out);
    const b = await loadModel(out, spec, model, training);
    const r = restoreOptimizer(b, out);
    assert.ok(r.restored, r.reason);
    for (let i = 7; i < 10; i++) {
      const batch = syntheticBatch(spec, 64, i);
      assert.equal(b.trainStep(batch).loss, a.trainStep(batch).loss, `${name} step ${i}`);
    }
    const [sa, sb] = [a.getState(), b.getState()];
    sa.dense.forEach((w, i) => assert.ok(maxAbsDiff(w, sb.dense[i]!) === 0, `${name}: dense weight ${i}`));
    for (const [t, w] of sa.tables) assert.ok(maxAbsDiff(w, sb.tables.get(t)!) === 0, `${name}: table ${t}`);
    // Without the state the same step gives other weights (fresh moments): the test above is not vacuous.
    const fresh = await loadModel(out, spec, model, training);
    const again = await loadModel(out, spec, model, training);
    assert.ok(restoreOptimizer(again, out).restored);
    const batch = syntheticBatch(spec, 64, 7);
    fresh.trainStep(batch);
    again.trainStep(batch);
    assert.ok(maxAbsDiff(fresh.getState().dense[0]!, again.getState().dense[0]!) > 0);
    for (const m of [a, b, fresh, again]) m.dispose();
  }
});

/** A tiny MMoE trained one step with Adam and saved under `name`. */
async function savedTiny(name: string) {
  const spec = tinySpec();
  const model = tinyModel({ type: 'mmoe' });
  const training = tinyTraining();
  const m = buildModel(spec, model, training);
  m.trainStep(syntheticBatch(spec, 32, 1));
  const out = join(dir, name);
  await saveModel(m, out);
  return { spec, model, training, m, out };
}

test('saved optimizer state that does not fit leaves fresh optimizers and says why', async () => {
  const { spec, model, training: adam, m: a, out } = await savedTiny('mismatch');
  const adagrad = tinyTraining({ optimizer: { name: 'adagrad', learningRate: 0.02 } });
  const b = await loadModel(out, spec, model, adagrad);
  const before = b.getOptimizerState();
  const r = restoreOptimizer(b, out);
  assert.equal(r.restored, false);
  assert.match(r.reason, /adam\/adam, this model uses adagrad\/adagrad.*fresh optimizer moments/);
  assert.deepEqual(b.getOptimizerState(), before, 'nothing was changed');
  writeFileSync(join(out, 'optimizer.bin'), new Uint8Array(12)); // truncated
  const c = await loadModel(out, spec, model, adam);
  const r2 = restoreOptimizer(c, out);
  assert.equal(r2.restored, false);
  assert.match(r2.reason, /holds 3 values/);
  rmSync(join(out, 'optimizer.json'));
  assert.match(restoreOptimizer(c, out).reason, /no saved optimizer state/);
  for (const m of [a, b, c]) m.dispose();
});

test('a model loaded for scoring only has no optimizer slots, scores the same and refuses to train', async () => {
  const { spec, model, training, m, out } = await savedTiny('inference-only');
  const s = await loadModel(out, spec, model, training, training.seed, { inferenceOnly: true });
  const batch = syntheticBatch(spec, 16, 2);
  assert.ok(maxAbsDiff(s.predict(batch).ctr, m.predict(batch).ctr) < 1e-6);
  for (const t of s.layout.tables) assert.equal(s.tables.slotWidth(t.name), 0);
  assert.throws(() => s.trainStep(batch), /scoring only/);
  m.dispose();
  s.dispose();
});

test('names whose graph forms meet the layers of other names still save and load: emb_b next to b, x_embedding next to x, cross_c next to cross c', async () => {
  const cfg = parseConfig({
    features: {
      categorical: [
        { name: 'b', buckets: 5, embeddingDim: 2 },
        { name: 'emb_b', buckets: 5, embeddingDim: 2 },
        { name: 'x_embedding', buckets: 5, embeddingDim: 2 },
        { name: 'x', buckets: 5, embeddingDim: 2 },
        { name: 'cross_c', buckets: 5, embeddingDim: 2 },
      ],
      numeric: [{ name: 'emb_x' }, { name: 'z' }],
      crosses: [{ name: 'c', fields: ['b', 'x'] }],
    },
    tasks: [{ name: 'ctr', label: 'click', type: 'binary' }],
  });
  const spec = featureSpecFromConfig(cfg);
  const m = buildModel(spec, tinyModel({ type: 'mmoe' }), tinyTraining());
  const out = join(dir, 'clashing-names');
  await saveModel(m, out);
  const loaded = await tf.loadLayersModel(nodeFileSystem(out));
  assert.deepEqual(loaded.inputNames, ['b', 'emb_b', 'x_embedding', 'x_2', 'cross_c', 'numeric']);
  const layers = loaded.layers.map((l) => l.name);
  assert.equal(new Set(layers).size, layers.length);
  for (const name of ['emb_b_2', 'emb_emb_b', 'emb_x_2', 'x_2_embedding', 'cross_c_2']) assert.ok(layers.includes(name), name);
  const restored = await loadModel(out, spec, m.model, m.training);
  const batch = syntheticBatch(spec, 8);
  assert.ok(maxAbsDiff(restored.predict(batch).ctr, m.predict(batch).ctr) < 1e-6);
  loaded.dispose();
  restored.dispose();
  m.dispose();
});
