import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { test } from 'node:test';
import { loadConfig } from '../../src/config/load.js';
import { CtrWorld } from '../../src/data/ctr-world.js';
import { newAccounting, encodeRows } from '../../src/data/encode-rows.js';
import { featureSpecFromConfig } from '../../src/data/feature-spec.js';
import { dayRng, generateCtr } from '../../src/data/generate-ctr.js';
import { rocAuc } from '../../src/metrics/auc.js';
import { tempDir } from './fixtures.js';

function filesOf(dir: string): Record<string, Buffer> {
  const out: Record<string, Buffer> = {};
  const days = readdirSync(dir).filter((n) => statSync(join(dir, n)).isDirectory());
  for (const day of days.sort()) for (const f of readdirSync(join(dir, day)).sort()) out[`${day}/${f}`] = readFileSync(join(dir, day, f));
  return out;
}

test('same seed, same bytes (plain and gzip); another seed, other data', async (t) => {
  const d = tempDir(t);
  const opts = { startDate: '20240301', days: 2, rowsPerDay: 1500, seed: 9 };
  for (const gzip of [false, true]) {
    await generateCtr({ ...opts, gzip, files: 2, out: join(d, `a${gzip}`) });
    await generateCtr({ ...opts, gzip, files: 2, out: join(d, `b${gzip}`) });
    assert.deepEqual(filesOf(join(d, `a${gzip}`)), filesOf(join(d, `b${gzip}`)));
  }
  assert.deepEqual(Object.keys(filesOf(join(d, 'atrue'))), [
    '20240301/_SUCCESS',
    '20240301/part-00000.csv.gz',
    '20240301/part-00001.csv.gz',
    '20240302/_SUCCESS',
    '20240302/part-00000.csv.gz',
    '20240302/part-00001.csv.gz',
  ]);
  await generateCtr({ ...opts, seed: 10, out: join(d, 'c') });
  assert.notDeepEqual(filesOf(join(d, 'c'))['20240301/part-00000.csv'], filesOf(join(d, 'afalse'))['20240301/part-00000.csv']);
  await assert.rejects(generateCtr({ ...opts, out: join(d, 'c') }), /already holds files; remove it or pass --force/);
});

test('conversions only after clicks; the default config reads every row', async (t) => {
  const d = tempDir(t);
  await generateCtr({ out: d, startDate: '20240101', days: 1, rowsPerDay: 3000, seed: 1 });
  const lines = readFileSync(join(d, '20240101/part-00000.csv'), 'utf8').trim().split('\n');
  const rows = lines.slice(1).map((l) => l.split(','));
  assert.equal(rows.length, 3000);
  assert.ok(rows.every((r) => r[1] === '0' || r[0] === '1'), 'conversion implies click');
  assert.ok(rows.some((r) => r[1] === '1'));
  assert.ok(rows.every((r) => +r[2]! >= 0 && +r[2]! <= 23));
  const source = { dataDir: d, dates: ['20240101'] };
  const account = newAccounting(source);
  let n = 0;
  for await (const b of encodeRows(featureSpecFromConfig(loadConfig('configs/default.json')), source, { account })) n += b.size;
  assert.equal(n, 3000);
  assert.equal(account.bad.total, 0);
});

test('the planted signal: the true probabilities rank both labels well above chance', () => {
  const world = new CtrWorld(2022);
  const rng = dayRng(2022, 0);
  const n = 20_000;
  const pClick = new Float64Array(n);
  const pConv = new Float64Array(n);
  const click = new Float64Array(n);
  const conv = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const r = world.next(rng);
    pClick[i] = r.pClick;
    pConv[i] = r.pClick * r.pConvGivenClick;
    click[i] = +r.fields[0]!;
    conv[i] = +r.fields[1]!;
  }
  assert.ok(rocAuc({ scores: pClick, labels: click }).value! > 0.68);
  assert.ok(rocAuc({ scores: pConv, labels: conv }).value! > 0.72);
});

test('data/sample is what its README command regenerates', async (t) => {
  const d = tempDir(t);
  await generateCtr({ out: d, startDate: '20240101', days: 3, rowsPerDay: 20000, seed: 2022, gzip: true });
  const shipped = filesOf('data/sample');
  assert.deepEqual(filesOf(d), shipped);
  const text = gunzipSync(shipped['20240101/part-00000.csv.gz']!).toString('utf8');
  assert.ok(text.startsWith('click,conversion,hour,adid,'));
});

test('clickShift moves the click rate ', async (t) => {
  const d = tempDir(t);
  const base = await generateCtr({ out: join(d, 'base'), startDate: '20240301', days: 1, rowsPerDay: 20000, seed: 3 });
  const rare = await generateCtr({ out: join(d, 'rare'), startDate: '20240301', days: 1, rowsPerDay: 20000, seed: 3, clickShift: -0.75 });
  const rate = (p: { clicks: number; rows: number }[]) => p[0]!.clicks / p[0]!.rows;
  assert.ok(rate(base) > 0.18 && rate(base) < 0.32, `default ${rate(base)}`);
  assert.ok(rate(rare) > 0.08 && rate(rare) < 0.17 && rate(rare) < 0.62 * rate(base), `shifted ${rate(rare)} vs ${rate(base)}`);
});
