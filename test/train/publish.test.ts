import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { latestName, readLink } from '../../src/model-root/links.js';
import { checkModelRoot, discardStaging, publish, stagingDir, sweepStale } from '../../src/train/publish.js';
import { nodeForOtherUser, NOBODY } from '../other-user.js';

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
  assert.equal(readLink(r, 'previous'), '20260101', 'previous: what latest pointed at before');
  // Republishing the date latest points at keeps previous; a model placed without promotion moves neither.
  publish(stagingDir(r, '20260102'), r, '20260102');
  assert.equal(readLink(r, 'previous'), '20260101');
  publish(stagingDir(r, '20260103'), r, '20260103', false);
  assert.equal(latestName(r), '20260102');
  assert.ok(existsSync(join(r, '20260103')));
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

test('leftovers of a dead run are swept; the staging dir of a live run is kept', () => {
  const r = root();
  const dead = 2 ** 22 + 4321;
  for (const n of [`.tmp-20260101-${dead}-0a1b2c3d`, `.old-20260101-${dead}-0a1b2c3d`, `.latest-${dead}-0a1b2c3d`]) mkdirSync(join(r, n));
  const live = stagingDir(r, '20260102');
  writeFileSync(join(r, 'notes.txt'), 'kept');
  // No model 20260101 exists, so the set-aside copy is restored rather than deleted.
  assert.deepEqual(sweepStale(r).sort(), [`removed .latest-${dead}-0a1b2c3d`, `removed .tmp-20260101-${dead}-0a1b2c3d`, `restored 20260101 from .old-20260101-${dead}-0a1b2c3d`]);
  assert.ok(existsSync(live));
  assert.deepEqual(readdirSync(r).sort(), ['20260101', live.split('/').pop()!, 'notes.txt'].sort());
});

test('under the lock every leftover is stale whatever its PID says (a container run is always PID 1); what cannot be removed is reported, not thrown', (t) => {
  const r = root();
  // A PID that is alive here (the test runner's parent), as a killed run's PID is in the next container.
  const reused = process.ppid;
  for (const n of [`.tmp-20260101-${reused}-0a1b2c3d`, `.latest-${reused}-0a1b2c3d`, `.del-20251230-${reused}-0a1b2c3d`]) mkdirSync(join(r, n));
  const done = sweepStale(r).sort();
  assert.deepEqual(done, [`removed .del-20251230-${reused}-0a1b2c3d`, `removed .latest-${reused}-0a1b2c3d`, `removed .tmp-20260101-${reused}-0a1b2c3d`]);
  assert.deepEqual(readdirSync(r), []);
});

test('a leftover the sweep cannot remove is reported, not thrown (a real process without the permission)', async (t) => {
  const r = root();
  const stuck = `.del-20251231-${process.ppid}-0a1b2c3d`;
  mkdirSync(join(r, stuck, 'locked'), { recursive: true });
  writeFileSync(join(r, stuck, 'locked', 'weights.bin'), 'x');
  mkdirSync(join(r, `.tmp-20260101-${process.ppid}-0a1b2c3d`));
  chmodSync(join(r, stuck, 'locked'), 0o555); // its file cannot be unlinked by the sweeping user
  t.after(() => chmodSync(join(r, stuck, 'locked'), 0o755));
  // Root may unlink anything: as root, the sweep runs in a process of another user (nobody).
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    chmodSync(parent, 0o755); // mkdtemp's 0700 under the (world-searchable) temporary directory
    chmodSync(r, 0o777);
  }
  const module = new URL('../../src/train/publish.js', import.meta.url).href;
  const script = `import { sweepStale } from ${JSON.stringify(module)}; console.log(JSON.stringify(sweepStale(${JSON.stringify(r)})));`;
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.NODE_TEST_CONTEXT;
  const child = spawn(asRoot ? nodeForOtherUser() : process.execPath, ['--input-type=module', '-e', script], { env, stdio: ['ignore', 'pipe', 'pipe'], ...(asRoot ? NOBODY : {}) });
  let out = '';
  let err = '';
  child.stdout.on('data', (b) => (out += b));
  child.stderr.on('data', (b) => (err += b));
  const [code] = await once(child, 'exit');
  assert.equal(code, 0, err);
  const done = (JSON.parse(out) as string[]).sort();
  assert.equal(done.length, 2, out);
  assert.match(done[0]!, new RegExp(`^could not remove \\.del-20251231-${process.ppid}-0a1b2c3d: EACCES`));
  assert.equal(done[1], `removed .tmp-20260101-${process.ppid}-0a1b2c3d`);
  assert.ok(existsSync(join(r, stuck, 'locked', 'weights.bin')));
});

test('a model set aside by a run killed mid-publish is put back, not deleted', () => {
  const r = root();
  const dead = 2 ** 22 + 4322;
  mkdirSync(join(r, `.old-20260101-${dead}-0a1b2c3d`));
  writeFileSync(join(r, `.old-20260101-${dead}-0a1b2c3d`, 'model.json'), 'only copy');
  mkdirSync(join(r, '20260102'));
  mkdirSync(join(r, `.old-20260102-${dead}-0a1b2c3d`));
  assert.deepEqual(sweepStale(r).sort(), [`removed .old-20260102-${dead}-0a1b2c3d`, `restored 20260101 from .old-20260101-${dead}-0a1b2c3d`]);
  assert.equal(readFileSync(join(r, '20260101', 'model.json'), 'utf8'), 'only copy');
});

test('a real directory at latest is refused before any work; the previous model is never lost', () => {
  const r = root();
  mkdirSync(join(r, 'latest'));
  assert.throws(() => checkModelRoot(r), /latest exists and is not a symlink/);
  const file = join(r, 'file');
  writeFileSync(file, '');
  assert.throws(() => checkModelRoot(file), /--model-output-dir .*file: cannot be used as a directory/);
  // Even if latest cannot be repointed during publish, the old model is back in place and the new one unpublished.
  const r2 = root();
  const s = stagingDir(r2, 'd');
  writeFileSync(join(s, 'a.txt'), 'old');
  publish(s, r2, 'd');
  rmSync(join(r2, 'latest'));
  mkdirSync(join(r2, 'latest'));
  writeFileSync(join(r2, 'latest', 'x'), 'blocks the rename');
  const s2 = stagingDir(r2, 'd');
  writeFileSync(join(s2, 'a.txt'), 'new');
  assert.throws(() => publish(s2, r2, 'd'));
  assert.equal(readLink(r2, 'previous'), undefined, 'a failed repoint leaves previous as it was');
  assert.equal(readFileSync(join(r2, 'd', 'a.txt'), 'utf8'), 'old');
  assert.equal(readFileSync(join(s2, 'a.txt'), 'utf8'), 'new');
});
