// The records layer for Parquet: a file's rows as the same string records the CSV reader yields
// (header = the file's columns; null = the empty string, a missing value), so one encoder, one
// bad-row accounting and one shuffle buffer serve both formats. Row numbers stand in for lines.
//
// DuckDB (@duckdb/node-api, its native library inside the npm package) scans the file a vector of
// 2048 rows at a time whatever the row-group size, so memory stays flat; the next vector is
// fetched while this one is converted. Why DuckDB rather than a pure-JS reader, measured: see
// docs/data.md. An s3:// object is first copied to a temporary local file (DuckDB's own S3
// reader, httpfs, is an extension it downloads at run time), one file at a time.
import { DuckDBInstance, type DuckDBConnection, type DuckDBDataChunk, type DuckDBResult, type DuckDBVector } from '@duckdb/node-api';
import { DataError } from '../errors.js';
import type { CsvFile, CsvRecord, RecordChunk } from './csv-reader.js';
import type { LocalCopy, Storage } from './storage/index.js';

/** What a column holds, from its Parquet (DuckDB) type. */
export type ColumnKind = 'string' | 'integer' | 'float' | 'boolean' | 'other';

export interface ParquetFile extends CsvFile {
  /** Column name -> DuckDB type name (e.g. VARCHAR, BIGINT, DOUBLE, BOOLEAN). */
  columnTypes: Map<string, string>;
}

const INTEGER = /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT)$/;
/** Integers JavaScript holds exactly as numbers (wider ones are formatted by DuckDB). */
const SMALL_INTEGER = /^(TINYINT|SMALLINT|INTEGER|UTINYINT|USMALLINT|UINTEGER)$/;

export function columnKind(type: string): ColumnKind {
  if (type === 'VARCHAR') return 'string';
  if (INTEGER.test(type)) return 'integer';
  if (type === 'FLOAT' || type === 'DOUBLE' || type.startsWith('DECIMAL')) return 'float';
  if (type === 'BOOLEAN') return 'boolean';
  return 'other';
}

/**
 * Checks the columns a reader uses against their Parquet types: a categorical feature takes
 * strings, integers or booleans; numeric features, labels and weights take numbers or booleans.
 * A float categorical would hash as '1.0' where a CSV export of the same value says '1'.
 */
export function checkColumnTypes(file: string, types: Map<string, string>, columns: { name: string; role: string }[]): void {
  for (const c of columns) {
    const type = types.get(c.name);
    if (type === undefined) continue; // a missing column is the encoder's message
    const kind = columnKind(type);
    const categorical = c.role.startsWith('categorical feature');
    const ok = categorical ? kind === 'string' || kind === 'integer' || kind === 'boolean' : kind === 'integer' || kind === 'float' || kind === 'boolean';
    if (!ok)
      throw new DataError(
        `column has Parquet type ${type}, which a ${c.role} cannot use: it needs ${categorical ? 'a string, integer or boolean' : 'an integer, floating-point, decimal or boolean'} column. Fix the export's schema or the config`,
        { file, column: c.name },
      );
  }
}

let instance: Promise<DuckDBInstance> | null = null;

/**
 * One in-memory DuckDB for the process (it holds no data: every file is scanned in place). Its
 * external file cache stays off: copies of S3 objects are read at /proc/self/fd/N, one path for
 * one object after another, and no cache keyed by path may answer with a previous object's bytes.
 */
function duckdb(): Promise<DuckDBInstance> {
  instance ??= DuckDBInstance.create(':memory:', {
    enable_external_access: 'true',
    autoinstall_known_extensions: 'false',
    autoload_known_extensions: 'false',
    enable_external_file_cache: 'false',
  });
  return instance;
}

const quoteIdent = (name: string): string => `"${name.replaceAll('"', '""')}"`;
const quoteString = (s: string): string => `'${s.replaceAll("'", "''")}'`;

