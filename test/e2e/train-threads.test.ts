// End to end: `mmoe train --threads N` on generated partitions: one seed and one thread count
// publish the same model byte for byte, 1 and 2 threads agree to float rounding, and what trained
// the network is reported in metadata.json and the log.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { main } from '../../src/cli/main.js';
import { generateCtr } from '../../src/data/generate-ctr.js';
import { trainingThreadsRunning } from '../../src/model/fast/fast-trainer.js';
import { deviation } from '../../src/model/fast/probe.js';
import { decodeFloat32Weights, nodeFileSystem } from '../../src/model/io.js';
import type { UsableCores } from '../../src/util/cpus.js';
import { coresUnderQuota } from '../util/fake-cgroup.js';
import { fakeEnv } from '../cli/fake-env.js';
import { waitFor } from '../wait-for.js';
import { tinyConfig } from './tiny-config.js';

const root = mkdtempSync(join(tmpdir(), 'mmoe-threads-'));
const data = join(root, 'data');

const config = (model: Record<string, unknown> = {}) => ({
  ...tinyConfig,
  model: { ...tinyConfig.model, ...model },
  training: { ...tinyConfig.training, epochs: 2, batchSize: 200 },
});

after(() => rmSync(root, { recursive: true, force: true }));

before(async () => {
  await generateCtr({ out: data, startDate: '20260101', days: 2, rowsPerDay: 2000, seed: 9 });
});

async function train(name: string, threads: string, model?: Record<string, unknown>, features?: Record<string, unknown>, cores?: UsableCores) {
  const cfg = join(root, `${name}.json`);
  writeFileSync(cfg, JSON.stringify({ ...config(model), ...(features ? { features: { ...tinyConfig.features, ...features } } : {}) }));
  const models = join(root, name);
  const env = { ...fakeEnv({ logFiles: true }), cores };
  const args = ['node', 'mmoe', 'train', '--train-data-dir', data, '--cur-date', '20260102', '--config', cfg, '--threads', threads];
  const code = await main([...args, '--model-output-dir', models, '--log-dir', join(root, `${name}-logs`), '--quiet', '--backend', 'cpu'], env);
  assert.equal(code, 0, env.err());
  const dir = join(models, '20260102');
  const logDir = join(root, `${name}-logs`, readdirSync(join(root, `${name}-logs`))[0]!);
  return {
    dir,
    meta: JSON.parse(readFileSync(join(dir, 'metadata.json'), 'utf8')),
    log: readFileSync(join(logDir, 'mmoe.log'), 'utf8'),
    files: (f: string) => readFileSync(join(dir, f)),
  };
}

const weightFiles = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.bin')).sort();

test('--threads 2 twice with one seed publishes the same weights and optimizer state, byte for byte; --threads 1 agrees to float rounding', async () => {
  const [a, b, one] = [await train('two-a', '2'), await train('two-b', '2'), await train('one', '1')];
  assert.deepEqual(a.meta.trainingPath, { ...a.meta.trainingPath, kernels: 'fast', threads: 2 });
  assert.match(a.log, /training on the fast path \(wasm SIMD kernels( with fused multiply-adds)?, 2 threads\)/);
  assert.deepEqual(weightFiles(a.dir), weightFiles(b.dir));
  assert.ok(weightFiles(a.dir).includes('optimizer.bin'));
  for (const f of weightFiles(a.dir)) assert.ok(a.files(f).equals(b.files(f)), `${f} differs between two runs with 2 threads`);
  assert.deepEqual(a.meta.bestValidation, b.meta.bestValidation);

  assert.equal(one.meta.trainingPath.threads, 1);
  assert.equal(one.meta.epochs.best, a.meta.epochs.best);
  const [wa, w1] = [decodeFloat32Weights(await nodeFileSystem(a.dir).load!()), decodeFloat32Weights(await nodeFileSystem(one.dir).load!())];
  for (const [name, w] of wa) assert.ok(deviation(w1.get(name)!.values, w.values) < 1e-4, `${name}: ${deviation(w1.get(name)!.values, w.values)}`);
  for (const t of ['ctr', 'ctcvr']) assert.ok(Math.abs(one.meta.bestValidation[t].auc - a.meta.bestValidation[t].auc) < 1e-3);
});

