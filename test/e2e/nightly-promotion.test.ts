// What a night may promote, through the CLI: a rerun or backfill of a day older than latest's keeps
// its model without moving latest back (exit 0, status and log say why and how to promote it); a
// latest whose model is gone is no baseline, and the night's model repairs serving.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { mmoe } from '../eval/fixtures.js';
import { type Nights, nights, readMetadata } from './nightly-fixtures.js';

let n: Nights;
before(async () => {
  n = await nights('nightly-promotion');
});
after(() => n.cleanup());

const links = (models: string) => [readlinkSync(join(models, 'latest')), readlinkSync(join(models, 'previous'))];
const status = (models: string) => JSON.parse(readFileSync(join(models, 'status.json'), 'utf8'));

test('a rerun or backfill of a day older than latest keeps its model, exits 0 and never moves latest back', async () => {
  const models = join(n.root, 'backfill', 'models');
  for (const date of ['20260102', '20260103']) assert.equal((await n.night(models, date, {}, '--epochs', '1')).code, 0);
  assert.deepEqual(links(models), ['20260103', '20260102']);
  const success = status(models).lastSuccess;

  // The rerun of 20260102 (as after an exit 3): 20260102 is what previous points at, so the new
  // model goes next to it, not over it.
  const rerun = await n.night(models, '20260102', {}, '--epochs', '1', '--keep-models', '1');
  assert.equal(rerun.code, 0, rerun.err);
  assert.deepEqual(links(models), ['20260103', '20260102'], 'latest and previous did not move');
  const kept = join(models, '20260102-not-promoted');
  assert.ok(existsSync(join(kept, 'model.json')), readdirSync(models).join(', '));
  const m = readMetadata(kept);
  assert.equal(m.promotion.status, 'not-promoted');
  assert.match(m.promotion.reason, /not promoted: latest \(20260103\) is newer than 20260102/);
  assert.match(rerun.log, /"level":40.*not promoted: latest \(20260103\) is newer .*mmoe promote .*20260102-not-promoted/);
  const s = status(models);
  assert.equal(s.lastAttempt.exitCode, 0);
  assert.equal(s.lastAttempt.outcome, 'not-promoted');
  assert.match(s.lastAttempt.reason, /not promoted: latest \(20260103\) is newer than 20260102/);
  assert.equal(s.lastAttempt.modelDir, kept);
  assert.ok(s.lastAttempt.warnings.some((w: string) => /mmoe promote .*20260102-not-promoted/.test(w)), JSON.stringify(s.lastAttempt.warnings));
  assert.deepEqual(s.lastSuccess, success, 'a model that does not serve is no fresh success');
  assert.deepEqual(readdirSync(models).filter((d) => /^\d/.test(d)).sort(), ['20260102', '20260102-not-promoted', '20260103'], 'retention keeps latest, previous and the run\'s own model');

  // A backfill with the gate: not even judged against the newer latest.
  const backfill = await n.night(models, '20260101', {}, '--epochs', '1', '--gate', 'max-auc-drop=0.005');
  assert.equal(backfill.code, 0, backfill.err);
  assert.deepEqual(links(models), ['20260103', '20260102']);
  assert.equal(readMetadata(join(models, '20260101')).promotion.status, 'not-promoted');
  assert.equal(status(models).lastAttempt.gate, null);

  // The next night goes on from latest as usual; retention then drops the old, unpromoted models.
  const next = await n.night(models, '20260104', {}, '--epochs', '1', '--keep-models', '1');
  assert.equal(next.code, 0, next.err);
  assert.deepEqual(links(models), ['20260104', '20260103']);
  assert.deepEqual(readdirSync(models).filter((d) => /^\d/.test(d)).sort(), ['20260103', '20260104']);

  // Promoting a kept model deliberately works as for any other.
  const again = await n.night(models, '20260102', {}, '--epochs', '1');
  assert.equal(again.code, 0, again.err);
  const p = await mmoe('promote', join(models, '20260102'), '--config', n.config);
  assert.equal(p.code, 0, p.err);
  assert.deepEqual(links(models), ['20260102', '20260104']);
});

test('a dangling latest (its model deleted) is no baseline: the night promotes its model, repairs serving and warns', async () => {
  const models = join(n.root, 'dangling', 'models');
  for (const date of ['20260101', '20260102']) assert.equal((await n.night(models, date, {}, '--epochs', '1')).code, 0);
  rmSync(join(models, '20260102'), { recursive: true });
  const r = await n.night(models, '20260103', {}, '--epochs', '1', '--gate', 'max-auc-drop=0.005');
  assert.equal(r.code, 0, r.err);
  assert.deepEqual(links(models), ['20260103', '20260101'], 'previous is the model that still exists');
  const warning = /latest pointed at 20260102, which no longer exists .*: no model to compare with/;
  assert.match(r.log, new RegExp(`"level":40.*${warning.source}`));
  const s = status(models);
  assert.equal(s.lastAttempt.outcome, 'promoted');
  assert.ok(s.lastAttempt.warnings.some((w: string) => warning.test(w)), JSON.stringify(s.lastAttempt.warnings));
  assert.equal(readMetadata(join(models, '20260103')).promotion.against, null);
  const e = await mmoe('eval', '--model', join(models, 'latest'), '--data-dir', n.data, '--dates', '20260104', '--format', 'json');
  assert.equal(e.code, 0, e.err);
});
