// Everything mmoe writes for someone else to read (a model's files, scores, a report, a status
// file) appears whole or not at all: it is written under a temporary name in the same directory
// (same file system, so the rename is atomic), flushed to disk, then renamed into place. A write
// that fails (disk full, no permission, read-only file system) throws a WriteError naming the path
// and the cause, after removing what it half wrote. Temporaries of killed processes are swept. A
// symlink is written through (its target replaced, the link kept); a path that is not a regular
// file (/dev/stdout, a pipe, a device, a directory) is refused.
import { randomBytes } from 'node:crypto';
import { accessSync, closeSync, constants, createWriteStream, existsSync, fsyncSync, lstatSync, mkdirSync, openSync, readdirSync, readlinkSync, realpathSync, renameSync, rmSync, type Stats, statSync, type WriteStream, writeSync } from 'node:fs';
import { once } from 'node:events';
import { basename, dirname, join, resolve } from 'node:path';
import { finished } from 'node:stream/promises';
import { UsageError, WriteError } from '../errors.js';
import { processAlive } from './process.js';

const CAUSES: Record<string, string> = {
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOENT: 'a directory on the path does not exist',
  ENOTDIR: 'a part of the path is not a directory',
  EISDIR: 'it is a directory',
  EIO: 'input/output error',
};

/** `cannot write <path>: <cause> (<CODE>)`, a WriteError (exit 1) keeping the original as its cause. */
export function writeFailure(path: string, err: unknown, what = 'write'): WriteError {
  if (err instanceof WriteError) return err;
  const code = (err as NodeJS.ErrnoException)?.code;
  const cause = code ? `${CAUSES[code] ?? (err as Error).message} (${code})` : String((err as Error)?.message ?? err);
  return new WriteError(`cannot ${what} ${path}: ${cause}`, { cause: err });
}

/** A temporary sibling of `path`: `.<name>.tmp-<pid>-<random>`, recognised by sweepTemporaries. */
export function temporaryFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
}

const TEMPORARY = /^\..+\.tmp-(\d+)-[0-9a-f]{8}$/;

/** When this process started (ms since the epoch). */
const STARTED = Date.now() - process.uptime() * 1000;

/**
 * Whether the temporary `name` in `dir` is a leftover: its process no longer runs, or it carries
 * this process's PID but predates it (in a container every run is PID 1, so a killed run's PID is
 * the next run's own). Those of other live processes are theirs.
 */
function leftover(dir: string, name: string, pid: number): boolean {
  if (pid !== process.pid) return !processAlive(pid);
  try {
    return statSync(join(dir, name)).mtimeMs < STARTED - 1000;
  } catch {
    return false;
  }
}

/**
 * Removes the temporaries of processes that no longer run from `dir` (e.g. a predict killed with
 * SIGKILL). Returns the names removed.
 */
export function sweepTemporaries(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const gone = names.filter((n) => {
    const m = TEMPORARY.exec(n);
    return m !== null && leftover(dir, n, Number(m[1]));
  });
  const removed: string[] = [];
  for (const n of gone) {
    try {
      rmSync(join(dir, n), { recursive: true, force: true });
      removed.push(n);
    } catch {
      // not ours to fix (another user's file): the next run tries again
    }
  }
  return removed;
}

/**
 * Creates `dir` and its parents; a failure is a WriteError with the real cause. (A recursive
 * mkdir under a read-only or forbidden directory reports ENOENT; the nearest existing ancestor
 * tells why.)
 */
export function ensureDirectory(dir: string, what = 'create the directory'): void {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    let cause = err;
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      let ancestor = dirname(dir);
      while (!existsSync(ancestor) && dirname(ancestor) !== ancestor) ancestor = dirname(ancestor);
      try {
        accessSync(ancestor, constants.W_OK);
      } catch (why) {
        cause = why;
      }
    }
    throw writeFailure(dir, cause, what);
  }
}

function ensureDir(path: string): void {
  ensureDirectory(dirname(path) || '.');
}

