// Which model serves: `<root>/latest`, a relative symlink, and `<root>/previous`, the model latest
// pointed at before its last repoint (what `mmoe rollback` goes back to, and what retention keeps).
// Each link is replaced by renaming a fresh symlink over it, so a reader sees the old target or the
// new one, never none.
import { randomBytes } from 'node:crypto';
import { existsSync, readlinkSync, renameSync, symlinkSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';

export type LinkName = 'latest' | 'previous';

/** The directory name a link points at, if the link exists. */
export function readLink(root: string, link: LinkName): string | undefined {
  try {
    return readlinkSync(join(root, link));
  } catch {
    return undefined;
  }
}

/** The directory `latest` points at, if any. */
export function latestName(root: string): string | undefined {
  return readLink(root, 'latest');
}

/** The directory `latest` points at when that directory no longer exists (deleted by hand), if so. */
export function danglingLatest(root: string): string | undefined {
  const name = latestName(root);
  return name !== undefined && !existsSync(join(root, name)) ? name : undefined;
}

/** Atomically points `<root>/<link>` at `<name>`, or removes it (name undefined). */
export function setLink(root: string, link: LinkName, name: string | undefined): void {
  if (name === undefined) {
    try {
      unlinkSync(join(root, link));
    } catch {
      // already absent
    }
    return;
  }
  // `.latest-<pid>-<hex>` / `.previous-…`: swept by the next run if this one is killed here.
  const tmp = join(root, `.${link}-${process.pid}-${randomBytes(4).toString('hex')}`);
  symlinkSync(name, tmp, 'dir');
  try {
    renameSync(tmp, join(root, link));
  } catch (err) {
    unlinkSync(tmp);
    throw err;
  }
}

export interface Repoint {
  latest: string;
  /** What `latest` pointed at before (now `previous`), if anything. */
  previous: string | undefined;
}

/**
 * Points `latest` at `name`, and `previous` at what latest pointed at until now (unless that is
 * `name` itself: republishing a date keeps the previous one; or a directory that no longer exists:
 * a rollback must have somewhere to go). A failure leaves both as they were.
 */
export function repoint(root: string, name: string): Repoint {
  const current = latestName(root);
  const before = readLink(root, 'previous');
  const previous = current !== undefined && current !== name && current !== danglingLatest(root) ? current : before;
  if (previous !== before) setLink(root, 'previous', previous);
  try {
    setLink(root, 'latest', name);
  } catch (err) {
    if (previous !== before) setLink(root, 'previous', before);
    throw err;
  }
  return { latest: name, previous };
}

/** Names that must never be deleted or overwritten by a model that is not promoted. */
export function protectedNames(root: string): Set<string> {
  return new Set([latestName(root), readLink(root, 'previous')].filter((n): n is string => n !== undefined));
}
