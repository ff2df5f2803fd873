// End to end: generate partitions, run `mmoe train` through the CLI, check what it published.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { after, before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { main } from '../../src/cli/main.js';
import { generateCtr } from '../../src/data/generate-ctr.js';
import { hashToBucket } from '../../src/data/hash.js';
import { acquireLock } from '../../src/model-root/lock.js';
import { nodeFileSystem } from '../../src/model/index.js';
import { readScalars } from '../../src/tensorboard/reader.js';
import { fakeEnv } from '../cli/fake-env.js';
import { childEnv, TEST_BACKEND } from '../test-backend.js';
import { tinyConfig } from './tiny-config.js';

const root = mkdtempSync(join(tmpdir(), 'mmoe-e2e-'));
const data = join(root, 'data');
const config = join(root, 'tiny.json');

after(() => rmSync(root, { recursive: true, force: true }));

before(async () => {
  await generateCtr({ out: data, startDate: '20260101', days: 2, rowsPerDay: 4000, seed: 5 });
  writeFileSync(config, JSON.stringify(tinyConfig));
});

function train(models: string, logs: string, ...extra: string[]) {
  const env = fakeEnv({ logFiles: true });
  const args = ['node', 'mmoe', 'train', '--train-data-dir', data, '--cur-date', '20260102', '--config', config];
  return main([...args, '--model-output-dir', models, '--log-dir', logs, '--quiet', ...extra], env).then((code) => ({ code, env }));
}

test('train publishes a complete model, metadata and TensorBoard logs', async () => {
  const models = join(root, 'models');
  const logs = join(root, 'logs');
  const { code, env } = await train(models, logs);
  assert.equal(code, 0, env.err());
  const dir = join(models, '20260102');
  for (const f of ['model.json', 'feature_spec.json', 'config.json', 'metadata.json', 'architecture.json']) assert.ok(existsSync(join(dir, f)), f);
  assert.equal(readlinkSync(join(models, 'latest')), '20260102');

  const meta = JSON.parse(readFileSync(join(dir, 'metadata.json'), 'utf8'));
  assert.deepEqual(meta.data.dates, ['20260101', '20260102']);
  assert.equal(meta.data.rowsRead, 8000);
  assert.equal(meta.rows.train + meta.rows.valid, 8000);
  assert.ok(meta.rows.valid > 1400 && meta.rows.valid < 1800, `valid rows ${meta.rows.valid}`);
  assert.equal(meta.backend, TEST_BACKEND);
  assert.equal(meta.epochs.run, 3);
  for (const t of ['ctr', 'ctcvr']) { assert.ok(meta.bestValidation[t].auc > 0.5, `${t} auc ${meta.bestValidation[t].auc}`); }
  assert.equal(meta.history.length, 3);

  const spec = JSON.parse(readFileSync(join(dir, 'feature_spec.json'), 'utf8'));
  const hour = spec.numeric.find((n: { name: string }) => n.name === 'hour');
  assert.equal(hour.min, 0);
  assert.equal(hour.max, 23);

  const run = readdirSync(logs)[0]!;
  const scalars = (sub: string) => {
    const d = join(logs, run, sub);
    return readdirSync(d).flatMap((f) => readScalars(join(d, f)));
  };
  const trainTags = new Set(scalars('train').map((s) => s.tag));
  for (const tag of ['loss', 'loss/ctr', 'loss/ctcvr', 'learning_rate', 'examples_per_second']) assert.ok(trainTags.has(tag), tag);
  const validTags = new Set(scalars('validation').map((s) => s.tag));
  for (const tag of ['auc/ctr', 'auc/ctcvr', 'epoch/loss', 'gate/ctr/expert_0', 'gate/ctcvr/expert_2']) assert.ok(validTags.has(tag), tag);
  assert.ok(existsSync(join(logs, run, 'mmoe.log')));

  // The published model scores with plain tfjs and the saved feature spec alone: every row of a
  // day, built from the raw CSV values by the spec's documented rules, gives `mmoe predict`'s scores.
  const scores = join(root, 'scores.csv');
  const keep = ['adid', 'site_id', 'app_id', 'device_type', 'hour'];
  const p = await main(['node', 'mmoe', 'predict', '--model', dir, '--data-dir', data, '--dates', '20260102', '--output', scores, '--keep', keep.join(',')], fakeEnv());
  assert.equal(p, 0);
  const rows = readFileSync(scores, 'utf8').trim().split('\n').map((l) => l.split(','));
  assert.deepEqual(rows[0], [...keep, 'ctr', 'ctcvr']);
  const body = rows.slice(1);
  assert.equal(body.length, 4000);
  const m = await tf.loadLayersModel(nodeFileSystem(dir));
  assert.deepEqual(m.outputNames, ['ctr', 'ctcvr']);
  const feed = m.inputNames.map((name) => {
    const f = spec.categorical.find((c: { name: string }) => c.name === name);
    if (f) return tf.tensor2d(body.map((r) => [hashToBucket(r[keep.indexOf(name)]!, f.buckets)]), [body.length, 1], 'int32');
    assert.equal(name, 'numeric');
    return tf.tensor2d(body.map((r) => [(Number(r[keep.indexOf('hour')]) - hour.min) / (hour.max - hour.min)]), [body.length, 1]);
  });
  const out = m.predict(feed) as tf.Tensor[];
  out.forEach((o, k) => {
    const plain = o.dataSync();
    let worst = 0;
    body.forEach((r, i) => (worst = Math.max(worst, Math.abs(plain[i]! - Number(r[keep.length + k])))));
    assert.ok(worst < 1e-6, `${m.outputNames[k]}: plain tfjs and mmoe predict differ by up to ${worst}`);
  });
  tf.dispose([...feed, ...out]);
  m.dispose();
});