test('a model the fast path does not cover trains on tfjs; metadata and the log say why', async () => {
  const r = await train('dropout', 'auto', { experts: { count: 3, units: [8], dropout: 0.1 } });
  assert.equal(r.meta.trainingPath.kernels, 'tfjs');
  assert.match(r.meta.trainingPath.reason, /dropout 0\.1/);
  assert.match(r.log, /training on the tfjs graph: the fast path does not cover this model: dropout 0\.1/);
});

test('--threads above the usable cores (a cgroup CPU quota of 1 on 8 cores) trains with that many threads and warns once; the log says how many and why', async () => {
  const cores = coresUnderQuota(join(root, 'cgroup'), 1, 8);
  const r = await train('oversubscribed', '2', undefined, undefined, cores);
  assert.equal(r.meta.trainingPath.threads, 2);
  const warnings = r.log.match(/threads 2 \(--threads or training\.threads\) is more than the 1 core usable \(cgroup CPU quota 1\.0 of 8 cores\): every training step waits/g) ?? [];
  assert.equal(warnings.length, 1, r.log);
  assert.match(r.log, /"level":40[^\n]*threads 2 \(--threads or training/, 'at warn level');
  assert.match(r.log, /threads 2 \(as set; 1 core usable: cgroup CPU quota 1\.0 of 8 cores\)/);
  const auto = await train('auto-short', 'auto', undefined, undefined, cores);
  assert.match(auto.log, /threads auto: 1 \(\d+ steps, fewer than 200, do not pay for starting threads; 1 core usable: cgroup CPU quota 1\.0 of 8 cores\)/);
  assert.doesNotMatch(auto.log, /is more than the/);
});

test('with every numeric statistic known, the first epoch trains while a thread reads: the same rows, the read logged and recorded, the same bytes twice with two threads', async () => {
  const before = await train('read-first', '1');
  assert.equal(before.meta.timings.readOverlapped, false, 'minmax statistics are computed by a read first');
  const known = { numeric: [{ name: 'hour', transform: 'minmax', min: 0, max: 23 }] };
  const [r, again] = [await train('read-ahead', '2', undefined, known), await train('read-ahead-again', '2', undefined, known)];
  assert.equal(r.meta.timings.readOverlapped, true);
  assert.equal(r.meta.trainingPath.threads, 2);
  // Whatever the timing of the reading thread against the steps: one seed, the same bytes.
  for (const f of weightFiles(r.dir)) assert.ok(r.files(f).equals(again.files(f)), `${f} differs between two runs reading alongside the first epoch`);
  assert.deepEqual(r.meta.rows, before.meta.rows);
  assert.deepEqual(r.meta.data, before.meta.data);
  assert.match(r.log, /read 2 files of 20260101, 20260102: \d+ training rows, \d+ validation rows, 0 bad rows \([\d.]+ s\), alongside the first epoch/);
  for (const t of ['ctr', 'ctcvr']) assert.ok(Math.abs(r.meta.bestValidation[t].auc - before.meta.bestValidation[t].auc) < 0.05);
});

test('an interrupt while two training threads run: exit 130, nothing published, and every thread stopped', async () => {
  const cfg = join(root, 'interrupted.json');
  writeFileSync(cfg, JSON.stringify({ ...config(), training: { ...config().training, epochs: 500 } }));
  const models = join(root, 'interrupted');
  const logs = join(root, 'interrupted-logs');
  const controller = new AbortController();
  const env = { ...fakeEnv({ logFiles: true }), signal: controller.signal };
  const args = ['node', 'mmoe', 'train', '--train-data-dir', data, '--cur-date', '20260102', '--config', cfg, '--threads', '2'];
  const run = main([...args, '--model-output-dir', models, '--log-dir', logs, '--quiet', '--backend', 'cpu'], env);
  const log = () => {
    const dir = existsSync(logs) ? readdirSync(logs)[0] : undefined;
    return dir && existsSync(join(logs, dir, 'mmoe.log')) ? readFileSync(join(logs, dir, 'mmoe.log'), 'utf8') : '';
  };
  await waitFor(() => /training on the fast path \([^)]*2 threads\)/.test(log()), 'the training threads to start', 60_000);
  assert.equal(trainingThreadsRunning(), 1, 'one worker besides the main thread');
  controller.abort();
  assert.equal(await run, 130, env.err());
  assert.match(env.err(), /interrupted at epoch \d+, step \d+; nothing was published/);
  assert.deepEqual(readdirSync(models).filter((f) => f !== 'status.json'), []);
  await waitFor(() => trainingThreadsRunning() === 0, 'the training threads to exit');
});
