// Publishing a model directory without ever exposing a half-written one or losing the previous one:
// write into a temporary sibling, rename into place, repoint `latest` with an atomic rename, and
// only then delete what was replaced.
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, lstatSync, mkdirSync, openSync, readdirSync, readFileSync, readlinkSync, renameSync, rmSync, symlinkSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { LockedError, UsageError } from '../errors.js';

const suffix = (): string => `${process.pid}-${randomBytes(4).toString('hex')}`;

/**
 * Checks, before any work, that models can be published into `modelRoot`: it is (or can be made)
 * a directory, and `latest` in it is a symlink or absent.
 */
export function checkModelRoot(modelRoot: string): void {
  try {
    mkdirSync(modelRoot, { recursive: true });
  } catch (err) {
    throw new UsageError(`--model-output-dir ${modelRoot}: cannot be used as a directory (${(err as NodeJS.ErrnoException).code})`);
  }
  if (!lstatSync(modelRoot).isDirectory()) throw new UsageError(`--model-output-dir ${modelRoot}: not a directory`);
  const latest = join(modelRoot, 'latest');
  let st;
  try {
    st = lstatSync(latest);
  } catch {
    return;
  }
  if (!st.isSymbolicLink())
    throw new UsageError(`${latest} exists and is not a symlink; mmoe repoints it after every run: move it away and rerun`);
}

/** A fresh temporary directory next to where the model will live (same filesystem, so rename is atomic). */
export function stagingDir(modelRoot: string, name: string): string {
  mkdirSync(modelRoot, { recursive: true });
  const dir = join(modelRoot, `.tmp-${name}-${suffix()}`);
  mkdirSync(dir);
  return dir;
}

/**
 * Moves a finished staging directory to `<modelRoot>/<name>` and points `<modelRoot>/latest` at it.
 * An existing `<name>` (a rerun of the same date) is set aside, and deleted only once the new one
 * is in place and `latest` points at it; a failure in between puts it back.
 */
export function publish(staging: string, modelRoot: string, name: string): string {
  const target = join(modelRoot, name);
  let previous: string | undefined;
  if (existsSync(target)) {
    previous = join(modelRoot, `.old-${name}-${suffix()}`);
    renameSync(target, previous);
  }
  try {
    renameSync(staging, target);
    pointLatest(modelRoot, name);
  } catch (err) {
    // Undo: the new model goes back to staging (the caller discards it), the old one into place.
    if (!existsSync(staging) && existsSync(target)) renameSync(target, staging);
    if (previous) renameSync(previous, target);
    throw err;
  }
  if (previous) rmSync(previous, { recursive: true, force: true });
  return target;
}

