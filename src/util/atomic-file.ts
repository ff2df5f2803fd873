// Files someone else reads (status, metrics for a scraper, metadata) appear whole or not at all:
// written under a temporary name in the same directory, flushed, then renamed over the target. A
// failed write removes the temporary file, leaves the old target as it was, and says which path
// and why. (The same contract as the failure-path work's utility of the same name and messages,
// which replaces this one.)
import { randomBytes } from 'node:crypto';
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

const CAUSES: Record<string, string> = {
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EACCES: 'permission denied',
  EROFS: 'read-only file system',
  ENOTDIR: 'a part of the path is not a directory',
};

/** `cannot write <path>: <cause> (<CODE>)`, keeping the original error as its cause. */
export function writeFailure(path: string, err: unknown): Error {
  const code = (err as NodeJS.ErrnoException)?.code;
  const cause = code ? `${CAUSES[code] ?? (err as Error).message} (${code})` : String((err as Error)?.message ?? err);
  return new Error(`cannot write ${path}: ${cause}`, { cause: err });
}

/** The temporary name used for `path` (hidden, same directory, unique to this process). */
export function temporaryFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
}

export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const tmp = temporaryFor(path);
  try {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(tmp, data, { flush: true });
    renameSync(tmp, path);
  } catch (err) {
    try {
      rmSync(tmp, { force: true });
    } catch {
      // nothing was created (e.g. the directory is a file): nothing to remove
    }
    throw writeFailure(path, err);
  }
}
