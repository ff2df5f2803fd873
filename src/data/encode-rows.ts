// The streaming core every reader shares: partitions -> files -> records -> encoded row blocks,
// with bad rows counted and skipped under the maxBadRows policy and every file accounted for.
import { InterruptedError } from '../errors.js';
import type { Logger } from '../logger.js';
import { type FileAccount, DataAccounting } from './account.js';
import { DEFAULT_MAX_BAD_ROWS } from './bad-rows.js';
import { Encoder, type EncoderOptions, type FileEncoder, type RowTarget } from './encoder.js';
import type { FeatureSpec } from './feature-spec.js';
import { type DataSource, findPartitions, type Partition } from './partitions.js';
import { keepsNegative, type NegativeSampling, samplingFileKey } from './negative-sampling.js';
import type { RecordChunk } from './fast-lines.js';
import { checkRecordTypes, openRecords } from './records.js';

export interface ReadOptions {
  /** Share of bad rows tolerated over the rows read (default 0.001); checked after every file. */
  maxBadRows?: number;
  /** Bad-row examples are logged here as warnings. */
  logger?: Logger;
  /** Accounting to fill; a fresh one is made when absent. */
  account?: DataAccounting;
  encoder?: EncoderOptions;
  /** Read these partitions instead of finding the source's day directories (e.g. one --input file). */
  partitions?: Partition[];
  /** Blocks also carry each numeric's untransformed float64 value (`raw`), for statistics. */
  rawNumerics?: boolean;
  /** Drop the negatives of a task but a deterministic share (training reads; negative-sampling.ts). */
  negativeSampling?: NegativeSampling;
  /** Checked before every chunk: an aborted read stops there with InterruptedError (Ctrl-C, SIGTERM). */
  signal?: AbortSignal;
}

/** Encoded rows from one chunk of one file. Its arrays are reused: copy rows out before the next. */
export interface RowBlock extends RowTarget {
  size: number;
  file: FileAccount;
  /** Position of `file` in the accounting's file list. */
  fileIndex: number;
  /** Untransformed float64 numerics when the read asked for them (rawNumerics), else null. */
  raw: Float64Array | null;
  /** Physical line of each row. */
  lines: Int32Array;
  /** The file's header, the chunk's raw records, and which record each row came from. */
  header: string[];
  /** Made on first use for a typed file (Parquet): read it before asking for the next block. */
  readonly records: string[][];
  recordIndex: Int32Array;
}

class GrowableBlock implements RowBlock {
  size = 0;
  cat = new Int32Array(0);
  num = new Float32Array(0);
  labels = new Float32Array(0);
  weights: Float32Array | null = null;
  raw: Float64Array | null = null;
  lines = new Int32Array(0);
  header: string[] = [];
  chunk: RecordChunk = { records: [], lines: [] };
  recordIndex = new Int32Array(0);
  file!: FileAccount;
  fileIndex = 0;

  constructor(
    private readonly enc: Encoder,
    private readonly withRaw: boolean,
  ) {}

  get records(): string[][] {
    return this.chunk.records;
  }

  ensure(rows: number): void {
    if (this.lines.length >= rows) return;
    const cap = Math.max(rows, this.lines.length * 2, 256);
    this.cat = new Int32Array(cap * this.enc.nCat);
    this.num = new Float32Array(cap * this.enc.nNum);
    this.labels = new Float32Array(cap * this.enc.nTasks);
    this.weights = this.enc.weighted ? new Float32Array(cap) : null;
    this.raw = this.withRaw ? new Float64Array(cap * this.enc.nNum) : null;
    this.lines = new Int32Array(cap);
    this.recordIndex = new Int32Array(cap);
  }
}

export function newAccounting(source: DataSource, logger?: Logger): DataAccounting {
  return new DataAccounting(source.dataDir, source.dates, logger);
}

/**
 * Streams the encoded rows of every file of every partition, in date then file-name order.
 * Throws DataError for a missing partition, a structural problem, or too many bad rows, and
 * InterruptedError at the next chunk once `signal` is aborted.
 */
export async function* encodeRows(spec: FeatureSpec, source: DataSource, opts: ReadOptions = {}): AsyncGenerator<RowBlock> {
  const partitions = opts.partitions ?? (await findPartitions(source));
  const account = opts.account ?? newAccounting(source, opts.logger);
  const maxBadRows = opts.maxBadRows ?? DEFAULT_MAX_BAD_ROWS;
  const encoder = new Encoder(spec, opts.encoder);
  const block = new GrowableBlock(encoder, opts.rawNumerics ?? false);
  const bad = account.bad;
  const sampling = opts.negativeSampling;
  if (sampling) account.sampledOut ??= 0;
  const labelStride = encoder.nTasks;
  for (const p of partitions) {
    for (const { path, bytes } of p.files) {
      const fa = account.startFile(p.storage.relative(source.dataDir, path), bytes, p.date);
      block.file = fa;
      block.fileIndex = account.files.length - 1;
      const csv = await openRecords(path, p.storage);
      let fe: FileEncoder;
      try {
        fe = encoder.forFile(path, csv.header);
        checkRecordTypes(csv, encoder.columns());
      } catch (err) {
        await csv.close();
        throw err;
      }
      block.header = csv.header;
      const sampleKey = sampling ? samplingFileKey(fa.path, sampling.seed) : 0;
      // A consumer that stops early (Ctrl-C, an error, a break) must not leave the file open.
      try {
        for await (const chunk of csv.chunks()) {
          if (opts.signal?.aborted) throw new InterruptedError(`interrupted while reading ${path}`);
          const { lines, columns } = chunk;
          // A typed chunk is encoded from its columns; its string records are made only if asked for.
          const records = columns ? null : chunk.records;
          const n = columns ? columns.size : records!.length;
          if (columns) fe.bindColumns(columns);
          block.ensure(n);
          let k = 0;
          for (let i = 0; i < n; i++) {
            const reason = records === null ? fe.encodeColumns(i, block, k) : fe.encode(records[i]!, block, k);
            if (reason === null) {
              if (sampling && block.labels[k * labelStride + sampling.task] === 0 && !keepsNegative(sampleKey, lines[i]!, sampling.rate)) {
                account.sampledOut!++;
                continue;
              }
              block.recordIndex[k] = i;
              block.lines[k++] = lines[i]!;
              continue;
            }
            fa.badRows++;
            bad.add(reason, () => ({
              file: path,
              line: lines[i]!,
              ...(fe.badColumn ? { column: fe.badColumn, value: fe.badValue } : {}),
              ...(fe.badDetail ? { detail: fe.badDetail } : {}),
            }));
          }
          encoder.reviewCaches(n);
          fa.rows += n;
          account.rowsRead += n;
          block.size = k;
          block.chunk = chunk;
          if (k > 0) yield block;
        }
      } finally {
        await csv.close();
      }
      opts.logger?.debug({ file: fa.path, rows: fa.rows, badRows: fa.badRows }, 'file read');
      bad.check(account.rowsRead, maxBadRows);
    }
  }
}
