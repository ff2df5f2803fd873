// Running a real child process as another user (nobody, uid 65534) for the permission tests.
// The child needs a Node binary that user may execute: this process's own binary may sit under a
// directory only root can search (CI's Node 24 pass installs it under mktemp -d, mode 0700; the
// spawn then fails with EACCES before the CLI runs). Such a binary is copied once, per Node
// version, into a world-searchable directory under the temporary directory.
import { copyFileSync, chmodSync, existsSync, mkdirSync, realpathSync, renameSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export const NOBODY = { uid: 65534, gid: 65534 } as const;

/** True when every directory above `path` is searchable by others and the file executable by them. */
function othersCanRun(path: string): boolean {
  const real = realpathSync(path);
  if ((statSync(real).mode & 0o005) !== 0o005) return false;
  for (let dir = dirname(real); ; dir = dirname(dir)) {
    if ((statSync(dir).mode & 0o001) === 0) return false;
    if (dirname(dir) === dir) return true;
  }
}

let cached: string | undefined;

/** A path to this Node version's binary that uid 65534 may execute. */
export function nodeForOtherUser(): string {
  if (cached) return cached;
  if (othersCanRun(process.execPath)) return (cached = process.execPath);
  const dir = join(tmpdir(), `mmoe-node-${process.version}`);
  const bin = join(dir, 'node');
  if (!existsSync(bin)) {
    mkdirSync(dir, { recursive: true });
    const partial = `${bin}.tmp-${process.pid}`;
    copyFileSync(process.execPath, partial);
    chmodSync(partial, 0o755);
    renameSync(partial, bin);
  }
  chmodSync(dir, 0o755);
  if (!othersCanRun(bin)) throw new Error(`${bin}: another user cannot execute it (a directory above it is not searchable)`);
  return (cached = bin);
}