/** How each column is selected: DuckDB formats what JavaScript numbers cannot hold exactly. */
function selectExpr(name: string, type: string): string {
  const kind = columnKind(type);
  const col = quoteIdent(name);
  if (kind === 'string' || SMALL_INTEGER.test(type)) return col;
  if (kind === 'boolean') return `CAST(${col} AS TINYINT)`;
  if (kind === 'float') return `CAST(${col} AS DOUBLE)`;
  return `CAST(${col} AS VARCHAR)`;
}

function readProblem(path: string, err: unknown): DataError {
  if (err instanceof DataError) return err;
  const message = (err as Error).message ?? String(err);
  return new DataError(`cannot read the Parquet file (${message.split('\n')[0]}); it is damaged or not Parquet: re-export it`, { file: path }, { cause: err });
}

/** Opens a Parquet file (local or s3://) and reads its schema; rows come from chunks(). */
export async function openParquet(path: string, storage: Storage): Promise<ParquetFile> {
  const copy: LocalCopy = await storage.localCopy(path);
  let conn: DuckDBConnection | null = null;
  const close = async (): Promise<void> => {
    conn?.closeSync();
    conn = null;
    await copy.release();
  };
  let header: string[];
  let result: DuckDBResult;
  const columnTypes = new Map<string, string>();
  try {
    conn = await (await duckdb()).connect();
    // hive_partitioning off: DuckDB would otherwise add a column per `key=value` directory of the
    // path (dt from dt=20240101/) and overwrite a file's own column of that name with it, so a
    // local file would read differently from its S3 copy (read from a temporary path) and its CSV.
    const scan = `read_parquet(${quoteString(copy.path)}, hive_partitioning = false)`;
    const described = await conn.runAndReadAll(`DESCRIBE SELECT * FROM ${scan}`);
    const rows = described.getRowObjects() as { column_name: string; column_type: string }[];
    header = rows.map((r) => r.column_name);
    for (const r of rows) columnTypes.set(r.column_name, r.column_type);
    result = await conn.stream(`SELECT ${rows.map((r) => selectExpr(r.column_name, r.column_type)).join(', ')} FROM ${scan}`);
  } catch (err) {
    await close();
    throw readProblem(path, err);
  }
  let rowsRead = 0;
  const strings = header.map(() => new StringColumn());

  async function* chunks(): AsyncGenerator<RecordChunk> {
    // DuckDB decodes the next vector while this one is converted; a fetch still running when the
    // reader stops is awaited before the connection closes under it.
    let next: Promise<DuckDBDataChunk | null> | null = result.fetchChunk();
    try {
      for (;;) {
        const chunk = await next.catch((err: unknown) => {
          throw readProblem(path, err);
        });
        next = null;
        if (chunk === null || chunk.rowCount === 0) return;
        next = result.fetchChunk();
        const n = chunk.rowCount;
        const columns = strings.map((s, j) => s.convert(chunk.getColumnVector(j), n));
        const records: string[][] = new Array(n);
        const lines: number[] = new Array(n);
        const width = columns.length;
        for (let i = 0; i < n; i++) {
          const fields: string[] = new Array(width);
          for (let j = 0; j < width; j++) fields[j] = columns[j]![i]!;
          records[i] = fields;
          lines[i] = ++rowsRead;
        }
        yield { records, lines };
      }
    } finally {
      await next?.catch(() => null);
      await close();
    }
  }
  async function* records(): AsyncGenerator<CsvRecord> {
    for await (const c of chunks()) for (let i = 0; i < c.records.length; i++) yield { file: path, line: c.lines[i]!, fields: c.records[i]! };
  }
  return { path, header, columnTypes, chunks, records, linesRead: () => rowsRead, close };
}

/** The internals of @duckdb/node-api's vectors the fast paths read (each checked before use). */
interface VectorInternals {
  items?: ArrayLike<number>;
  dataView?: DataView;
  validity?: { data?: BigUint64Array | null };
  getItem(i: number): unknown;
}

