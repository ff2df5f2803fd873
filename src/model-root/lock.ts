// The lock on a model root (`<root>/.lock`): an OS advisory lock (flock), so two runs never change
// one root at once. The kernel drops it when its holder exits or dies (SIGKILL, OOM, reboot), so a
// lock is never left behind and never taken over by guessing from PIDs. The file exists only while
// held: its holder unlinks it before letting go, and a run that locked a file that was unlinked
// meanwhile (it opened it before the holder let go) sees that the path now names another file or
// none, and tries again on the path as it is now.
import { closeSync, constants, fstatSync, ftruncateSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { LockedError, UsageError } from '../errors.js';
import { ensureDirectory, writeFailure } from '../util/atomic-file.js';

export const LOCK_FILE = '.lock';

export interface Lock {
  path: string;
  release(): void;
}

/** Who holds a lock: written into the lock file for the message another run prints. */
interface LockHolder {
  pid?: number;
  host?: string;
  since?: string;
  command?: string;
}

/** Test hooks: what another run does at the points where runs can interleave. */
export interface LockHooks {
  /** After this run opened the lock file, before it locks it. */
  afterOpen?: () => void;
  /** After this run locked the file, before it checks that the path still names that file. */
  afterLock?: () => void;
}

type Flock = (fd: number, flags: 'exnb') => void;
let flockSync: Flock | undefined;

/**
 * flock(2) from the native addon fs-ext, loaded on first use: an addon built for another Node
 * version then fails the commands that lock, saying what to do, not every command at start-up.
 */
function loadFlock(): Flock {
  try {
    flockSync ??= (createRequire(import.meta.url)('fs-ext') as typeof import('fs-ext')).flockSync;
    return flockSync;
  } catch (err) {
    throw new Error(`the model root's lock needs the native addon fs-ext, which does not load (${(err as Error).message.split('\n')[0]}); rebuild it for this Node version: npm rebuild fs-ext`);
  }
}

function readHolder(path: string): LockHolder {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as LockHolder;
  } catch {
    return {}; // being written or already released
  }
}

function sameFile(fd: number, path: string): boolean {
  try {
    const a = fstatSync(fd);
    const b = statSync(path);
    return a.ino === b.ino && a.dev === b.dev;
  } catch {
    return false; // unlinked by the holder that just let go
  }
}

/**
 * Takes `<root>/.lock` or throws LockedError (exit 75) naming the holder. Never waits: a nightly
 * run that finds another one still running should say so, not queue behind it.
 */
export function acquireLock(root: string, what = 'mmoe', hooks: LockHooks = {}): Lock {
  const flock = loadFlock();
  ensureDirectory(root);
  const path = join(root, LOCK_FILE);
  for (let attempt = 0; attempt < 5; attempt++) {
    let fd: number;
    try {
      fd = openSync(path, constants.O_RDWR | constants.O_CREAT, 0o644);
    } catch (err) {
      throw writeFailure(path, err); // a root it may not write, or a full disk: named, exit 1
    }
    try {
      hooks.afterOpen?.();
      try {
        flock(fd, 'exnb');
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'EAGAIN' || code === 'EWOULDBLOCK') {
          const h = readHolder(path);
          throw new LockedError(
            `another run holds the lock ${path} (${h.command ?? 'mmoe'}, pid ${h.pid ?? 'unknown'} on ${h.host ?? 'unknown host'} since ${h.since ?? 'unknown'}); ` +
              'wait for it to finish: the lock goes with its process',
          );
        }
        throw new UsageError(`cannot lock ${path} (${code}): the filesystem of the model root must support file locks (flock)`);
      }
      hooks.afterLock?.();
      if (!sameFile(fd, path)) {
        closeSync(fd); // a released lock's file: the next attempt opens the current one
        continue;
      }
      const holder: LockHolder = { pid: process.pid, host: hostname(), since: new Date().toISOString(), command: what };
      try {
        ftruncateSync(fd, 0);
        writeSync(fd, `${JSON.stringify(holder)}\n`, 0);
      } catch (err) {
        unlinkSync(path); // held by this run: removed as release() would (a full disk leaves nothing)
        throw writeFailure(path, err);
      }
    } catch (err) {
      closeSync(fd);
      throw err;
    }
    let released = false;
    return {
      path,
      release() {
        if (released) return;
        released = true;
        // Unlinked while still held, so a run that opens the path from now on gets a new file.
        try {
          unlinkSync(path);
        } catch {
          // already gone: nothing to clean up
        }
        closeSync(fd);
      },
    };
  }
  throw new LockedError(`could not take the lock ${path}: other runs keep taking and releasing it`);
}

/**
 * Takes the lock, waiting up to `ms` for a holder to let go (polling): for a short record that must
 * not be lost to a `mmoe promote` or `rollback` holding the lock for a moment. Undefined when the
 * holder kept it all that time.
 */
export async function acquireLockWithin(root: string, what: string, ms: number): Promise<Lock | undefined> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      return acquireLock(root, what);
    } catch (err) {
      if (!(err instanceof LockedError)) throw err;
      const left = deadline - Date.now();
      if (left <= 0) return undefined;
      await new Promise((resolve) => setTimeout(resolve, Math.min(200, left)));
    }
  }
}
