import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, test } from 'node:test';
import { LockedError } from '../../src/errors.js';
import { acquireLock, acquireLockWithin, type Lock } from '../../src/model-root/lock.js';

const parent = mkdtempSync(join(tmpdir(), 'mmoe-lock-'));
after(() => rmSync(parent, { recursive: true, force: true }));
const root = () => mkdtempSync(join(parent, 'r-'));
const lockModule = fileURLToPath(new URL('../../src/model-root/lock.js', import.meta.url));

/** Tries to take the lock; the lock, or null when another run holds it. */
function tryLock(r: string, hooks = {}): Lock | null {
  try {
    return acquireLock(r, 'test', hooks);
  } catch (err) {
    if (err instanceof LockedError) return null;
    throw err;
  }
}

/** A hook that acts the first time only (a racer's retry must not race again). */
function once(fn: () => void): () => void {
  let done = false;
  return () => {
    if (!done) {
      done = true;
      fn();
    }
  };
}

/** A separate process that takes the lock and keeps it until killed. */
async function holderProcess(r: string): Promise<ChildProcess> {
  const code = `import { acquireLock } from ${JSON.stringify(lockModule)}; acquireLock(${JSON.stringify(r)}, 'mmoe train 20260101'); process.stdout.write('held\\n'); setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d) => String(d).includes('held') && resolve());
    child.on('exit', (c) => reject(new Error(`the holder exited with ${c}`)));
  });
  return child;
}

test('a held lock refuses a second run, naming the holder; released, it leaves no file behind', () => {
  const r = root();
  const lock = acquireLock(r, 'mmoe train 20260102');
  assert.throws(
    () => acquireLock(r, 'mmoe rollback'),
    (e: Error) => e instanceof LockedError && new RegExp(`another run holds the lock .*\\.lock \\(mmoe train 20260102, pid ${process.pid} on .* since `).test(e.message),
  );
  lock.release();
  lock.release(); // twice is harmless
  assert.ok(!existsSync(lock.path));
  tryLock(r)!.release();
});

test('a lock file left by a killed run (or an older mmoe) is just a file: the next run locks it', () => {
  const r = root();
  writeFileSync(join(r, '.lock'), JSON.stringify({ pid: 2 ** 22 + 12345, host: 'elsewhere', since: 'then' }));
  const lock = acquireLock(r);
  assert.equal(JSON.parse(readFileSync(lock.path, 'utf8')).pid, process.pid);
  lock.release();
});

test('the lock belongs to a process: refused while it lives, free the moment it is killed (SIGKILL)', async () => {
  const r = root();
  const child = await holderProcess(r);
  try {
    assert.throws(() => acquireLock(r), new RegExp(`\\(mmoe train 20260101, pid ${child.pid} on `));
  } finally {
    const exited = new Promise((resolve) => child.on('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }
  assert.ok(existsSync(join(r, '.lock')), 'a killed holder leaves its file');
  const lock = acquireLock(r);
  lock.release();
});

test('two racers for a lock left by a dead run: whoever locks second is refused (forced interleaving)', () => {
  const r = root();
  writeFileSync(join(r, '.lock'), JSON.stringify({ pid: 2 ** 22 + 1, since: 'then' }));
  let b: Lock | null = null;
  // A has opened the left-over file; B now opens, locks and checks it before A locks.
  const a = tryLock(r, { afterOpen: once(() => (b = tryLock(r))) });
  assert.ok(b, 'B took the lock');
  assert.equal(a, null, 'A is refused: one holder');
  assert.throws(() => acquireLock(r), LockedError);
  (b as Lock).release();
  // The mirror image: A locks first, B comes in between A's lock and its check.
  let b2: Lock | null = null;
  const a2 = tryLock(r, { afterLock: once(() => (b2 = tryLock(r))) });
  assert.ok(a2);
  assert.equal(b2, null);
  a2.release();
});

test('a racer that opened the file of a holder that then let go does not hold a lock on the unlinked file', () => {
  const r = root();
  const holder = acquireLock(r);
  let b: Lock | null = null;
  // A opened the holder's file; the holder lets go (unlinking it) and B takes the lock on a new file;
  // A then locks the old, unlinked file, sees the path names another file, and is refused on that one.
  const a = tryLock(r, {
    afterOpen: once(() => {
      holder.release();
      b = tryLock(r);
    }),
  });
  assert.ok(b, 'B holds the lock');
  assert.equal(a, null, 'A is refused: one holder');
  (b as Lock).release();
  // Without B, A ends up holding the current file (it tried again on the path as it is now).
  const holder2 = acquireLock(r);
  const a2 = tryLock(r, { afterOpen: () => holder2.release() });
  assert.ok(a2);
  assert.throws(() => acquireLock(r), LockedError);
  a2.release();
});

test('acquireLockWithin waits for a holder that lets go, and gives up after its bound', async () => {
  const r = root();
  const holder = acquireLock(r, 'mmoe promote 20260101');
  const t0 = Date.now();
  assert.equal(await acquireLockWithin(r, 'status', 300), undefined);
  assert.ok(Date.now() - t0 >= 300, 'waited the whole bound');
  setTimeout(() => holder.release(), 300);
  const lock = await acquireLockWithin(r, 'status', 10_000);
  assert.ok(lock, 'taken once the holder let go, before the bound');
  assert.throws(() => acquireLock(r), LockedError);
  lock.release();
});
