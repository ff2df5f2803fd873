import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { test, type TestContext } from 'node:test';
import { main } from '../../src/cli/main.js';
import { goodRows, HEADER, smallConfig, tempDir, writePartition } from '../data/fixtures.js';
import { fakeEnv } from './fake-env.js';

/** A data dir with one good day (20240101) and a config for it. */
function setup(t: TestContext): { d: string; config: string } {
  const d = tempDir(t);
  writePartition(d, '20240101', { 'a.csv': `${HEADER}\n${goodRows(200)}` });
  const config = join(d, 'config.json');
  writeFileSync(config, JSON.stringify(smallConfig()));
  return { d, config };
}

async function stats(d: string, config: string, ...extra: string[]) {
  const env = fakeEnv();
  const code = await main(['node', 'mmoe', 'data', 'stats', '--train-data-dir', d, '--config', config, ...extra], env);
  return { code, out: env.out(), err: env.err() };
}

test('data stats: JSON on a good day; a table by default', async (t) => {
  const { d, config } = setup(t);
  const json = await stats(d, config, '--cur-date', '20240101', '--days', '1', '--format', 'json');
  assert.equal(json.code, 0, json.err);
  const s = JSON.parse(json.out);
  assert.equal(s.rows.used, 200);
  assert.deepEqual(s.relatedness.pairs.map((p: { a: string; b: string }) => [p.a, p.b]), [['ctr', 'watch']]);
  const table = await stats(d, config, '--cur-date', '20240101', '--days', '1');
  assert.equal(table.code, 0);
  assert.match(table.out, /Rows per day/);
});

test('data stats on the shipped sample with the shipped config', async () => {
  const r = await stats('data/sample', 'configs/default.json', '--cur-date', '20240103', '--days', '3', '--format', 'json');
  assert.equal(r.code, 0, r.err);
  const s = JSON.parse(r.out);
  assert.equal(s.rows.used, 60000);
  assert.equal(s.categorical.length, 11);
  assert.ok(s.relatedness.pairs[0].pearson > 0.2, 'conversions follow clicks');
});

const badInputs: { name: string; files: Record<string, string | Buffer>; flags?: string[]; expect: RegExp; success?: boolean }[] = [
  { name: 'missing label column', files: { 'a.csv': `click,ad,site,price\n1,a,s,1\n` }, expect: /a\.csv:1, column 'watch': missing column 'watch' \(label of task watch\)/ },
  { name: 'missing feature column', files: { 'a.csv': `click,watch,site,price\n1,1,s,1\n` }, expect: /a\.csv:1, column 'ad': missing column 'ad'/ },
  { name: 'label not 0/1', files: { 'a.csv': `${HEADER}\n${goodRows(5)}3,1,a,s,1\n` }, flags: ['--max-bad-rows', '0'], expect: /label_not_binary: 1.*a\.csv:7, column 'click', value "3"/ },
  { name: 'unparsable numeric', files: { 'a.csv': `${HEADER}\n1,1,a,s,1.2.3\n` }, flags: ['--max-bad-rows', '0'], expect: /numeric_unparsable: 1.*a\.csv:2, column 'price', value "1\.2\.3"/ },
  { name: 'wrong field count', files: { 'a.csv': `${HEADER}\n${goodRows(3)}1,1,a\n` }, flags: ['--max-bad-rows', '0'], expect: /field_count: 1.*a\.csv:5 \(expected 5 fields as in the header, got 3\)/ },
  {
    name: 'truncated gzip',
    files: { 'a.csv.gz': gzipSync(`${HEADER}\n${goodRows(3000)}`).subarray(0, 2000) },
    expect: /a\.csv\.gz:\d+: gzip stream is truncated/,
  },
  {
    name: 'invalid UTF-8',
    files: { 'a.csv': Buffer.concat([Buffer.from(`${HEADER}\n${goodRows(2)}1,1,`), Buffer.from([0xff]), Buffer.from(',s,1\n')]) },
    expect: /a\.csv:4: invalid UTF-8/,
  },
  {
    name: 'too many bad rows',
    files: { 'a.csv': `${HEADER}\n${goodRows(100)}1,x,a,s,1\n1,1,a,s,\n` },
    flags: ['--max-bad-rows', '0.01', '--days', '1'],
    expect: /too many bad rows: 2 of 102 rows read \(1\.961%\) exceed --max-bad-rows 0\.01 \(label_not_number: 1, numeric_unparsable: 1\)\. First label_not_number: .*a\.csv:102, column 'watch', value "x"/,
  },
  { name: 'missing _SUCCESS with --require-success', files: { 'a.csv': `${HEADER}\n${goodRows(3)}` }, success: false, flags: ['--require-success'], expect: /20240102: partition has no _SUCCESS marker/ },
];

for (const c of badInputs) {
  test(`data stats exits 3 on bad input: ${c.name}`, async (t) => {
    const { d, config } = setup(t);
    writePartition(d, '20240102', c.files, c.success ?? true);
    const r = await stats(d, config, '--cur-date', '20240102', ...(c.flags ?? []));
    assert.equal(r.code, 3, r.err);
    assert.match(r.err, /^mmoe: /);
    assert.match(r.err.replace(/\n/g, ' '), c.expect);
    assert.doesNotMatch(r.err, /\n\s+at /, 'no stack trace');
  });
}

test('data stats exits 3 on a missing partition and 2 on bad flags', async (t) => {
  const { d, config } = setup(t);
  const missing = await stats(d, config, '--cur-date', '20240102');
  assert.equal(missing.code, 3);
  assert.match(missing.err, new RegExp(`missing partition for 20240102: neither ${join(d, '20240102')}/ nor ${join(d, 'dt=20240102')}/ exists`));
  assert.equal((await stats(d, config, '--cur-date', '2024-01-02')).code, 2);
  assert.equal((await stats(d, config, '--cur-date', '20240101', '--format', 'xml')).code, 2);
  assert.equal((await stats(d, config, '--cur-date', '20240101', '--max-bad-rows', '2')).code, 2);
});
