import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import type { ModelSection } from '../../src/config/schema.js';
import { selectBackend } from '../../src/backend.js';
import { TEST_BACKEND } from '../test-backend.js';
import { ARCHITECTURES, buildModel, saveModel } from '../../src/model/index.js';
import { maxAbsDiff, portableInputs, syntheticBatch, tinyModel, tinySpec, tinyTraining } from './fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'mmoe-arch-'));
before(async () => {
  await selectBackend(TEST_BACKEND);
});
after(() => rmSync(dir, { recursive: true, force: true }));

const configs: Record<string, Partial<ModelSection>> = {
  single_task: {},
  shared_bottom: { experts: { count: 1, units: [8, 6], activation: 'relu', dropout: 0.1, l2: 1e-4 } },
  moe: { gate: { temperature: 2 } },
  mmoe: { taskExperts: 1, levels: 2 },
  ple: { taskExperts: 1, levels: 2, towers: { units: [4], activation: 'tanh', dropout: 0, l2: 0 } },
  esmm: { esmm: { ctrTask: 'ctr', ctcvrTask: 'ctcvr', sharedBottom: false } },
};

/** Reads a saved directory the way any tfjs user would: its files, into tf.io.fromMemory. */
async function loadWithPlainTfjs(path: string): Promise<tf.LayersModel> {
  const json = JSON.parse(readFileSync(join(path, 'model.json'), 'utf8'));
  const bytes = json.weightsManifest.flatMap((g: { paths: string[] }) => g.paths.map((p) => readFileSync(join(path, p))));
  const all = Buffer.concat(bytes);
  const weightSpecs = json.weightsManifest.flatMap((g: { weights: unknown[] }) => g.weights);
  return tf.loadLayersModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs, weightData: all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength) }));
}

test('every architecture is covered', () => {
  assert.deepEqual(Object.keys(configs).sort(), [...ARCHITECTURES].sort());
});

for (const [type, over] of Object.entries(configs)) {
  test(`${type}: builds from config, learns, saves, and plain tfjs predicts the same scores`, async () => {
    const spec = tinySpec();
    const m = buildModel(spec, tinyModel({ type: type as ModelSection['type'], ...over }), tinyTraining());
    const batch = syntheticBatch(spec, 128);
    const first = m.evaluate(batch).loss;
    for (let i = 0; i < 30; i++) m.trainStep(batch);
    const last = m.evaluate(batch).loss;
    assert.ok(last < first * 0.9, `${type}: loss ${first} -> ${last}`);

    const out = join(dir, type);
    await saveModel(m, out);
    const loaded = await loadWithPlainTfjs(out);
    const expected = m.predict(batch);
    assert.deepEqual(loaded.outputNames.filter((n) => n !== 'cvr'), spec.tasks.map((t) => t.name));
    const got = loaded.predict(portableInputs(loaded.inputNames, spec, batch)) as tf.Tensor[];
    loaded.outputNames.forEach((name, i) => {
      const diff = maxAbsDiff(got[i].dataSync(), expected[name]);
      assert.ok(diff < 1e-5, `${type}/${name}: saved model differs by ${diff}`);
    });
    const probs = expected[spec.tasks[0].name];
    assert.ok(probs.every((p) => p > 0 && p < 1), 'binary outputs are probabilities');
    tf.dispose(got);
    loaded.dispose();
    m.dispose();
  });
}
