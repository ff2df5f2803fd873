// Training rows read while the first epoch trains: a thread reads, parses and encodes the days
// (read-ahead-worker.ts) while the main thread appends the rows it posts to the kept tables and
// draws the first epoch's batches from them through a seeded shuffle buffer of row indices (as
// tf.data shuffles a stream), so steps start once the buffer is full instead of after the whole
// read. Later epochs shuffle the complete table. Same seed, same batches: the rows arrive in file
// order whatever the timing. For reads whose numeric statistics are known beforehand (rows cannot
// be transformed before statistics that need every row).
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Logger } from '../logger.js';
import { DataError, formatLocation, InterruptedError } from '../errors.js';
import { Rng } from '../util/random.js';
import { fromFailure, type WorkerFailure } from '../util/thread-failure.js';
import type { DataAccount } from './account.js';
import type { Batch } from './batch.js';
import { EncodedTable, TableBatch } from './encoded-table.js';
import type { FeatureSpec } from './feature-spec.js';
import type { LoadedData } from './load-encoded.js';
import { type MemoryBudget, MemoryBudgetError, overBudget } from './memory-budget.js';
import { type NegativeSampling, weighSampled } from './negative-sampling.js';
import { type DataSource, findPartitions } from './partitions.js';

export interface ReadAheadInit {
  spec: FeatureSpec;
  /** Local files (no storage object: it would not cross to the thread). */
  source: DataSource;
  validRatio: number;
  seed: number;
  maxBadRows?: number;
  negativeSampling?: NegativeSampling;
}

export interface ReadAheadOptions {
  validRatio: number;
  seed: number;
  maxBadRows?: number;
  logger: Logger;
  shuffleBuffer: number;
  /** Negatives dropped by the hash rule as loadEncoded drops them; validation rows weighted for it. */
  negativeSampling?: NegativeSampling;
  /**
   * What the kept rows may hold, growth included, as loadEncoded checks it: past it the read stops
   * with MemoryBudgetError, or with ReadAheadOutgrew when `keepTrain` is `auto` (the caller
   * starts over, streaming).
   */
  memoryBudget?: MemoryBudget;
  /** Default true. */
  keepTrain?: true | 'auto';
  /** Bytes held outside these tables that count against the budget (a validation day's rows). */
  heldElsewhere?: number;
  /** Said in the message when the budget stops the read. */
  overBudgetAdvice?: { train: string; valid: string };
  /** Aborting stops the read at once (the thread is terminated): the first epoch's batches end with InterruptedError. */
  signal?: AbortSignal;
}

/** With keepTrain `auto`: the rows outgrew the memory budget while the first epoch trained on them. */
export class ReadAheadOutgrew extends Error {}

/** Rows of one block, packed: [size, columns] like Batch. */
export interface RowsPart {
  size: number;
  /** Each row's line in its file (for messages). */
  lines: Int32Array;
  cat: Int32Array;
  num: Float32Array;
  labels: Float32Array;
  weights: Float32Array | null;
}

export type ReadAheadMessage =
  | { type: 'rows'; file: string; train: RowsPart; valid: RowsPart }
  | { type: 'log'; line: string }
  | { type: 'done'; account: DataAccount }
  | { type: 'failed'; failure: WorkerFailure };

/** Bytes of CSV per row assumed until the read is done (gzip counted four times its size). */
const BYTES_PER_ROW = 100;

export class ReadAhead {
  readonly train: EncodedTable;
  readonly valid: EncodedTable;
  /** Resolves when the read is complete: every row, the accounting (rejects with the read's error). */
  readonly done: Promise<LoadedData>;
  /** Rows the days are estimated to hold, from their size, until the read is done. */
  readonly estimatedRows: number;
  /** Seconds from the start of the read to its end. */
  seconds = 0;
  private readonly worker: Worker;
  private finished = false;
  private failure: Error | undefined;
  private completed = false;
  private readonly stop: () => void;
  private epochs = 0;
  private wake: (() => void) | undefined;

  /** Starts reading local days in a thread. */
  static async start(spec: FeatureSpec, source: DataSource, opts: ReadAheadOptions): Promise<ReadAhead> {
    const bytes = (await findPartitions(source)).flatMap((p) => p.files).reduce((n, f) => n + f.bytes * (f.path.endsWith('.gz') ? 4 : 1), 0);
    return new ReadAhead(spec, { dataDir: source.dataDir, dates: source.dates, requireSuccess: source.requireSuccess }, opts, Math.ceil(bytes / BYTES_PER_ROW));
  }

