// The promotion gate compares on rows neither model trained on, through the CLI: after a change of
// seed, after a switch from a validation day to the hold-out, with --gate-dates on latest's days;
// and it refuses, saying why, when no such row is left. Expected row counts are computed here from
// the hold-out rule (holdout.ts) over the CSV files, not taken from the code under test.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { isHeldOut } from '../../src/data/holdout.js';
import { type Nights, nights, readMetadata } from './nightly-fixtures.js';

let n: Nights;
before(async () => {
  n = await nights('nightly-gate-rows');
});
after(() => n.cleanup());

const pass = ['--gate', 'max-auc-drop=1', '--epochs', '1'];
const status = (models: string) => JSON.parse(readFileSync(join(models, 'status.json'), 'utf8'));

/** Rows of `day` (data lines: the header is line 1) for which `keep(relPath, line)` holds. */
function count(day: string, keep: (relPath: string, line: number) => boolean): number {
  let k = 0;
  for (const f of readdirSync(join(n.data, day)).filter((x) => x.endsWith('.csv'))) {
    const rows = readFileSync(join(n.data, day, f), 'utf8').split('\n').filter(Boolean).length - 1;
    for (let line = 2; line <= rows + 1; line++) if (keep(`${day}/${f}`, line)) k++;
  }
  return k;
}
const held = (seed: number, ratio: number) => (p: string, line: number) => isHeldOut(p, line, seed, ratio);

test('without a change of rule the gate scores the whole hold-out (nothing left out, no warning)', async () => {
  const models = join(n.root, 'same', 'models');
  assert.equal((await n.night(models, '20260101', {}, '--epochs', '1')).code, 0);
  const r = await n.night(models, '20260102', {}, ...pass, '--days', '2');
  assert.equal(r.code, 0, r.err);
  const g = readMetadata(join(models, '20260102')).promotion.gate;
  assert.equal(g.rows, count('20260101', held(2022, 0.3)) + count('20260102', held(2022, 0.3)));
  assert.deepEqual(g.rule, { dates: ['20260101', '20260102'], holdout: { validRatio: 0.3, seed: 2022 }, alsoHeldOutByLatest: null, leftOut: [] });
  assert.deepEqual(status(models).lastAttempt.warnings, []);
});

test('after a change of training.seed, a day latest trained on is scored only where latest held it out too', async () => {
  const models = join(n.root, 'seed', 'models');
  assert.equal((await n.night(models, '20260101', {}, '--epochs', '1')).code, 0);
  const r = await n.night(models, '20260102', {}, ...pass, '--days', '2', '--seed', '7');
  assert.equal(r.code, 0, r.err);
  const g = readMetadata(join(models, '20260102')).promotion.gate;
  const both = (p: string, line: number) => held(7, 0.3)(p, line) && held(2022, 0.3)(p, line);
  assert.equal(g.rows, count('20260101', both) + count('20260102', held(7, 0.3)), 'the rows neither model trained on, exactly');
  assert.deepEqual(g.rule.alsoHeldOutByLatest, { dates: ['20260101'], validRatio: 0.3, seed: 2022 });
  assert.match(g.on, /the hold-out \(validRatio 0\.3, seed 7\) of 20260101, 20260102; of 20260101 only the rows latest \(20260101\) held out too \(validRatio 0\.3, seed 2022\)/);
  const warning = /the promotion gate leaves out rows latest trained on, which would favour it: of 20260101 only the rows latest \(20260101\) held out too/;
  assert.match(r.log, new RegExp(`"level":40.*${warning.source}`));
  assert.ok(status(models).lastAttempt.warnings.some((w: string) => warning.test(w)));
  assert.equal(status(models).lastAttempt.gate.rows, g.rows);
});

test('after a switch from a validation day to the hold-out, the days latest trained on in full are left out', async () => {
  const models = join(n.root, 'valid-day', 'models');
  assert.equal((await n.night(models, '20260102', {}, '--epochs', '1', '--valid-date', '20260104')).code, 0);
  const r = await n.night(models, '20260103', {}, ...pass, '--days', '2');
  assert.equal(r.code, 0, r.err);
  const g = readMetadata(join(models, '20260103')).promotion.gate;
  assert.equal(g.rows, count('20260103', held(2022, 0.3)));
  assert.deepEqual(g.rule, { dates: ['20260103'], holdout: { validRatio: 0.3, seed: 2022 }, alsoHeldOutByLatest: null, leftOut: ['20260102'] });
  assert.match(g.on, /20260102 left out: latest \(20260102\) trained on every row of it \(it validated on 20260104\)/);
});

test('--gate-dates on a day latest trained on scores only the rows latest held out, and says so', async () => {
  const models = join(n.root, 'gate-dates', 'models');
  assert.equal((await n.night(models, '20260101', {}, '--epochs', '1')).code, 0);
  const r = await n.night(models, '20260102', {}, ...pass, '--gate-dates', '20260101');
  assert.equal(r.code, 0, r.err);
  const g = readMetadata(join(models, '20260102')).promotion.gate;
  assert.equal(g.rows, count('20260101', held(2022, 0.3)));
  assert.deepEqual(g.rule, { dates: ['20260101'], holdout: null, alsoHeldOutByLatest: { dates: ['20260101'], validRatio: 0.3, seed: 2022 }, leftOut: [] });
  assert.match(r.log, /"level":40.*the promotion gate leaves out rows latest trained on, which would favour it: of 20260101 only the rows latest \(20260101\) held out too/);
});

test('a latest trained with a validation day, --gate-dates on that day: no row is left, refused with the reason', async () => {
  const models = join(n.root, 'no-rows', 'models');
  assert.equal((await n.night(models, '20260101', {}, '--epochs', '1', '--valid-date', '20260104')).code, 0);
  const r = await n.night(models, '20260102', {}, ...pass, '--gate-dates', '20260101');
  assert.equal(r.code, 4, r.err);
  assert.match(r.err, /the current model .*20260101 leaves the gate no row that neither model trained on \(20260101 left out: latest \(20260101\) trained on every row of it \(it validated on 20260104\)\), so no comparison would be fair; pass --gate-dates with days neither trained on/);
  assert.equal(readlinkSync(join(models, 'latest')), '20260101');
  const p = readMetadata(join(models, '20260102')).promotion;
  assert.equal(p.status, 'refused');
  assert.equal(p.gate.rows, 0);
  assert.deepEqual(p.gate.rule.leftOut, ['20260101']);
  assert.equal(status(models).lastAttempt.gate.rows, 0);
});
