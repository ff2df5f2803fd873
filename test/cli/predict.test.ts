// `mmoe predict` end to end with untrained models (scoring needs no training): bad rows reported
// with file and line and not written, --keep with CSV quoting, no labels needed, the all-or-nothing
// output file, and regression scores on the original label scale.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { after, before, test } from 'node:test';
import { parse } from 'csv-parse/sync';
import { CTR_COLUMNS } from '../../src/data/ctr-world.js';
import { generateCtr } from '../../src/data/generate-ctr.js';
import { mmoe, saveUntrained, TINY_CONFIG } from '../eval/fixtures.js';

const root = mkdtempSync(join(tmpdir(), 'mmoe-predict-'));
const data = join(root, 'data');
const model = join(root, 'model');
let day: string[] = [];

after(() => rmSync(root, { recursive: true, force: true }));

before(async () => {
  await generateCtr({ out: data, startDate: '20260101', days: 1, rowsPerDay: 200, seed: 3 });
  await saveUntrained(model, TINY_CONFIG);
  day = readFileSync(join(data, '20260101', 'part-00000.csv'), 'utf8').trim().split('\n');
});

function readCsv(file: string): string[][] {
  return parse(readFileSync(file, 'utf8')) as string[][];
}

test('a bad row is reported with file and line, not written; every other row is, in input order', async () => {
  const dir = join(root, 'bad');
  mkdirSync(join(dir, '20260102'), { recursive: true });
  const bad = day[5]!.split(',');
  bad[2] = 'x'; // hour
  bad[3] = 'BADROW'; // adid
  const lines = [...day.slice(0, 5), bad.join(','), ...day.slice(6)];
  const file = join(dir, '20260102', 'part-00000.csv');
  writeFileSync(file, `${lines.join('\n')}\n`);
  const out = join(root, 'bad-scores.csv');
  const r = await mmoe('predict', '--model', model, '--data-dir', dir, '--dates', '20260102', '--output', out, '--keep', 'adid', '--max-bad-rows', '0.05');
  assert.equal(r.code, 0, r.err);
  assert.match(r.err, /wrote 199 of 200 rows to .*bad-scores\.csv; 1 bad row\(s\) skipped/);
  assert.match(r.err, /numeric_unparsable \(numeric value does not parse.*\): 1/);
  assert.ok(r.err.includes(`${file}:6, column 'hour', value "x"`), r.err);
  const rows = readCsv(out);
  assert.deepEqual(rows[0], ['adid', 'ctr', 'ctcvr']);
  assert.equal(rows.length, 1 + 199);
  assert.ok(!rows.some((row) => row[0] === 'BADROW'));
  const ids = lines.slice(1).map((l) => l.split(',')[3]).filter((id) => id !== 'BADROW');
  assert.deepEqual(rows.slice(1).map((row) => row[0]), ids, 'input order');
  for (const row of rows.slice(1)) for (const s of row.slice(1)) assert.ok(Number(s) > 0 && Number(s) < 1, s);
});

test('--input a gzip file without label columns; --keep copies raw values with correct CSV quoting', async () => {
  const cols = CTR_COLUMNS.filter((c) => c !== 'click' && c !== 'conversion');
  const body = day.slice(1, 4).map((l) => l.split(',').slice(2));
  body[1]![3] = '"a,b ""quoted"" c"'; // site_domain with a comma and quotes, quoted in the input
  const file = join(root, 'input.csv.gz');
  writeFileSync(file, gzipSync(`${cols.join(',')}\n${body.map((r) => r.join(',')).join('\n')}\n`));
  const out = join(root, 'nested', 'keep.csv');
  const r = await mmoe('predict', '--model', model, '--input', file, '--output', out, '--keep', 'site_domain,adid');
  assert.equal(r.code, 0, r.err);
  assert.match(r.err, /wrote 3 of 3 rows/);
  const text = readFileSync(out, 'utf8');
  assert.ok(text.includes('"a,b ""quoted"" c"'), text);
  const rows = readCsv(out);
  assert.deepEqual(rows[0], ['site_domain', 'adid', 'ctr', 'ctcvr']);
  assert.deepEqual(rows[2]!.slice(0, 2), ['a,b "quoted" c', body[1]![1]]);
});

test('too many bad rows exit 3 and leave no output file, partial or temporary', async () => {
  const dir = join(root, 'too-bad');
  mkdirSync(join(dir, '20260103'), { recursive: true });
  writeFileSync(join(dir, '20260103', 'part-00000.csv'), `${day.slice(0, 50).join('\n')}\n1,0,notanumber${day[60]!.slice(day[60]!.indexOf(',', 4))}\n`);
  const outDir = join(root, 'too-bad-out');
  const out = join(outDir, 'scores.csv');
  const r = await mmoe('predict', '--model', model, '--data-dir', dir, '--dates', '20260103', '--output', out);
  assert.equal(r.code, 3, r.err);
  assert.match(r.err, /too many bad rows: 1 of 50 rows read/);
  assert.ok(!existsSync(out));
  assert.deepEqual(readdirSync(outDir), []);
});

test('regression scores are written on the original label scale', async () => {
  const regModel = join(root, 'reg-model');
  const features = { ...TINY_CONFIG.features, numeric: [] }; // hour becomes a label
  await saveUntrained(regModel, { ...TINY_CONFIG, features, tasks: [...TINY_CONFIG.tasks, { name: 'hours', label: 'hour', type: 'regression', labelTransform: 'log1p' }] }, 3, {
    'hours_logit/bias': 2.5, // transformed outputs near 2.5: original ones near expm1(2.5) = 11.2
  });
  const out = join(root, 'reg.csv');
  const p = await mmoe('predict', '--model', regModel, '--data-dir', data, '--dates', '20260101', '--output', out);
  assert.equal(p.code, 0, p.err);
  const rows = readCsv(out);
  assert.deepEqual(rows[0], ['ctr', 'ctcvr', 'hours']);
  const hours = rows.slice(1).map((r) => Number(r[2]));
  const e = await mmoe('eval', '--model', regModel, '--data-dir', data, '--dates', '20260101', '--format', 'json');
  assert.equal(e.code, 0, e.err);
  const reg = JSON.parse(e.out).tasks[2].regression;
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  assert.ok(Math.abs(reg.original.meanPrediction - mean(hours)) < 1e-5, `${reg.original.meanPrediction} vs ${mean(hours)}`);
  assert.ok(Math.abs(reg.transformed.meanPrediction - mean(hours.map(Math.log1p))) < 1e-5);
  assert.ok(mean(hours) > 8 && mean(hours) < 15, `original scale: ${mean(hours)}`);
  assert.ok(Math.abs(reg.transformed.meanPrediction - 2.5) < 0.3, `transformed scale: ${reg.transformed.meanPrediction}`);
});

test('usage errors exit 2: --input with --data-dir, neither, a --keep column named like a task', async () => {
  const base = ['predict', '--model', model, '--output', join(root, 'x.csv')];
  assert.equal((await mmoe(...base, '--input', 'a.csv', '--data-dir', data)).code, 2);
  assert.equal((await mmoe(...base)).code, 2);
  const clash = await mmoe(...base, '--data-dir', data, '--dates', '20260101', '--keep', 'ctr');
  assert.equal(clash.code, 2);
  assert.match(clash.err, /--keep column 'ctr' has the name of a task's score column/);
  const missing = await mmoe(...base, '--data-dir', data, '--dates', '20260101', '--keep', 'user_id');
  assert.equal(missing.code, 3);
  assert.match(missing.err, /part-00000\.csv:1, column 'user_id': --keep column 'user_id' not in the header/);
});
