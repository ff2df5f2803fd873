// tfjs-node specifics. The TensorFlow C library built here (2.21, docs/backends.md) is not the 2.9.1
// tfjs-node was written for: its Round kernel returns 0 for int32 input. These tests run the
// project's paths on it with every Round call recorded, so a change that starts to depend on
// Round of integers fails here instead of giving zeros on users' machines. They need tfjs-node:
// .ci/run builds it; where it is not installed they are skipped with the reason.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../src/backend.js';
import type { ModelSection } from '../src/config/schema.js';
import { main } from '../src/cli/main.js';
import { ARCHITECTURES, buildModel, loadModel, readArchitecture, saveModel } from '../src/model/index.js';
import { fakeEnv } from './cli/fake-env.js';
import { ctrDays, TINY_CONFIG } from './eval/fixtures.js';
import { maxAbsDiff, syntheticBatch, tinyModel, tinySpec, tinyTraining } from './model/fixtures.js';

const root = mkdtempSync(join(tmpdir(), 'mmoe-tf-'));
let missing: string | undefined;
/** Input dtypes of every Round kernel call on the tensorflow backend since the spy was installed. */
const roundCalls: string[] = [];

before(async () => {
  missing = await selectBackend('tensorflow').then(
    () => undefined,
    (e: Error) => e.message,
  );
  if (missing) return;
  const round = tf.getKernel('Round', 'tensorflow')!;
  tf.unregisterKernel('Round', 'tensorflow');
  tf.registerKernel({
    ...round,
    kernelFunc: (args) => {
      roundCalls.push((args.inputs.x as tf.TensorInfo).dtype);
      return round.kernelFunc(args);
    },
  });
  await ctrDays(join(root, 'data'), 1500);
});
after(() => rmSync(root, { recursive: true, force: true }));

const skipped = (t: { skip(m: string): void }) => (missing ? (t.skip(`tfjs-node is not installed here (${missing}); docs/backends.md says how to build it here`), true) : false);

test('the Round spy sees a Round of int32 (so the checks below can fail), and what this TensorFlow answers', (t) => {
  if (skipped(t)) return;
  const before = roundCalls.length;
  const r = tf.round(tf.tensor1d([-2, 3, 7], 'int32'));
  t.diagnostic(`TensorFlow ${(tf.backend() as unknown as { binding: { TF_Version: string } }).binding.TF_Version}: Round(int32 [-2, 3, 7]) = [${[...r.dataSync()]}]`);
  r.dispose();
  assert.deepEqual(roundCalls.slice(before), ['int32']);
  roundCalls.length = before;
});

test('train, eval and predict through the CLI on tensorflow never round integers', async (t) => {
  if (skipped(t)) return;
  const data = join(root, 'data');
  const config = join(root, 'tiny.json');
  writeFileSync(config, JSON.stringify(TINY_CONFIG));
  const run = async (...args: string[]) => {
    const env = fakeEnv();
    const code = await main(['node', 'mmoe', ...args, '--backend', 'tensorflow'], env);
    assert.equal(code, 0, env.err());
    return env.out();
  };
  const models = join(root, 'models');
  await run('train', '--train-data-dir', data, '--cur-date', '20260102', '--config', config, '--quiet', '--model-output-dir', models, '--log-dir', join(root, 'logs'));
  const doc = JSON.parse(await run('eval', '--model', join(models, 'latest'), '--data-dir', data, '--dates', '20260102', '--format', 'json'));
  assert.equal(doc.model.scoring.backend, 'tensorflow');
  await run('predict', '--model', join(models, 'latest'), '--data-dir', data, '--dates', '20260102', '--output', join(root, 'scores.csv'));
  assert.deepEqual(roundCalls.filter((d) => d === 'int32'), []);
});

test('every architecture trains, saves and loads on tensorflow with the same scores and without rounding integers', async (t) => {
  if (skipped(t)) return;
  const over: Partial<Record<string, Partial<ModelSection>>> = {
    mmoe: { taskExperts: 1, levels: 2 },
    ple: { taskExperts: 1, levels: 2 },
    esmm: { esmm: { ctrTask: 'ctr', ctcvrTask: 'ctcvr', sharedBottom: false } },
  };
  for (const type of ARCHITECTURES) {
    const spec = tinySpec();
    const model = tinyModel({ type: type as ModelSection['type'], ...over[type] });
    const m = buildModel(spec, model, tinyTraining());
    const batch = syntheticBatch(spec, 64);
    for (let i = 0; i < 3; i++) m.trainStep(batch);
    const dir = join(root, type);
    await saveModel(m, dir);
    const saved = readArchitecture(dir);
    const loaded = await loadModel(dir, saved.spec, saved.model, tinyTraining());
    const [a, b] = [m.predict(batch), loaded.predict(batch)];
    for (const k of Object.keys(a)) assert.ok(maxAbsDiff(a[k]!, b[k]!) < 1e-6, `${type}/${k}`);
    m.dispose();
    loaded.dispose();
  }
  assert.deepEqual(roundCalls.filter((d) => d === 'int32'), []);
});
