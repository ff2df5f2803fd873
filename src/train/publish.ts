// Publishing a model directory without ever exposing a half-written one or losing the previous one:
// write into a temporary sibling, rename into place, repoint `latest` with an atomic rename, and
// only then delete what was replaced.
import { randomBytes } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../errors.js';
import { ensureDirectory } from '../util/atomic-file.js';
import { repoint } from '../model-root/links.js';

const suffix = (): string => `${process.pid}-${randomBytes(4).toString('hex')}`;

/**
 * Checks, before any work, that models can be published into `modelRoot`: it is (or can be made)
 * a directory, and `latest` in it is a symlink or absent.
 */
export function checkModelRoot(modelRoot: string): void {
  try {
    ensureDirectory(modelRoot, 'create the model output directory');
  } catch (err) {
    // A file in the way is a wrong flag; a disk that refuses (read-only, no permission) is exit 1 with its cause.
    const code = ((err as Error).cause as NodeJS.ErrnoException | undefined)?.code;
    if (code === 'EEXIST' || code === 'ENOTDIR') throw new UsageError(`--model-output-dir ${modelRoot}: cannot be used as a directory (${code})`);
    throw err;
  }
  // stat, not lstat: a symlink to a directory is a directory here (only `latest` must be a link).
  if (!statSync(modelRoot).isDirectory()) throw new UsageError(`--model-output-dir ${modelRoot}: not a directory`);
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
 * Moves a finished staging directory to `<modelRoot>/<name>` and points `<modelRoot>/latest` at it
 * (`previous` at what latest pointed at before); with `promote` false (a model the gate refused)
 * latest stays. An existing `<name>` (a rerun of the same date) is set aside, and deleted only
 * once the new one is in place and `latest` points at it; a failure in between puts it back.
 */
export function publish(staging: string, modelRoot: string, name: string, promote = true): string {
  const target = join(modelRoot, name);
  let previous: string | undefined;
  if (existsSync(target)) {
    previous = join(modelRoot, `.old-${name}-${suffix()}`);
    renameSync(target, previous);
  }
  try {
    renameSync(staging, target);
    if (promote) repoint(modelRoot, name);
  } catch (err) {
    // Undo: the new model goes back to staging (the caller discards it), the old one into place.
    if (!existsSync(staging) && existsSync(target)) renameSync(target, staging);
    if (previous) renameSync(previous, target);
    throw err;
  }
  if (previous) rmSync(previous, { recursive: true, force: true });
  return target;
}

/** Removes a staging directory after a failure; never touches published models. */
export function discardStaging(staging: string): void {
  rmSync(staging, { recursive: true, force: true });
}

/**
 * Cleans up after a run that was killed (SIGKILL, OOM): staging directories, temporary links and
 * models half deleted by retention (`.del-…`) are removed; a set-aside model (`.old-<name>-…`) is
 * put back when `<name>` is missing (the kill came between the two renames of publish) and removed
 * otherwise. Call it holding the root's lock: every run that writes these names holds that lock,
 * so each of them is a leftover, whatever its PID says (in a container every run is PID 1, and a
 * PID check never swept anything). Only this process's own names are kept. A leftover that cannot
 * be removed is reported ("could not remove …"), never thrown: it is not this night's problem.
 * Returns what it did.
 */
export function sweepStale(modelRoot: string): string[] {
  const done: string[] = [];
  for (const entry of readdirSync(modelRoot)) {
    const m = /^\.(tmp|old|del)-(.+)-(\d+)-[0-9a-f]{8}$/.exec(entry) ?? /^\.(latest|previous)-()(\d+)-[0-9a-f]{8}$/.exec(entry);
    if (!m || Number(m[3]) === process.pid) continue;
    const [, kind, name] = m;
    try {
      if (kind === 'old' && !existsSync(join(modelRoot, name!))) {
        renameSync(join(modelRoot, entry), join(modelRoot, name!));
        done.push(`restored ${name} from ${entry}`);
        continue;
      }
      rmSync(join(modelRoot, entry), { recursive: true, force: true });
      done.push(`removed ${entry}`);
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      done.push(`could not remove ${entry}: ${e.code ?? e.message}`);
    }
  }
  return done;
}
