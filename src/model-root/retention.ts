// Retention: after a run, all but the newest N model directories of a root and the newest N run
// directories of a log root are deleted, so disks do not fill. Never deleted: the models latest
// and previous point at, the model the run just made, and a run directory still being written
// (its run holds the lock in it). A model is renamed away before it is deleted, so a kill midway
// leaves a hidden leftover (swept by the next run), never half a model under its own name.
// Retention is housekeeping: a directory it cannot delete (immutable, EACCES) is reported, and the
// others are still deleted; it never fails a run.
import { randomBytes } from 'node:crypto';
import { lstatSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { LockedError } from '../errors.js';
import { protectedNames } from './links.js';
import { acquireLock } from './lock.js';

/**
 * Model directories mmoe names: `<date>`, and `<date>-refused[-n]` or `<date>-not-promoted[-n]` for
 * a model latest did not move to whose date latest or previous already names.
 */
const MODEL_DIR = /^\d{8}(-(refused|not-promoted)(-\d+)?)?$/;
/** Run directories: `<cur-date>-<UTC time of the run>[-n]` (run-log.ts). */
const RUN_DIR = /^\d{8}-(\d{8}T\d{6}Z)(?:-\d+)?$/;

function isDir(path: string): boolean {
  try {
    return lstatSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** A directory retention could not delete, and why. */
export interface RetentionFailure {
  path: string;
  error: string;
}

/** What one retention pass did: the names it deleted and the directories it could not. */
export interface Pruned {
  deleted: string[];
  failed: RetentionFailure[];
}

const why = (err: unknown) => (err as Error)?.message ?? String(err);

/**
 * Deletes `<root>/<name>` by renaming it to a hidden name first (the sweep's `.del-` prefix);
 * says why when it cannot.
 */
function removeDir(root: string, name: string): RetentionFailure | undefined {
  const hidden = join(root, `.del-${name}-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    renameSync(join(root, name), hidden);
  } catch (err) {
    return { path: join(root, name), error: why(err) };
  }
  try {
    rmSync(hidden, { recursive: true, force: true });
  } catch (err) {
    return { path: hidden, error: `${why(err)} (it was ${name}: renamed away to be deleted, then not wholly deleted)` };
  }
  return undefined;
}

/** Deletes each of `names` in `root`, going on past the ones it cannot delete. */
function removeAll(root: string, names: string[], failed: RetentionFailure[] = []): Pruned {
  const deleted: string[] = [];
  for (const n of names) {
    const f = removeDir(root, n);
    if (f) failed.push(f);
    else deleted.push(n);
  }
  return { deleted, failed };
}

/**
 * Keeps the newest `keep` model directories of `root` (by date), plus latest's, previous' and
 * `current` (the one this run made); deletes the others. Call it holding the root's lock.
 */
export function pruneModels(root: string, keep: number, current?: string): Pruned {
  const spared = protectedNames(root);
  if (current) spared.add(basename(current));
  const models = readdirSync(root)
    .filter((n) => MODEL_DIR.test(n) && isDir(join(root, n)))
    .sort()
    .reverse();
  return removeAll(
    root,
    models.slice(keep).filter((n) => !spared.has(n)),
  );
}

/** True when a run still holds the lock in its directory (it is being written). */
function running(dir: string): boolean {
  try {
    acquireLock(dir, 'mmoe retention').release();
    return false;
  } catch (err) {
    if (err instanceof LockedError) return true;
    throw err;
  }
}

/**
 * Keeps the newest `keep` run directories of `logRoot` (by the time of the run) and deletes the
 * others, except a run directory still being written.
 */
export function pruneLogs(logRoot: string, keep: number): Pruned {
  let names: string[];
  try {
    names = readdirSync(logRoot);
  } catch {
    return { deleted: [], failed: [] };
  }
  const failed: RetentionFailure[] = [];
  // Leftovers of a prune that was killed between its rename and its delete (or could not finish).
  for (const n of names.filter((x) => x.startsWith('.del-'))) {
    try {
      rmSync(join(logRoot, n), { recursive: true, force: true });
    } catch (err) {
      failed.push({ path: join(logRoot, n), error: why(err) });
    }
  }
  const runs = names
    .map((n) => ({ n, when: RUN_DIR.exec(n)?.[1] }))
    .filter((r): r is { n: string; when: string } => r.when !== undefined && isDir(join(logRoot, r.n)))
    .sort((a, b) => (a.when === b.when ? b.n.localeCompare(a.n) : b.when.localeCompare(a.when)));
  const doomed = runs
    .slice(keep)
    .map((r) => r.n)
    .filter((n) => {
      try {
        return !running(join(logRoot, n));
      } catch (err) {
        failed.push({ path: join(logRoot, n), error: `cannot tell whether a run still writes it: ${why(err)}` });
        return false;
      }
    });
  return removeAll(logRoot, doomed, failed);
}
