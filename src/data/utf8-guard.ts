// Streaming UTF-8 validation of the raw bytes before the CSV parser sees them: csv-parse would
// silently turn invalid bytes into U+FFFD, and a corrupted id would then hash as a new value.
// Also counts physical lines, so an error (here or in gzip) can name the line it reached.
import { isUtf8 } from 'node:buffer';

/** Bytes a UTF-8 sequence starting with `b` occupies; 0 for a byte that cannot start one. */
function sequenceLength(b: number): number {
  if (b < 0x80) return 1;
  if ((b & 0xe0) === 0xc0) return 2;
  if ((b & 0xf0) === 0xe0) return 3;
  if ((b & 0xf8) === 0xf0) return 4;
  return 0;
}

/** Offset just past the last complete sequence: a chunk may end inside a multi-byte character. */
function completeEnd(buf: Buffer, start: number): number {
  const end = buf.length;
  for (let p = end - 1; p >= start && p >= end - 4; p--) {
    const b = buf[p]!;
    if ((b & 0xc0) === 0x80) continue; // continuation byte: keep looking for its lead
    const n = sequenceLength(b);
    return n > end - p ? p : end;
  }
  return end;
}

/** Offset of the first invalid byte in buf[start, end), or -1 (only called once isUtf8 said no). */
export function firstInvalidUtf8(buf: Uint8Array, start = 0, end = buf.length): number {
  let i = start;
  while (i < end) {
    const b = buf[i]!;
    const n = sequenceLength(b) - 1;
    if (n === 0) {
      i++;
      continue;
    }
    if (n < 0 || i + n >= end) return i; // not a lead byte, or cut off by the end
    let cp = b & (0x3f >> n);
    for (let k = 1; k <= n; k++) {
      const c = buf[i + k]!;
      if ((c & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (c & 0x3f);
    }
    const min = n === 1 ? 0x80 : n === 2 ? 0x800 : 0x10000;
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += n + 1;
  }
  return -1;
}

function countNewlines(buf: Buffer, start: number, end: number): number {
  let n = 0;
  let i = buf.indexOf(10, start);
  while (i !== -1 && i < end) {
    n++;
    i = buf.indexOf(10, i + 1);
  }
  return n;
}

/** Where invalid UTF-8 was found: the 1-based physical line and the offending bytes. */
export interface Utf8Problem {
  line: number;
  bytes: string;
}

export class Utf8Guard {
  private tail: Buffer | null = null;
  /** Newlines in the bytes checked so far: the current physical line is `newlines + 1`. */
  newlines = 0;

  /** Checks the next chunk; returns null when valid so far. */
  check(buf: Buffer): Utf8Problem | null {
    let start = 0;
    if (this.tail !== null) {
      const need = sequenceLength(this.tail[0]!) - this.tail.length;
      const joined = Buffer.concat([this.tail, buf.subarray(0, Math.max(need, 0))]);
      if (joined.length < sequenceLength(joined[0]!)) {
        this.tail = joined;
        return null;
      }
      this.tail = null;
      if (!isUtf8(joined)) return this.problem(joined, 0, joined.length);
      start = Math.max(need, 0);
    }
    const cut = completeEnd(buf, start);
    if (!isUtf8(buf.subarray(start, cut))) return this.problem(buf, start, cut);
    this.newlines += countNewlines(buf, start, buf.length);
    if (cut < buf.length) this.tail = Buffer.from(buf.subarray(cut));
    return null;
  }

  /** At end of input: a character cut off by the end of the file is invalid too. */
  end(): Utf8Problem | null {
    if (this.tail === null) return null;
    const t = this.tail;
    this.tail = null;
    return this.problem(t, 0, t.length);
  }

  private problem(buf: Buffer, start: number, end: number): Utf8Problem {
    let at = firstInvalidUtf8(buf, start, end);
    if (at < 0 || at >= end) at = start;
    const line = this.newlines + countNewlines(buf, start, at) + 1;
    const bytes = [...buf.subarray(at, Math.min(at + 4, buf.length))].map((b) => `0x${b.toString(16).padStart(2, '0')}`).join(' ');
    return { line, bytes };
  }
}