test('a diverging run exits 1 and publishes nothing; the previous model stays', async () => {
  const models = join(root, 'models-nan');
  const logs = join(root, 'logs-nan');
  assert.equal((await train(models, logs)).code, 0);
  const before = readFileSync(join(models, '20260102', 'metadata.json'), 'utf8');
  const { code, env } = await train(models, logs, '--learning-rate', '1e38');
  assert.equal(code, 1, env.err());
  assert.match(env.err(), /training diverged at epoch 1, step \d+: loss is (NaN|Infinity)/);
  assert.equal(readFileSync(join(models, '20260102', 'metadata.json'), 'utf8'), before);
  assert.deepEqual(readdirSync(models).filter((f) => f.startsWith('.')), []);
});

test('bad input exits 3 and a held lock exits 75, both leaving the published model alone', async () => {
  const models = join(root, 'models-bad');
  const logs = join(root, 'logs-bad');
  assert.equal((await train(models, logs)).code, 0);
  const r = await train(models, logs, '--cur-date', '20260105');
  assert.equal(r.code, 3);
  assert.match(r.env.err(), /20260104/);
  const held = acquireLock(models, 'another run');
  const runs = readdirSync(logs);
  const locked = await train(models, logs);
  held.release();
  assert.equal(locked.code, 75);
  assert.match(locked.env.err(), /another run holds the lock/);
  assert.deepEqual(readdirSync(logs), runs, 'a run that could not take the lock leaves no run directory');
  assert.ok(existsSync(join(models, 'latest', 'model.json')));
});

