// The nightly job through the CLI, left alone for several nights: retention keeps the disk bounded
// without ever deleting what serves or what can be rolled back to.
import assert from 'node:assert/strict';
import { existsSync, lstatSync, readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { type Nights, nights } from './nightly-fixtures.js';

let n: Nights;
before(async () => {
  n = await nights('nightly-ops');
});
after(() => n.cleanup());

const dirs = (d: string) => readdirSync(d).filter((x) => !lstatSync(join(d, x)).isSymbolicLink()).sort();

test('retention with N = 2 over five nights keeps the newest two, and latest and its predecessor though older', async () => {
  const models = join(n.root, 'retention', 'models');
  const logs = join(n.root, 'retention', 'logs');
  const keep = ['--keep-models', '2', '--keep-logs', '2'];
  for (const date of ['20260101', '20260102']) assert.equal((await n.night(models, date, {}, ...keep)).code, 0);
  // Three bad nights in a row: each is refused by the gate, so latest and previous stay on the oldest two.
  for (const date of ['20260103', '20260104', '20260105']) {
    const r = await n.night(models, date, { untrained: true }, ...keep, '--gate', 'max-auc-drop=0.005');
    assert.equal(r.code, 4, r.err);
  }
  assert.deepEqual([readlinkSync(join(models, 'latest')), readlinkSync(join(models, 'previous'))], ['20260102', '20260101']);
  assert.deepEqual(dirs(models), ['20260101', '20260102', '20260104', '20260105']);
  for (const d of dirs(models)) assert.ok(existsSync(join(models, d, 'model.json')), d);
  assert.deepEqual(dirs(logs).map((d) => d.slice(0, 8)), ['20260104', '20260105']);
});