  private constructor(
    spec: FeatureSpec,
    private readonly source: DataSource,
    private readonly opts: ReadAheadOptions,
    estimatedRows: number,
  ) {
    this.train = EncodedTable.forSpec(spec, 1024, { shared: true });
    this.valid = EncodedTable.forSpec(spec);
    this.estimatedRows = estimatedRows;
    const init: ReadAheadInit = { spec, source, validRatio: opts.validRatio, seed: opts.seed, maxBadRows: opts.maxBadRows, negativeSampling: opts.negativeSampling };
    const t0 = performance.now();
    this.worker = new Worker(new URL('./read-ahead-worker.js', import.meta.url), { workerData: init });
    let finish: (err?: Error, account?: DataAccount) => void = () => {};
    this.done = new Promise<LoadedData>((resolve, reject) => {
      finish = (err, account) => {
        if (this.finished) return;
        this.finished = true;
        this.seconds = (performance.now() - t0) / 1000;
        this.failure = err;
        this.wake?.();
        void this.worker.terminate();
        opts.signal?.removeEventListener('abort', this.stop);
        if (err) return reject(err);
        this.completed = true;
        this.train.compact();
        this.valid.compact();
        // Validation rows measure the model on the whole population: a kept negative stands for 1/rate.
        if (opts.negativeSampling) weighSampled(this.valid, opts.negativeSampling);
        const held = this.train.heldBytes + this.valid.heldBytes;
        resolve({ train: this.train, trainRows: this.train.size, valid: this.valid, spec, account: { ...account!, validRows: this.valid.size }, kept: true, heldBytes: held });
      };
    });
    this.done.catch(() => {}); // reported through the first epoch's batches and to whoever awaits it
    this.worker.on('message', (m: ReadAheadMessage) => {
      if (m.type === 'rows') {
        try {
          this.append(this.train, m.train, m.file, false);
          this.append(this.valid, m.valid, m.file, true);
        } catch (err) {
          return finish(err as Error);
        }
        this.wake?.();
      } else if (m.type === 'log') relog(opts.logger, m.line);
      else if (m.type === 'done') finish(undefined, m.account);
      else finish(fromFailure(m.failure, (message) => new Error(`reading thread: ${message}`)));
    });
    this.worker.on('error', (e) => finish(new Error(`reading thread failed: ${e.message}`)));
    this.worker.on('exit', (code) => finish(new Error(`reading thread exited unexpectedly (code ${code})`)));
    // An interrupt stops the read now (not at the end of a file): the thread is terminated.
    this.stop = () => finish(new InterruptedError('interrupted while reading the data'));
    if (opts.signal?.aborted) this.stop();
    else opts.signal?.addEventListener('abort', this.stop, { once: true });
  }

  /** Whether every row has been read (the read ended without an error). */
  get complete(): boolean {
    return this.completed;
  }

  /** Training rows: 0 (unknown: bad rows are only found by parsing) until the read is done. */
  get size(): number {
    return this.finished ? this.train.size : 0;
  }

  /** The first epoch's batches as the rows arrive; later epochs' from the complete table. */
  batches(batchSize: number, seed: number): AsyncIterable<Batch> | Iterable<Batch> {
    return this.epochs++ === 0 ? this.firstEpoch(batchSize, seed) : this.train.batches(batchSize, seed);
  }

  /** Stops the read (a run that ends early). */
  async close(): Promise<void> {
    this.finished = true;
    this.opts.signal?.removeEventListener('abort', this.stop);
    await this.worker.terminate();
  }

  private async *firstEpoch(batchSize: number, seed: number): AsyncGenerator<Batch> {
    const rng = new Rng(seed);
    const cap = Math.max(1, this.opts.shuffleBuffer);
    const parked = new Int32Array(cap);
    let filled = 0;
    let next = 0;
    // Batches name their rows of the table (TableBatch), which grows under them: read through it.
    let rows = new Uint32Array(batchSize);
    let k = 0;
    const emit = function* (this: ReadAhead, row: number): Generator<Batch> {
      rows[k++] = row;
      if (k < batchSize) return;
      yield new TableBatch(this.train, rows);
      rows = new Uint32Array(batchSize);
      k = 0;
    }.bind(this);
    for (;;) {
      while (next < this.train.size) {
        // While filling, park the row; once full, emit a random parked row and park this one there.
        if (filled < cap) parked[filled++] = next++;
        else {
          const j = rng.int(cap);
          yield* emit(parked[j]!);
          parked[j] = next++;
        }
      }
      if (this.failure) throw this.failure;
      if (this.finished) break;
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = undefined;
    }
    rng.shuffle(parked.subarray(0, filled));
    for (let i = 0; i < filled; i++) yield* emit(parked[i]!);
    if (k > 0) yield new TableBatch(this.train, rows.subarray(0, k));
    if (this.train.size === 0) throw new DataError(`no training rows in ${this.source.dates.join(', ')}`, { file: this.source.dataDir });
  }

  /** Appends a block's rows, checking the memory budget before each growth of a table (as loadEncoded does). */
  private append(table: EncodedTable, p: RowsPart, file: string, isValid: boolean): void {
    const budget = this.opts.memoryBudget;
    for (let r = 0; r < p.size; r++) {
      if (budget && table.full) this.checkRoom(table, budget, isValid, { file: join(this.source.dataDir, file), line: p.lines[r]! });
      table.appendRow(p, r);
    }
  }

  private checkRoom(table: EncodedTable, budget: MemoryBudget, isValid: boolean, where: { file: string; line: number }): void {
    const held = this.train.heldBytes + this.valid.heldBytes + (this.opts.heldElsewhere ?? 0);
    const why = overBudget(held, 2 * table.heldBytes, this.train.size + this.valid.size, budget);
    if (why === null) return;
    if (this.opts.keepTrain === 'auto') throw new ReadAheadOutgrew(`the training rows outgrew the memory budget at ${formatLocation(where)} (${why})`);
    const advice = (isValid ? this.opts.overBudgetAdvice?.valid : this.opts.overBudgetAdvice?.train) ?? 'raise --memory-budget';
    throw new MemoryBudgetError(`the ${isValid ? 'validation' : 'training'} rows do not fit in memory: ${why}; ${advice}`, where);
  }

}

/** A log line of the reading thread, written to this thread's logger at its level. */
function relog(logger: Logger, line: string): void {
  const { level, msg, time: _time, ...fields } = JSON.parse(line) as { level: number; msg: string; time?: number };
  const method = level >= 50 ? 'error' : level >= 40 ? 'warn' : level >= 30 ? 'info' : 'debug';
  logger[method](fields, msg);
}