const SMALL_INTS = Array.from({ length: 1024 }, (_, i) => String(i));
const CACHE_SLOTS = 4096;

/**
 * One column's values as strings, vector by vector. Repeated short strings (most categorical
 * values) come from a direct-mapped cache keyed by their 12 inline bytes instead of being decoded
 * again: about a third of the reader's time on the CTR benchmark.
 */
class StringColumn {
  private out: string[] = [];
  private readonly keys = new Int32Array(CACHE_SLOTS * 4);
  private readonly vals: (string | null)[] = new Array<string | null>(CACHE_SLOTS).fill(null);

  convert(vector: DuckDBVector, n: number): string[] {
    if (this.out.length < n) this.out = new Array<string>(n);
    const out = this.out;
    const v = vector as unknown as VectorInternals;
    const bits = validityWords(v, n);
    const valid = (i: number): boolean => bits === null || (bits[i >>> 5]! & (1 << (i & 31))) !== 0;
    if (v.dataView instanceof DataView && v.dataView.byteLength >= n * 16) this.strings(v, n, valid);
    else if (v.items && typeof v.items.length === 'number') {
      const items = v.items;
      for (let i = 0; i < n; i++) {
        const x = items[i]!;
        out[i] = !valid(i) ? '' : x >= 0 && x < 1024 && x === (x | 0) ? SMALL_INTS[x]! : String(x);
      }
    } else
      for (let i = 0; i < n; i++) {
        const x = v.getItem(i);
        out[i] = x === null || x === undefined ? '' : String(x);
      }
    return out;
  }

  /** VARCHAR: 16 bytes per value, the length then up to 12 bytes inline (else a pointer). */
  private strings(v: VectorInternals, n: number, valid: (i: number) => boolean): void {
    const dv = v.dataView!;
    const words = new Int32Array(dv.buffer, dv.byteOffset, n * 4);
    const bytes = Buffer.from(dv.buffer, dv.byteOffset, n * 16);
    const { keys, vals, out } = this;
    for (let i = 0; i < n; i++) {
      if (!valid(i)) {
        out[i] = '';
        continue;
      }
      const o = i * 4;
      const len = words[o]!;
      if (len > 12) {
        out[i] = v.getItem(i) as string;
        continue;
      }
      const a = words[o + 1]!;
      const b = len > 4 ? words[o + 2]! : 0;
      const c = len > 8 ? words[o + 3]! : 0;
      let h = Math.imul(a ^ Math.imul(b, 0x9e3779b1) ^ Math.imul(c, 0x85ebca6b) ^ len, 0xc2b2ae35);
      h = (h ^ (h >>> 15)) & (CACHE_SLOTS - 1);
      const k = h * 4;
      const hit = vals[h];
      if (hit !== null && keys[k] === len && keys[k + 1] === a && keys[k + 2] === b && keys[k + 3] === c) {
        out[i] = hit!;
        continue;
      }
      const s = bytes.toString('utf8', o * 4 + 4, o * 4 + 4 + len);
      keys[k] = len;
      keys[k + 1] = a;
      keys[k + 2] = b;
      keys[k + 3] = c;
      vals[h] = s;
      out[i] = s;
    }
  }
}

/** The vector's validity mask as 32-bit words, or null when every value is valid. */
function validityWords(v: VectorInternals, n: number): Uint32Array | null {
  const data = v.validity?.data;
  if (data === undefined) {
    // Unknown internals: ask item by item.
    const words = new Uint32Array(Math.ceil(n / 32));
    for (let i = 0; i < n; i++) if (v.getItem(i) !== null) words[i >>> 5]! |= 1 << (i & 31);
    return words;
  }
  return data === null ? null : new Uint32Array(data.buffer, data.byteOffset, Math.ceil(n / 64) * 2);
}