/** Atomically repoints `<modelRoot>/latest` (a relative symlink) at `<name>`. */
export function pointLatest(modelRoot: string, name: string): void {
  const tmp = join(modelRoot, `.latest-${suffix()}`);
  symlinkSync(name, tmp, 'dir');
  try {
    renameSync(tmp, join(modelRoot, 'latest'));
  } catch (err) {
    unlinkSync(tmp);
    throw err;
  }
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
 * Cleans up after a run that was killed (SIGKILL, OOM) once its process is gone: staging
 * directories and temporary links are removed; a set-aside model (`.old-<name>-…`) is put back
 * when `<name>` is missing (the kill came between the two renames of publish) and removed
 * otherwise. Call it holding the lock, so no live run is affected. Returns what it did.
 */
export function sweepStale(modelRoot: string): string[] {
  const done: string[] = [];
  for (const entry of readdirSync(modelRoot)) {
    const m = /^\.(tmp|old)-(.+)-(\d+)-[0-9a-f]{8}$/.exec(entry) ?? /^\.(latest)-()(\d+)-[0-9a-f]{8}$/.exec(entry);
    if (!m || processAlive(Number(m[3]))) continue;
    const [, kind, name] = m;
    if (kind === 'old' && !existsSync(join(modelRoot, name!))) {
      renameSync(join(modelRoot, entry), join(modelRoot, name!));
      done.push(`restored ${name} from ${entry}`);
      continue;
    }
    rmSync(join(modelRoot, entry), { recursive: true, force: true });
    done.push(`removed ${entry}`);
  }
  return done;
}

export interface Lock {
  path: string;
  release(): void;
}

interface LockHolder {
  pid?: number;
  host?: string;
  since?: string;
  /** Linux: the kernel's boot id when the lock was taken (PIDs of an earlier boot mean nothing). */
  boot?: string;
  /** Linux: the holder's start time in clock ticks since boot (tells a reused PID apart). */
  start?: string;
  /** Linux: the holder's PID namespace (its PID means nothing in another one, e.g. another container). */
  pidns?: string;
  /** Linux: /etc/machine-id (two machines may share a hostname; a boot id only compares on one machine). */
  machine?: string;
}

function readTrimmed(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

function pidNamespace(): string | undefined {
  try {
    return readlinkSync('/proc/self/ns/pid');
  } catch {
    return undefined;
  }
}

/** Linux's id of this boot, or undefined elsewhere. */
function bootId(): string | undefined {
  return readTrimmed('/proc/sys/kernel/random/boot_id');
}

/** Linux: when process `pid` started (field 22 of /proc/<pid>/stat), or undefined. */
export function processStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count fields after its last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/**
 * Whether a lock taken on a host of this name is left over. Only what can be proven counts: the
 * machine has rebooted since (same machine id, another boot id); or, for a holder in this very
 * boot and PID namespace, its process is gone or its PID now belongs to a process started at
 * another time (a reused PID). A holder in another boot of an unknown machine or in another PID
 * namespace (another container) is never judged by its PID. A lock without these fields (older
 * mmoe, no /proc) is judged as before: stale when its PID is not alive.
 */
function lockIsStale(holder: LockHolder, me: LockHolder): boolean {
  if (holder.pid === undefined) return false;
  const known = (v: string | undefined): v is string => v !== undefined;
  if (known(holder.machine) && holder.machine === me.machine && known(holder.boot) && known(me.boot) && holder.boot !== me.boot) return true;
  if (!known(holder.pidns) || !known(me.pidns) || !known(holder.boot) || !known(me.boot)) return !processAlive(holder.pid);
  // A boot id is a random UUID: equal boot ids mean this machine, this boot.
  if (holder.boot !== me.boot || holder.pidns !== me.pidns) return false;
  if (!processAlive(holder.pid)) return true;
  const start = holder.start === undefined ? undefined : processStart(holder.pid);
  return start !== undefined && start !== holder.start;
}

/**
 * Takes `<modelRoot>/.lock` so that two nightly runs never publish into one directory at once.
 * A lock left by a dead process of this host is taken over (by an atomic rename, so two runs
 * racing for a stale lock cannot both win); a lock of another host is never taken over.
 */
export function acquireLock(modelRoot: string): Lock {
  mkdirSync(modelRoot, { recursive: true });
  const path = join(modelRoot, '.lock');
  const me: LockHolder = {
    pid: process.pid,
    host: hostname(),
    since: new Date().toISOString(),
    boot: bootId(),
    start: processStart(process.pid),
    pidns: pidNamespace(),
    machine: readTrimmed('/etc/machine-id'),
  };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, JSON.stringify(me));
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
      let holder: LockHolder = {};
      try {
        holder = JSON.parse(readFileSync(path, 'utf8'));
      } catch {
        // unreadable lock: treat as held, the message says how to clear it
      }
      const local = holder.host === undefined || holder.host === me.host;
      if (local && lockIsStale(holder, me)) {
        const stale = `${path}.stale-${suffix()}`;
        try {
          renameSync(path, stale); // only one racer can move the stale lock away
          rmSync(stale, { force: true });
        } catch {
          // another run moved it first; try again
        }
        continue;
      }
      throw new LockedError(
        `another run holds the lock ${path} (pid ${holder.pid ?? 'unknown'} on ${holder.host ?? 'unknown host'} since ${holder.since ?? 'unknown'}); ` +
          'wait for it to finish, or delete the file if no mmoe process is running',
      );
    }
  }
  throw new LockedError(`could not take the lock ${path}: other runs keep taking it`);
}
