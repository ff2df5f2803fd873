// Publishing a model directory without ever exposing a half-written one or losing the previous one:
// write into a temporary sibling, rename into place, then repoint `latest` with an atomic rename.
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, readlinkSync, renameSync, rmSync, symlinkSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { LockedError } from '../errors.js';

/** A fresh temporary directory next to where the model will live (same filesystem, so rename is atomic). */
export function stagingDir(modelRoot: string, name: string): string {
  mkdirSync(modelRoot, { recursive: true });
  const dir = join(modelRoot, `.tmp-${name}-${process.pid}-${randomBytes(4).toString('hex')}`);
  mkdirSync(dir);
  return dir;
}

/**
 * Moves a finished staging directory to `<modelRoot>/<name>` and points `<modelRoot>/latest` at it.
 * An existing `<name>` (a rerun of the same date) is replaced only after the new one is complete.
 */
export function publish(staging: string, modelRoot: string, name: string): string {
  const target = join(modelRoot, name);
  let previous: string | undefined;
  if (existsSync(target)) {
    previous = join(modelRoot, `.old-${name}-${process.pid}-${randomBytes(4).toString('hex')}`);
    renameSync(target, previous);
  }
  try {
    renameSync(staging, target);
  } catch (err) {
    if (previous) renameSync(previous, target);
    throw err;
  }
  if (previous) rmSync(previous, { recursive: true, force: true });
  pointLatest(modelRoot, name);
  return target;
}

/** Atomically repoints `<modelRoot>/latest` (a relative symlink) at `<name>`. */
export function pointLatest(modelRoot: string, name: string): void {
  const tmp = join(modelRoot, `.latest-${process.pid}-${randomBytes(4).toString('hex')}`);
  symlinkSync(name, tmp, 'dir');
  renameSync(tmp, join(modelRoot, 'latest'));
}

/** The directory `latest` points at, if any. */
export function latestName(modelRoot: string): string | undefined {
  try {
    return readlinkSync(join(modelRoot, 'latest'));
  } catch {
    return undefined;
  }
}

/** Removes a staging directory after a failure; never touches published models. */
export function discardStaging(staging: string): void {
  rmSync(staging, { recursive: true, force: true });
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes what a killed run left behind (staging directories, set-aside old models, temporary
 * links) once their process is gone. Call it holding the lock, so no live run is affected.
 */
export function sweepStale(modelRoot: string): string[] {
  const removed: string[] = [];
  for (const name of readdirSync(modelRoot)) {
    const m = /^\.(?:tmp|old)-.+-(\d+)-[0-9a-f]{8}$/.exec(name) ?? /^\.latest-(\d+)-[0-9a-f]{8}$/.exec(name);
    if (!m || processAlive(Number(m[1]))) continue;
    rmSync(join(modelRoot, name), { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}

export interface Lock {
  path: string;
  release(): void;
}

/**
 * Takes `<modelRoot>/.lock` so that two nightly runs never publish into one directory at once.
 * A lock left by a process that no longer exists is taken over.
 */
export function acquireLock(modelRoot: string): Lock {
  mkdirSync(modelRoot, { recursive: true });
  const path = join(modelRoot, '.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, JSON.stringify({ pid: process.pid, since: new Date().toISOString() }));
      closeSync(fd);
      let released = false;
      return {
        path,
        release() {
          if (released) return;
          released = true;
          try {
            unlinkSync(path);
          } catch {
            // already gone: nothing to release
          }
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      let holder: { pid?: number; since?: string } = {};
      try {
        holder = JSON.parse(readFileSync(path, 'utf8'));
      } catch {
        // unreadable lock: treat as held, the message says how to clear it
      }
      if (holder.pid !== undefined && !processAlive(holder.pid)) {
        unlinkSync(path);
        continue;
      }
      throw new LockedError(
        `another run holds the lock ${path} (pid ${holder.pid ?? 'unknown'} since ${holder.since ?? 'unknown'}); ` +
          'wait for it to finish, or delete the file if no mmoe process is running',
      );
    }
  }
  throw new LockedError(`could not take the lock ${path}`);
}
