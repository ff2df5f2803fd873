// Hostile data files through `mmoe train` (issue 10 item 8): a dangling part-*.csv symlink and a
// line without a line break are input errors (exit 3) naming the file, with a message that says
// what is wrong; nothing is published. A number float32 cannot hold is a bad row, never an
// infinite input that trains NaN weights.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ctrDays, mmoe, TINY_CONFIG } from '../eval/fixtures.js';

const root = mkdtempSync(join(tmpdir(), 'mmoe-hostile-'));
const config = join(root, 'tiny.json');

after(() => rmSync(root, { recursive: true, force: true }));
before(() => writeFileSync(config, JSON.stringify(TINY_CONFIG)));

async function trainOn(data: string, ...extra: string[]) {
  const models = join(root, `models-${data.split('/').pop()}`);
  const r = await mmoe('train', '--train-data-dir', data, '--cur-date', '20260102', '--config', config, '--model-output-dir', models, '--log-dir', join(root, 'logs'), '--quiet', ...extra);
  return { ...r, models };
}

test('a dangling part-*.csv symlink is exit 3 naming the link, not an unexpected ENOENT', async () => {
  const data = join(root, 'dangling');
  await ctrDays(data, 200);
  const link = join(data, '20260102', 'part-00001.csv');
  symlinkSync(join(root, 'gone.csv'), link);
  const r = await trainOn(data);
  assert.equal(r.code, 3, r.err);
  assert.ok(r.err.includes(`mmoe: ${link}: symbolic link to a file that does not exist`), r.err);
  assert.deepEqual(readdirSync(r.models).filter((f) => f !== 'status.json'), [], 'no model, no staging, no lock');
});

test('a 9 MiB line with no line break and no quote is named as such, not as an unclosed quote', async () => {
  const data = join(root, 'longline');
  await ctrDays(data, 200);
  const file = join(data, '20260102', 'part-00001.csv');
  const [header, row] = readFileSync(join(data, '20260102', 'part-00000.csv'), 'utf8').split('\n');
  writeFileSync(file, Buffer.concat([Buffer.from(`${header}\n${row}\n`), Buffer.alloc(9 << 20, 'a')]));
  const r = await trainOn(data);
  assert.equal(r.code, 3, r.err);
  assert.ok(r.err.includes(`mmoe: ${file}:3: a line runs on for more than 8 MiB without a line break (and without a quote)`), r.err);
  assert.doesNotMatch(r.err, /quote(d field)? is probably never closed/);
  assert.deepEqual(readdirSync(r.models).filter((f) => f !== 'status.json'), [], 'no model, no staging, no lock');
});

test('a numeric beyond float32 (1e39, transform "none") is a bad row named by file, line, column and value; the model trained without it loads', async () => {
  const data = join(root, 'float32');
  await ctrDays(data, 300);
  const file = join(data, '20260102', 'part-00000.csv');
  const lines = readFileSync(file, 'utf8').split('\n');
  const hour = lines[0]!.split(',').indexOf('hour');
  const row = lines[5]!.split(',');
  row[hour] = '1e39';
  lines[5] = row.join(',');
  writeFileSync(file, lines.join('\n'));
  const none = join(root, 'hour-none.json');
  writeFileSync(none, JSON.stringify({ ...TINY_CONFIG, features: { ...TINY_CONFIG.features, numeric: [{ name: 'hour', transform: 'none' }] } }));
  const strict = await trainOn(data, '--config', none, '--max-bad-rows', '0');
  assert.equal(strict.code, 3, strict.err);
  assert.ok(strict.err.includes(`First numeric_out_of_range: ${file}:6, column 'hour', value "1e39" (outside float32's range`), strict.err);
  assert.deepEqual(readdirSync(strict.models).filter((f) => f !== 'status.json'), [], 'nothing published');
  // Skipped as one bad row among 600, the rest trains a model whose weights are finite.
  const r = await trainOn(data, '--config', none, '--max-bad-rows', '0.01');
  assert.equal(r.code, 0, r.err);
  assert.equal(readlinkSync(join(r.models, 'latest')), '20260102');
  const ev = await mmoe('eval', '--model', join(r.models, 'latest'), '--data-dir', data, '--dates', '20260101', '--format', 'json');
  assert.equal(ev.code, 0, ev.err);
});
