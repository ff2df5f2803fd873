// Writing scores as CSV: RFC 4180 quoting for passed-through values, the shortest decimal that
// reads back as the same float32 for scores, and a file that appears only when complete (written
// under a temporary name next to it and renamed at the end; removed on failure).
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync, renameSync, rmSync, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { basename, dirname, join } from 'node:path';
import { finished } from 'node:stream/promises';
import { UsageError } from '../errors.js';

/** A CSV field: quoted (quotes doubled) when it holds a comma, a quote or a line break. */
export function csvField(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/**
 * The shortest decimal (6 to 9 significant digits) that parses back to the same float32: scores
 * are float32, so more digits would be noise and fewer would change the value.
 */
export function formatScore(x: number): string {
  const f = Math.fround(x);
  if (!Number.isFinite(f)) return String(f);
  if (f === 0) return '0';
  for (let p = 6; p < 9; p++) {
    const s = f.toPrecision(p);
    if (Math.fround(Number(s)) === f) return trimZeros(s);
  }
  return trimZeros(f.toPrecision(9));
}

function trimZeros(s: string): string {
  return s.includes('.') && !s.includes('e') ? s.replace(/0+$/, '').replace(/\.$/, '') : s;
}

/** A file written through a temporary sibling and renamed into place by commit(). */
export class AtomicFile {
  private readonly stream: WriteStream;
  private readonly tmp: string;
  private done = false;
  private error: UsageError | null = null;

  constructor(readonly path: string) {
    mkdirSync(dirname(path) || '.', { recursive: true });
    this.tmp = join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
    this.stream = createWriteStream(this.tmp);
    // Kept and rethrown by the next write or commit, rather than crashing the process.
    this.stream.on('error', (err: NodeJS.ErrnoException) => (this.error ??= new UsageError(`cannot write ${path}: ${err.code ?? err.message}`, { cause: err })));
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
    renameSync(this.tmp, this.path);
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
