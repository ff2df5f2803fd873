import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { LockedError } from '../../src/errors.js';
import { acquireLock, discardStaging, latestName, publish, stagingDir, sweepStale } from '../../src/train/publish.js';

const parent = mkdtempSync(join(tmpdir(), 'mmoe-publish-'));
after(() => rmSync(parent, { recursive: true, force: true }));

const root = () => mkdtempSync(join(parent, 'r-'));

test('publish renames a staging dir into place and points latest at it', () => {
  const r = root();
  const s = stagingDir(r, '20260101');
  writeFileSync(join(s, 'a.txt'), 'one');
  publish(s, r, '20260101');
  assert.equal(readFileSync(join(r, 'latest', 'a.txt'), 'utf8'), 'one');
  assert.equal(latestName(r), '20260101');
  const s2 = stagingDir(r, '20260102');
  writeFileSync(join(s2, 'a.txt'), 'two');
  publish(s2, r, '20260102');
  assert.equal(latestName(r), '20260102');
  assert.equal(readFileSync(join(r, '20260101', 'a.txt'), 'utf8'), 'one');
  assert.deepEqual(readdirSync(r).filter((f) => f.startsWith('.')), []);
});

test('republishing a date replaces it; a discarded staging dir leaves the old model intact', () => {
  const r = root();
  const s = stagingDir(r, 'd');
  writeFileSync(join(s, 'a.txt'), 'old');
  publish(s, r, 'd');
  const failed = stagingDir(r, 'd');
  writeFileSync(join(failed, 'a.txt'), 'half');
  discardStaging(failed);
  assert.equal(readFileSync(join(r, 'd', 'a.txt'), 'utf8'), 'old');
  const s2 = stagingDir(r, 'd');
  writeFileSync(join(s2, 'a.txt'), 'new');
  publish(s2, r, 'd');
  assert.equal(readFileSync(join(r, 'latest', 'a.txt'), 'utf8'), 'new');
  assert.equal(readdirSync(r).filter((f) => f.startsWith('.tmp') || f.startsWith('.old')).length, 0);
});

test('a held lock refuses a second run with LockedError; a stale lock is taken over', () => {
  const r = root();
  const lock = acquireLock(r);
  assert.throws(() => acquireLock(r), (e: Error) => e instanceof LockedError && /holds the lock/.test(e.message));
  lock.release();
  assert.ok(!existsSync(lock.path));
  writeFileSync(join(r, '.lock'), JSON.stringify({ pid: 2 ** 22 + 12345, since: 'then' }));
  const again = acquireLock(r);
  again.release();
});

test('leftovers of a dead run are swept; the staging dir of a live run is kept', () => {
  const r = root();
  const dead = 2 ** 22 + 4321;
  for (const n of [`.tmp-20260101-${dead}-0a1b2c3d`, `.old-20260101-${dead}-0a1b2c3d`, `.latest-${dead}-0a1b2c3d`]) mkdirSync(join(r, n));
  const live = stagingDir(r, '20260102');
  writeFileSync(join(r, 'notes.txt'), 'kept');
  assert.deepEqual(sweepStale(r).sort(), [`.latest-${dead}-0a1b2c3d`, `.old-20260101-${dead}-0a1b2c3d`, `.tmp-20260101-${dead}-0a1b2c3d`]);
  assert.ok(existsSync(live));
  assert.deepEqual(readdirSync(r).sort(), [live.split('/').pop()!, 'notes.txt'].sort());
});
