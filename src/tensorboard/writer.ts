// Writes TensorBoard event files (scalars) in pure TypeScript, so training curves work without
// tfjs-node: one file per writer, events buffered in memory and appended on flush.
// Checked once outside this project: Debian's python3-protobuf 3.21 (protoc-compiled subset of
// event/summary.proto) and crcmod's crc-32c decoded a written file and re-serialized it identically.
import { appendFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { ensureDirectory, writeFailure } from '../util/atomic-file.js';
import { encodeEvent, FILE_VERSION, type ScalarValue } from './event.js';
import { frameRecord } from './tfrecord.js';

export interface SummaryWriterOptions {
  /** Flush once this many events are buffered. Default 100. */
  flushEvery?: number;
  /** Flush on a write when the last flush is older than this. Default 10 s. */
  flushIntervalMs?: number;
  /** Host name in the file name. Default os.hostname(). */
  hostname?: string;
  /** Clock in milliseconds (tests inject one). Default Date.now. */
  now?: () => number;
}

let writersCreated = 0;

export class SummaryWriter {
  /** Path of the event file this writer appends to. */
  readonly file: string;
  private pending: Uint8Array[] = [];
  private lastFlush: number;
  private closed = false;
  private readonly flushEvery: number;
  private readonly flushIntervalMs: number;
  private readonly now: () => number;

  /** Creates `dir` if needed and starts a new event file there with its file_version record. */
  constructor(dir: string, options: SummaryWriterOptions = {}) {
    this.now = options.now ?? Date.now;
    this.flushEvery = options.flushEvery ?? 100;
    this.flushIntervalMs = options.flushIntervalMs ?? 10_000;
    const t = this.now();
    ensureDirectory(dir);
    // Same layout as tensorboardX: time, host, then pid and a counter so that two writers started
    // in the same second (train and validation, or parallel runs) never share a file.
    const host = (options.hostname ?? hostname()).replace(/[/\\]/g, '_');
    this.file = join(dir, `events.out.tfevents.${Math.floor(t / 1000)}.${host}.${process.pid}.${writersCreated++}`);
    try {
      writeFileSync(this.file, frameRecord(encodeEvent({ wallTime: t / 1000, step: 0, fileVersion: FILE_VERSION })), { flag: 'wx' });
    } catch (err) {
      rmSync(this.file, { force: true }); // created, then the write failed (disk full): no empty run
      throw writeFailure(this.file, err);
    }
    this.lastFlush = t;
  }

  /** Records one scalar; wallTime in seconds (default: now). */
  scalar(tag: string, value: number, step: number, wallTime?: number): void {
    this.scalars({ [tag]: value }, step, wallTime);
  }

  /** Records several scalars of one step as one event. */
  scalars(values: Record<string, number>, step: number, wallTime?: number): void {
    if (this.closed) throw new Error(`SummaryWriter for ${this.file} is closed`);
    const scalars: ScalarValue[] = Object.entries(values).map(([tag, value]) => ({ tag, value }));
    this.pending.push(frameRecord(encodeEvent({ wallTime: wallTime ?? this.now() / 1000, step, scalars })));
    if (this.pending.length >= this.flushEvery || this.now() - this.lastFlush >= this.flushIntervalMs) this.flush();
  }

  /** Appends buffered events to the file; a failure is a WriteError naming it (the events stay buffered). */
  flush(): void {
    this.lastFlush = this.now();
    if (this.pending.length === 0) return;
    try {
      appendFileSync(this.file, Buffer.concat(this.pending));
    } catch (err) {
      throw writeFailure(this.file, err);
    }
    this.pending = [];
  }

  /** Flushes and refuses further writes. Closing twice is harmless. */
  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
  }
}
