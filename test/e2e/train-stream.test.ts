// `training.data: "stream"`: the days are read again every epoch instead of kept in memory. The
// first read (statistics, row counts, hold-out) must match the in-memory mode exactly.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { main } from '../../src/cli/main.js';
import { generateCtr } from '../../src/data/generate-ctr.js';
import { readBatches } from '../../src/data/read-batches.js';
import { encodeRows } from '../../src/data/encode-rows.js';
import { loadEncoded } from '../../src/data/load-encoded.js';
import { featureSpecFromConfig } from '../../src/data/feature-spec.js';
import { parseConfig } from '../../src/config/load.js';
import { silentLogger } from '../../src/logger.js';
import { DataError } from '../../src/errors.js';
import { streamedRows } from '../../src/train/train-job.js';
import { fakeEnv } from '../cli/fake-env.js';
import { waitFor } from '../wait-for.js';

const root = mkdtempSync(join(tmpdir(), 'mmoe-stream-'));
const data = join(root, 'data');
const config = (mode: 'memory' | 'stream') => ({
  features: {
    categorical: ['adid', 'site_id', 'app_id', 'device_type'].map((name) => ({ name, buckets: 500, embeddingDim: 4 })),
    numeric: [{ name: 'hour', transform: 'standardize' }],
  },
  tasks: [
    { name: 'ctr', label: 'click', type: 'binary' },
    { name: 'ctcvr', label: 'conversion', type: 'binary' },
  ],
  model: { type: 'mmoe', experts: { count: 3, units: [8] }, towers: { units: [4] } },
  training: { epochs: 2, batchSize: 256, shuffleBuffer: 1000, data: mode, optimizer: { learningRate: 0.01 }, validation: { validRatio: 0.2 } },
});

after(() => rmSync(root, { recursive: true, force: true }));
before(async () => {
  await generateCtr({ out: data, startDate: '20260101', days: 2, rowsPerDay: 3000, seed: 9 });
});

async function train(mode: 'memory' | 'stream') {
  const file = join(root, `${mode}.json`);
  writeFileSync(file, JSON.stringify(config(mode)));
  const env = fakeEnv({ logFiles: true });
  const models = join(root, `models-${mode}`);
  const args = ['node', 'mmoe', 'train', '--train-data-dir', data, '--cur-date', '20260102', '--config', file, '--model-output-dir', models];
  const code = await main([...args, '--log-dir', join(root, `logs-${mode}`), '--quiet'], env);
  assert.equal(code, 0, env.err());
  const dir = join(models, '20260102');
  return { meta: JSON.parse(readFileSync(join(dir, 'metadata.json'), 'utf8')), spec: JSON.parse(readFileSync(join(dir, 'feature_spec.json'), 'utf8')) };
}

test('streamed training publishes a model with the same rows, hold-out and numeric statistics as in-memory training', async () => {
  const memory = await train('memory');
  const stream = await train('stream');
  assert.deepEqual(stream.meta.rows, memory.meta.rows);
  assert.equal(stream.meta.rows.train + stream.meta.rows.valid, 6000);
  assert.deepEqual(stream.spec, memory.spec, 'statistics computed in the same order give the same spec');
  assert.equal(stream.meta.epochs.run, 2);
  for (const t of ['ctr', 'ctcvr']) assert.ok(stream.meta.bestValidation[t].auc > 0.5, `${t} learned something: ${stream.meta.bestValidation[t].auc}`);
});

test('a streamed epoch reads exactly the training rows of the first read, none of the held-out ones', async () => {
  const cfg = parseConfig(config('stream'));
  const source = { dataDir: data, dates: ['20260101', '20260102'] };
  const loaded = await loadEncoded(featureSpecFromConfig(cfg), source, { validRatio: 0.2, seed: 11, keepTrain: true });
  const counted = await loadEncoded(featureSpecFromConfig(cfg), source, { validRatio: 0.2, seed: 11, keepTrain: false });
  assert.equal(counted.train.size, 0);
  assert.equal(counted.trainRows, loaded.train.size);
  assert.equal(counted.valid.size, loaded.valid.size);
  const key = (cat: Int32Array, num: Float32Array, labels: Float32Array, r: number, nCat: number) =>
    `${Array.from(cat.subarray(r * nCat, (r + 1) * nCat))}|${num[r]}|${labels[r * 2]},${labels[r * 2 + 1]}`;
  const nCat = cfg.features.categorical.length;
  const want = new Map<string, number>();
  for (let r = 0; r < loaded.train.size; r++) {
    const k = key(loaded.train.cat, loaded.train.num, loaded.train.labels, r, nCat);
    want.set(k, (want.get(k) ?? 0) + 1);
  }
  let seen = 0;
  for await (const b of readBatches(loaded.spec, source, { batchSize: 100, shuffleBuffer: 500, seed: 3, holdout: { validRatio: 0.2, seed: 11 }, logger: silentLogger() })) {
    for (let r = 0; r < b.size; r++) {
      const k = key(b.cat, b.num, b.labels, r, nCat);
      assert.ok((want.get(k) ?? 0) > 0, `row ${k} is not a training row`);
      want.set(k, want.get(k)! - 1);
      seen++;
    }
  }
  assert.equal(seen, loaded.train.size);
});

test('an epoch that reads another number of rows than the first read stops the run with a DataError', async () => {
  const cfg = parseConfig(config('stream'));
  const source = { dataDir: data, dates: ['20260101', '20260102'] };
  const counted = await loadEncoded(featureSpecFromConfig(cfg), source, { validRatio: 0.2, seed: 11, keepTrain: false });
  const rows = streamedRows(counted.spec, source, counted.trainRows + 1, { validRatio: 0.2, seed: 11 }, 100);
  await assert.rejects(async () => {
    for await (const _ of rows.batches(256, 1));
  }, (e: Error) => e instanceof DataError && /changed during the run: an epoch read \d+ training rows, the first read \d+/.test(e.message));
});

test('a read stopped early closes its file (Ctrl-C or an error during a streamed epoch)', { skip: !existsSync('/proc/self/fd') && 'needs /proc (Linux)' }, async () => {
  const c = config('stream');
  const spec = featureSpecFromConfig(parseConfig({ ...c, features: { ...c.features, numeric: [] } }));
  const openFiles = () => readdirSync('/proc/self/fd').length;
  const before = openFiles();
  for await (const b of encodeRows(spec, { dataDir: data, dates: ['20260101'] }, { logger: silentLogger() })) {
    assert.ok(b.size > 0);
    break;
  }
  // A destroyed stream closes its fd asynchronously: wait for it (a file left open never is).
  await waitFor(() => openFiles() === before, 'the file the read opened to be closed');
});
