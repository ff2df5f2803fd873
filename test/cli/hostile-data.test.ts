// Hostile data files through `mmoe train` (issue 10 item 8): a dangling part-*.csv symlink and a
// line without a line break are input errors (exit 3) naming the file, with a message that says
// what is wrong; nothing is published.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ctrDays, mmoe, TINY_CONFIG } from '../eval/fixtures.js';

const root = mkdtempSync(join(tmpdir(), 'mmoe-hostile-'));
const config = join(root, 'tiny.json');

after(() => rmSync(root, { recursive: true, force: true }));
before(() => writeFileSync(config, JSON.stringify(TINY_CONFIG)));

async function trainOn(data: string) {
  const models = join(root, `models-${data.split('/').pop()}`);
  const r = await mmoe('train', '--train-data-dir', data, '--cur-date', '20260102', '--config', config, '--model-output-dir', models, '--log-dir', join(root, 'logs'), '--quiet');
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
