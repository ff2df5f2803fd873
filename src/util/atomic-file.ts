// Files someone else reads (status, metrics for a scraper, metadata) appear whole or not at all:
// written under a temporary name in the same directory, flushed, then renamed over the target. A
// failed write removes the temporary file and leaves the old target as it was. (The same contract
// as the failure-path work's utility of the same name, which replaces this one.)
import { randomBytes } from 'node:crypto';
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** The temporary name used for `path` (hidden, same directory, unique to this process). */
export function temporaryFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
}

export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = temporaryFor(path);
  try {
    writeFileSync(tmp, data, { flush: true });
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}