test('--warm-start auto continues from the newest compatible earlier model and says so', async () => {
  const models = join(root, 'models-warm');
  const logs = join(root, 'logs-warm');
  const first = await train(models, logs, '--cur-date', '20260101', '--days', '1');
  assert.equal(first.code, 0, first.env.err());
  const { code, env } = await train(models, logs, '--warm-start', 'auto', '--epochs', '1');
  assert.equal(code, 0, env.err());
  const meta = JSON.parse(readFileSync(join(models, '20260102', 'metadata.json'), 'utf8'));
  assert.equal(meta.warmStart.from, join(models, '20260101'));
  assert.match(meta.warmStart.reason, /warm start from .*20260101, the newest published model before 20260102/);
  assert.match(meta.warmStart.optimizer, /optimizer state restored from .*20260101 \(adam, step \d+\)/);
  // The numeric statistics come from the previous model, so inputs keep their scale.
  const prevSpec = JSON.parse(readFileSync(join(models, '20260101', 'feature_spec.json'), 'utf8'));
  const spec = JSON.parse(readFileSync(join(models, '20260102', 'feature_spec.json'), 'utf8'));
  assert.deepEqual(spec.numeric, prevSpec.numeric);
  // A config with other buckets cannot reuse the weights: auto starts fresh and says why.
  const other = join(root, 'other.json');
  writeFileSync(other, JSON.stringify({ ...tinyConfig, features: { ...tinyConfig.features, categorical: tinyConfig.features.categorical.map((c) => ({ ...c, buckets: 99 })) } }));
  const fresh = await train(models, logs, '--warm-start', 'auto', '--epochs', '1', '--config', other);
  assert.equal(fresh.code, 0, fresh.env.err());
  const meta2 = JSON.parse(readFileSync(join(models, '20260102', 'metadata.json'), 'utf8'));
  assert.equal(meta2.warmStart.from, null);
  assert.equal(meta2.warmStart.optimizer, null);
  assert.match(meta2.warmStart.reason, /fresh start: the newest earlier model .* is incompatible \(categorical features/);
});

test('an aborted run exits 130, publishes nothing and releases the lock', async () => {
  const models = join(root, 'models-abort');
  const env = fakeEnv();
  env.signal = AbortSignal.abort();
  const args = ['node', 'mmoe', 'train', '--train-data-dir', data, '--cur-date', '20260102', '--config', config];
  const code = await main([...args, '--model-output-dir', models, '--log-dir', join(root, 'logs-abort'), '--quiet'], env);
  assert.equal(code, 130, env.err());
  assert.match(env.err(), /interrupted while reading the data; nothing was published/);
  assert.deepEqual(readdirSync(models), ['status.json'], 'no model, only the status of the run');
  assert.equal(JSON.parse(readFileSync(join(models, 'status.json'), 'utf8')).lastAttempt.outcome, 'interrupted');
});

test('SIGINT to the real process stops training cleanly', async () => {
  const models = join(root, 'models-sigint');
  const child = spawn(process.execPath, ['bin/mmoe.js', 'train', '--train-data-dir', data, '--cur-date', '20260102', '--config', config,
    '--model-output-dir', models, '--log-dir', join(root, 'logs-sigint'), '--epochs', '1000'], { stdio: ['ignore', 'ignore', 'pipe'], env: childEnv() });
  let err = '';
  child.stderr.on('data', (d) => {
    err += d;
    // Interrupt once training is under way (the first epoch has been logged).
    if (/epoch 1\/1000/.test(err) && !child.killed) child.kill('SIGINT');
  });
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  assert.equal(code, 130, err.slice(-2000));
  assert.match(err, /SIGINT received, stopping cleanly/);
  assert.deepEqual(readdirSync(models), ['status.json']);
});

test('a validation day among the training days is refused (exit 2): it would validate on training rows', async () => {
  const { code, env } = await train(join(root, 'models-vd'), join(root, 'logs-vd'), '--valid-date', '20260102');
  assert.equal(code, 2);
  assert.match(env.err(), /validation date 20260102 is one of the training days/);
  const missing = await train(join(root, 'models-vd'), join(root, 'logs-vd'), '--valid-date', '20260109');
  assert.equal(missing.code, 3);
  assert.match(missing.env.err(), /20260109/);
});

test('the shipped sample with the default config (npm start): gates that specialise, and no gate warning', async () => {
  const models = join(root, 'models-sample');
  const env = fakeEnv();
  const args = ['node', 'mmoe', 'train', '--train-data-dir', 'data/sample', '--cur-date', '20240102', '--days', '2'];
  // --backend auto, as npm start runs it (whatever the suite's engine): the README shows that run's output.
  const code = await main([...args, '--model-output-dir', models, '--log-dir', join(root, 'logs-sample'), '--quiet', '--backend', 'auto'], env);
  assert.equal(code, 0, env.err());
  const meta = JSON.parse(readFileSync(join(models, '20240102', 'metadata.json'), 'utf8'));
  assert.deepEqual(meta.gates.warnings, []);
  const { ctr, ctcvr } = meta.gates.stats;
  for (const g of [ctr, ctcvr]) assert.ok(g.normalizedEntropy < 0.97, `a gate that chooses: normalized entropy ${g.normalizedEntropy}`);
  // The tasks favour different experts: half the L1 distance of their mean gates (the share of
  // the mixture that differs) is large, and their favourite experts differ.
  const tv = ctr.meanWeight.reduce((s: number, w: number, i: number) => s + Math.abs(w - ctcvr.meanWeight[i]), 0) / 2;
  assert.ok(tv > 0.25, `mean gates differ by ${tv}`);
  const top = (w: number[]) => w.indexOf(Math.max(...w));
  assert.notEqual(top(ctr.meanWeight), top(ctcvr.meanWeight));
  for (const t of ['ctr', 'ctcvr']) assert.ok(meta.bestValidation[t].auc > 0.64, `${t} ${meta.bestValidation[t].auc}`);
  // The README's quick start shows this run's evaluation, as `npm start` prints it.
  const ev = fakeEnv();
  assert.equal(await main(['node', 'mmoe', 'eval', '--model', join(models, 'latest'), '--data-dir', 'data/sample', '--dates', '20240103', '--backend', 'auto'], ev), 0, ev.err());
  const readme = readFileSync('README.md', 'utf8');
  const shown = readme.slice(readme.indexOf('\nthreshold per task:') + 1, readme.indexOf('\n```', readme.indexOf('\nthreshold per task:')));
  assert.ok(shown.length > 500, 'the README shows the eval output');
  assert.equal(ev.out().slice(ev.out().indexOf('threshold per task:')).trimEnd(), shown.trimEnd());
});