function kindOf(st: Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a pipe';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

/**
 * The file a write to `path` replaces: the target of a symlink (the link stays, and then shows the
 * new file), else `path` itself. Anything but a regular file is refused (exit 2): a temporary
 * renamed over /dev/stdout, a pipe or a device would replace the node itself (as root, the system's
 * /dev/stdout link), and a stream cannot appear whole or not at all.
 */
export function writeTarget(path: string): string {
  let st: Stats;
  try {
    st = statSync(path);
  } catch {
    // Absent (the write creates it), or a link to something absent: the link's target is created.
    try {
      if (lstatSync(path).isSymbolicLink()) return resolve(dirname(path), readlinkSync(path));
    } catch {
      // absent: the path itself
    }
    return path;
  }
  if (!st.isFile())
    throw new UsageError(`cannot write ${path}: it is ${kindOf(st)}; mmoe writes a whole file under a temporary name and renames it into place, so give the path of a file (e.g. scores.csv)`);
  return realpathSync(path);
}

/**
 * Writes a file atomically: `fill` writes to the open temporary (one or many writeSync calls,
 * for files too large to hold at once), which is then flushed and renamed to `path`.
 */
export function writeAtomicWith(path: string, fill: (fd: number) => void): void {
  ensureDir(path);
  const target = writeTarget(path);
  const tmp = temporaryFor(target);
  let fd: number | undefined;
  try {
    fd = openSync(tmp, 'wx');
    fill(fd);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, target);
  } catch (err) {
    if (fd !== undefined) closeSync(fd);
    rmSync(tmp, { force: true });
    throw writeFailure(path, err);
  }
}

/** Writes text or bytes (or a list of byte chunks) to `path` atomically (see the module comment). */
export function writeFileAtomic(path: string, data: string | Uint8Array | Uint8Array[]): void {
  const chunks = typeof data === 'string' ? [Buffer.from(data)] : Array.isArray(data) ? data : [data];
  writeAtomicWith(path, (fd) => {
    for (const bytes of chunks) for (let done = 0; done < bytes.length; ) done += writeSync(fd, bytes, done, bytes.length - done);
  });
}

/** A file streamed through a temporary sibling and renamed into place by commit() (flat memory). */
export class AtomicFile {
  private readonly stream: WriteStream;
  private readonly tmp: string;
  private readonly target: string;
  private done = false;
  private error: WriteError | null = null;

  constructor(readonly path: string) {
    ensureDir(path);
    this.target = writeTarget(path);
    this.tmp = temporaryFor(this.target);
    this.stream = createWriteStream(this.tmp, { flags: 'wx' });
    // Kept and rethrown by the next write or commit, rather than crashing the process.
    this.stream.on('error', (err) => (this.error ??= writeFailure(path, err)));
  }

  /** Writes text, waiting for the stream to drain when its buffer is full (flat memory). */
  async write(text: string): Promise<void> {
    if (this.error) throw this.error;
    if (!this.stream.write(text)) await once(this.stream, 'drain').catch(() => undefined);
    if (this.error) throw this.error;
  }

  async commit(): Promise<void> {
    if (this.error) throw this.error;
    this.stream.end();
    await finished(this.stream).catch(() => undefined);
    if (this.error) throw this.error;
    try {
      const fd = openSync(this.tmp, 'r+');
      fsyncSync(fd);
      closeSync(fd);
      renameSync(this.tmp, this.target);
    } catch (err) {
      throw writeFailure(this.path, err);
    }
    this.done = true;
  }

  /** Removes the partial file; safe to call after commit (does nothing then). */
  async abort(): Promise<void> {
    if (this.done) return;
    this.done = true;
    // The file is opened asynchronously: remove it only once the stream has closed, or an open
    // still in flight would recreate it.
    const closed = this.stream.closed ? Promise.resolve() : once(this.stream, 'close').catch(() => undefined);
    this.stream.destroy();
    await closed;
    rmSync(this.tmp, { force: true });
  }
}
