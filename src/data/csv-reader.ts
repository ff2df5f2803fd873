// The records layer: one CSV file (plain or gzip) as a stream of string records with their
// physical line numbers. Everything above it (encoder, stats, predict) starts from here.
//
// Quote-free bytes are split directly (fast-lines.ts, several times faster than csv-parse and
// exact); from the first chunk it cannot vouch for, the rest of the file goes to csv-parse.
// csv-parse is fed the chunks directly rather than piped as a Transform stream: it parses the same
// bytes ~5% faster (bench/consumer.ts measures both) and lets us read the parser's line counter at
// each record, which the stream API only offers through a per-record object.
import { pipeline, type Readable, Transform, type TransformCallback } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { Parser, type CsvError } from 'csv-parse';
import { DataError } from '../errors.js';
import { FastLines, isBlankRecord, type HandOver, type RecordChunk } from './fast-lines.js';
import { localStorage, type Storage } from './storage/index.js';
import { Utf8Guard } from './utf8-guard.js';

export type { RecordChunk } from './fast-lines.js';

/** One data record: 1-based physical line (the header is line 1) and its fields. */
export interface CsvRecord {
  file: string;
  line: number;
  fields: string[];
}

export interface CsvFile {
  path: string;
  header: string[];
  /** Data records after the header, a chunk at a time (the fast path). */
  chunks(): AsyncGenerator<RecordChunk>;
  /** Data records one by one (convenient, slower). */
  records(): AsyncGenerator<CsvRecord>;
  /** Physical lines read so far. */
  linesRead(): number;
  /** Releases the file when its records will not be read to the end. */
  close(): Promise<void>;
}

/**
 * Bytes a single record may span before we call it an unclosed quote swallowing the file and stop
 * rather than buffer it. Checked per chunk: csv-parse's own max_record_size costs a test per byte.
 */
const MAX_RECORD_BYTES = 8 << 20;
const CHUNK_BYTES = 1 << 16;

/** csv-parse, its records landing in arrays with the parser's line counter at each record. */
class CollectingParser extends Parser {
  records: string[][] = [];
  lines: number[] = [];

  constructor(start: Omit<HandOver, 'bytes'>) {
    super({
      bom: start.bom,
      record_delimiter: start.recordDelimiter,
      // Blank lines carry no row; a stray one is not worth a bad-row count.
      skip_empty_lines: true,
      // Field-count mismatches reach the encoder, which counts them as bad rows.
      relax_column_count: true,
      // A quote inside an unquoted field is data (as most CSV readers take it). csv-parse cannot
      // resume reliably after a quoting error, so the errors left are structural.
      relax_quotes: true,
    });
    // Counting from the line it starts at makes every line it reports (records, errors and its
    // own messages) a line of the file.
    (this.info as { lines: number }).lines = start.firstLine;
  }

  override push(record: unknown): boolean {
    if (record !== null && !isBlankRecord(record as string[])) {
      this.records.push(record as string[]);
      this.lines.push(this.info.lines);
    }
    return true;
  }

  /** Parses one chunk (or the end when buf is undefined); throws csv-parse's error. */
  parse(buf: Buffer | undefined): void {
    let failure: Error | null | undefined;
    const done = (err?: Error | null): void => {
      failure = err;
    };
    if (buf === undefined) this._flush(done);
    else this._transform(buf, 'binary', done);
    if (failure) throw failure;
  }

  /** Hands over the records parsed since the last call. */
  collected(): RecordChunk {
    const chunk = { records: this.records, lines: this.lines };
    this.records = [];
    this.lines = [];
    return chunk;
  }
}

/**
 * One file's bytes, chunk by chunk, as records: split by FastLines while it can vouch for them,
 * by csv-parse from the first chunk it cannot. `fastPath: false` uses csv-parse throughout (the
 * reference the tests compare against).
 */
export class ChunkParser {
  private fast: FastLines | null = null;
  private slow: CollectingParser | null = null;
  /** Bytes fed since the last record ended (and whether they hold a quote), and that record's line. */
  private pendingBytes = 0;
  private pendingQuote = false;
  private lastRecordLine = 0;

  constructor(
    private readonly file: string,
    options: { fastPath?: boolean } = {},
  ) {
    if (options.fastPath === false) this.slow = new CollectingParser({ bom: true, firstLine: 1, recordDelimiter: undefined });
    else this.fast = new FastLines();
  }

  /** Whether csv-parse has taken over. */
  get usesCsvParse(): boolean {
    return this.slow !== null;
  }

  /** Parses one chunk (or the end when buf is undefined) and hands over what it produced. */
  feed(buf: Buffer | undefined): RecordChunk {
    let chunk: RecordChunk;
    try {
      chunk = this.parse(buf);
    } catch (err) {
      throw this.syntaxError(err as CsvError & { lines?: number });
    }
    if (chunk.lines.length > 0) {
      this.pendingBytes = 0;
      // A quote in this chunk may open the record still pending (which bytes follow the last
      // record is not known here): counted, so an unclosed quote is never misnamed.
      this.pendingQuote = buf !== undefined && buf.includes(0x22);
      this.lastRecordLine = chunk.lines[chunk.lines.length - 1]!;
    } else {
      this.pendingBytes += buf?.length ?? 0;
      this.pendingQuote ||= buf !== undefined && buf.includes(0x22);
      if (this.pendingBytes > MAX_RECORD_BYTES)
        throw new DataError(
          this.pendingQuote
            ? `a record spans more than ${MAX_RECORD_BYTES >> 20} MiB: a quoted field is probably never closed; fix the quoting in the file`
            : `a line runs on for more than ${MAX_RECORD_BYTES >> 20} MiB without a line break (and without a quote): the file is not line-delimited CSV or is damaged; check how it was written`,
          { file: this.file, line: this.lastRecordLine + 1 },
        );
    }
    return chunk;
  }

