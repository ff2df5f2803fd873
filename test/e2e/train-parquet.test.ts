// Parquet and CSV exports of the same table are the same data to mmoe: the same encoded rows (the
// Parquet path encodes DuckDB's typed columns, the CSV path text), hence the same trained model,
// metrics and scores. (The hold-out and negative sampling hash each row's file name and line, which
// differ between the two exports: those split alike, not identically; so these runs validate on a
// day.)
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { parseConfig } from '../../src/config/load.js';
import { featureSpecFromConfig } from '../../src/data/feature-spec.js';
import { generateCtr } from '../../src/data/generate-ctr.js';
import { loadEncoded } from '../../src/data/load-encoded.js';
import { writeParquet } from '../data/parquet-fixtures.js';
import { mmoe, TINY_CONFIG } from '../eval/fixtures.js';

const root = mkdtempSync(join(tmpdir(), 'mmoe-parquet-e2e-'));
const csvDir = join(root, 'csv');
const pqDir = join(root, 'pq');
const DAYS = ['20260101', '20260102', '20260103'];
// How a warehouse would type the generated columns: integers for labels, hour and small codes.
const INTS = { click: 'INTEGER', conversion: 'INTEGER', hour: 'BIGINT', device_type: 'INTEGER', device_conn_type: 'INTEGER' };
const CONFIG = {
  ...TINY_CONFIG,
  features: { ...TINY_CONFIG.features, categorical: [...TINY_CONFIG.features.categorical, { name: 'device_conn_type', buckets: 20, embeddingDim: 4 }, { name: 'hour_bucket', column: 'hour', boundaries: [6, 12, 18], embeddingDim: 2 }] },
};

after(() => rmSync(root, { recursive: true, force: true }));
before(async () => {
  await generateCtr({ out: csvDir, startDate: DAYS[0]!, days: 3, rowsPerDay: 3000, seed: 8, files: 2 });
  for (const day of DAYS) {
    mkdirSync(join(pqDir, day), { recursive: true });
    for (const f of readdirSync(join(csvDir, day)).filter((n) => n.endsWith('.csv')))
      await writeParquet(join(pqDir, day, f.replace('.csv', '.parquet')), readFileSync(join(csvDir, day, f), 'utf8'), INTS, 1024);
    writeFileSync(join(pqDir, day, '_SUCCESS'), '');
  }
});

async function train(dataDir: string, name: string, cfg: Record<string, unknown>) {
  const config = join(root, `${name}.json`);
  writeFileSync(config, JSON.stringify(cfg));
  const models = join(root, `models-${name}`);
  const r = await mmoe('train', '--train-data-dir', dataDir, '--cur-date', DAYS[1]!, '--config', config, '--model-output-dir', models, '--log-dir', join(root, `logs-${name}`), '--quiet', '--backend', 'cpu');
  assert.equal(r.code, 0, r.err);
  const dir = join(models, DAYS[1]!);
  const weights = readdirSync(dir)
    .filter((f) => f.endsWith('.bin'))
    .sort()
    .map((f) => readFileSync(join(dir, f)));
  return { dir, meta: JSON.parse(readFileSync(join(dir, 'metadata.json'), 'utf8')), weights };
}

test('a Parquet export encodes to the rows of the CSV export of the same table', async () => {
  const spec = featureSpecFromConfig(parseConfig(CONFIG));
  const read = (dataDir: string) => loadEncoded(spec, { dataDir, dates: DAYS });
  const [a, b] = [await read(csvDir), await read(pqDir)];
  const [x, y] = [a.train, b.train];
  assert.equal(x.size, 9000);
  assert.equal(y.size, x.size);
  assert.deepEqual(y.cat.subarray(0, y.size * spec.categorical.length), x.cat.subarray(0, x.size * spec.categorical.length), 'bucket ids');
  assert.deepEqual(y.num.subarray(0, y.size * spec.numeric.length), x.num.subarray(0, x.size * spec.numeric.length), 'numerics');
  assert.deepEqual(y.labels.subarray(0, y.size * spec.tasks.length), x.labels.subarray(0, x.size * spec.tasks.length), 'labels');
  assert.deepEqual(b.spec, a.spec, 'the same statistics');
});

test('training from the Parquet export gives the model, validation and test metrics of training from the CSV export', async () => {
  const training = { ...CONFIG.training, validation: { date: DAYS[2] } };
  const standardized = { ...CONFIG.features, numeric: [{ name: 'hour', transform: 'standardize' }] };
  for (const [name, cfg] of [
    ['minmax', { ...CONFIG, training }],
    ['standardize', { ...CONFIG, features: standardized, training }], // statistics computed from the data
  ] as const) {
    const a = await train(csvDir, `csv-${name}`, cfg);
    const b = await train(pqDir, `pq-${name}`, cfg);
    assert.deepEqual(b.meta.rows, a.meta.rows, name);
    assert.deepEqual(b.meta.bestValidation, a.meta.bestValidation, name);
    assert.ok(a.weights.length > 0 && b.weights.length === a.weights.length && b.weights.every((w, i) => w.equals(a.weights[i]!)), `${name}: the same weights`);
    const evalArgs = ['--model', a.dir, '--dates', DAYS[2]!, '--format', 'json', '--backend', 'cpu'];
    const ea = await mmoe('eval', '--data-dir', csvDir, ...evalArgs);
    const eb = await mmoe('eval', '--data-dir', pqDir, ...evalArgs);
    assert.equal(eb.code, 0, eb.err);
    const tasks = (out: string) => JSON.parse(out).tasks;
    assert.deepEqual(tasks(eb.out), tasks(ea.out), `${name}: test-day metrics`);
  }
});