  private parse(buf: Buffer | undefined): RecordChunk {
    if (this.fast !== null) {
      const chunk = this.fast.feed(buf);
      if (chunk !== null) return chunk;
      const { bytes, ...start } = this.fast.handOver();
      this.fast = null;
      this.slow = new CollectingParser(start);
      this.slow.parse(bytes); // buf is in bytes already
      if (buf !== undefined) return this.slow.collected();
    }
    this.slow!.parse(buf);
    return this.slow!.collected();
  }

  private syntaxError(e: CsvError & { lines?: number }): DataError {
    const lines = this.slow?.lines ?? [];
    if (e.code === 'CSV_QUOTE_NOT_CLOSED') {
      // csv-parse reports the end of the file; the quote opened in the record after the last
      // complete one (this chunk's records are not yet in lastRecordLine).
      const lastRecord = lines.length > 0 ? lines[lines.length - 1]! : this.lastRecordLine;
      return new DataError(
        `a quoted field opened in the record starting at this line is never closed (the file ends inside it, at line ${e.lines ?? this.slow?.info.lines}); fix the quoting in the file`,
        { file: this.file, line: lastRecord + 1 },
        { cause: e },
      );
    }
    return new DataError(`CSV syntax error (${e.message}); fix the quoting in the file`, { file: this.file, line: e.lines ?? this.slow?.info.lines }, { cause: e });
  }
}

/** Passes bytes on once the first two are gzip's magic bytes. */
class GzipMagic extends Transform {
  private checked = false;

  constructor(private readonly path: string) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    if (!this.checked) {
      this.checked = true;
      if (chunk.length < 2 || chunk[0] !== 0x1f || chunk[1] !== 0x8b) return done(notGzip(this.path));
    }
    done(null, chunk);
  }

  override _flush(done: TransformCallback): void {
    done(this.checked ? null : notGzip(this.path));
  }
}

function notGzip(path: string): DataError {
  return new DataError(`file name ends in .gz but the file is not gzip-compressed (no gzip magic bytes); rename it to .csv or compress it`, { file: path });
}

async function openBytes(path: string, storage: Storage): Promise<Readable> {
  const raw = await storage.open(path);
  if (!path.endsWith('.gz')) return raw;
  return pipeline(raw, new GzipMagic(path), createGunzip({ chunkSize: CHUNK_BYTES }), () => {});
}

function gzipProblem(path: string, err: NodeJS.ErrnoException, line: number): DataError {
  const truncated = err.code === 'Z_BUF_ERROR';
  return new DataError(
    truncated
      ? `gzip stream is truncated (the file was cut off while being written or copied); data stops within this line. Re-copy or regenerate the file`
      : `gzip data is corrupt (${err.message}); re-copy or regenerate the file`,
    { file: path, line },
    { cause: err },
  );
}

/** Parses a file into record chunks, header included as the first record. */
async function* parseFile(path: string, storage: Storage): AsyncGenerator<RecordChunk> {
  const guard = new Utf8Guard();
  const parser = new ChunkParser(path);
  const utf8Error = (p: { line: number; bytes: string }): DataError =>
    new DataError(`invalid UTF-8 (bytes ${p.bytes}); the file must be UTF-8 encoded, re-export it as UTF-8`, { file: path, line: p.line });
  const stream = await openBytes(path, storage);
  try {
    for await (const buf of stream) {
      const bad = guard.check(buf as Buffer);
      if (bad) throw utf8Error(bad);
      yield parser.feed(buf as Buffer);
    }
  } catch (err) {
    if (err instanceof DataError) throw err;
    const e = err as NodeJS.ErrnoException;
    if (path.endsWith('.gz') && e.code?.startsWith('Z_')) throw gzipProblem(path, e, guard.newlines + 1);
    throw new DataError(`cannot read file: ${e.code ?? e.message}`, { file: path }, { cause: err });
  } finally {
    stream.destroy();
  }
  const bad = guard.end();
  if (bad) throw utf8Error(bad);
  yield parser.feed(undefined);
}

/** Opens a CSV file and reads up to its header row (required). */
export async function openCsv(path: string, storage: Storage = localStorage): Promise<CsvFile> {
  const source = parseFile(path, storage);
  let first: RecordChunk | undefined;
  let lines = 0;
  for (;;) {
    const r = await source.next();
    if (r.done) throw new DataError(`file is empty: a header row is required`, { file: path });
    if (r.value.records.length > 0) {
      first = r.value;
      break;
    }
  }
  const header = first.records[0]!.map((h) => h.trim());
  const rest: RecordChunk = { records: first.records.slice(1), lines: first.lines.slice(1) };
  lines = first.lines[0]!;

  async function* chunks(): AsyncGenerator<RecordChunk> {
    if (rest.records.length > 0) yield rest;
    if (rest.lines.length > 0) lines = rest.lines[rest.lines.length - 1]!;
    for await (const c of source) {
      if (c.lines.length > 0) lines = c.lines[c.lines.length - 1]!;
      yield c;
    }
  }
  async function* records(): AsyncGenerator<CsvRecord> {
    for await (const c of chunks()) for (let i = 0; i < c.records.length; i++) yield { file: path, line: c.lines[i]!, fields: c.records[i]! };
  }
  const close = async (): Promise<void> => {
    await source.return(undefined);
  };
  return { path, header, chunks, records, linesRead: () => lines, close };
}
