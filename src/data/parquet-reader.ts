// The records layer for Parquet: a file's rows as typed columns (parquet-columns.ts) that the
// encoder reads directly, and as the same string records the CSV reader yields for readers that
// want text (header = the file's columns; null = the empty string, a missing value), so one
// encoder, one bad-row accounting and one shuffle buffer serve both formats. Row numbers stand in
// for lines.
//
// DuckDB (@duckdb/node-api, its native library inside the npm package) scans the file a vector of
// 2048 rows at a time whatever the row-group size, so memory stays flat; the next vector is
// fetched while this one is read. Why DuckDB rather than a pure-JS reader, measured: see
// docs/data.md. An s3:// object is first copied to a temporary local file (DuckDB's own S3
// reader, httpfs, is an extension it downloads at run time), one file at a time.
import { DuckDBInstance, type DuckDBConnection, type DuckDBDataChunk, type DuckDBResult } from '@duckdb/node-api';
import { DataError } from '../errors.js';
import type { CsvFile, CsvRecord, RecordChunk } from './csv-reader.js';
import { parquetColumns, type VectorKind } from './parquet-columns.js';
import type { LocalCopy, Storage } from './storage/index.js';
import { recordsOf } from './typed-columns.js';

/** What a column holds, from its Parquet (DuckDB) type. */
export type ColumnKind = 'string' | 'integer' | 'float' | 'boolean' | 'other';

export interface ParquetFile extends CsvFile {
  /** Column name -> DuckDB type name (e.g. VARCHAR, BIGINT, DOUBLE, BOOLEAN). */
  columnTypes: Map<string, string>;
}

const INTEGER = /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT)$/;
/** Integers JavaScript holds exactly as numbers (wider ones are formatted by DuckDB). */
const SMALL_INTEGER = /^(TINYINT|SMALLINT|INTEGER|UTINYINT|USMALLINT|UINTEGER)$/;

/** DECIMAL(p,s): an id column when s is 0 (Snowflake unloads NUMBER(38,0) ids this way). */
const DECIMAL = /^DECIMAL\((\d+),(\d+)\)$/;

export function columnKind(type: string): ColumnKind {
  if (type === 'VARCHAR') return 'string';
  if (INTEGER.test(type) || DECIMAL.exec(type)?.[2] === '0') return 'integer';
  if (type === 'FLOAT' || type === 'DOUBLE' || type.startsWith('DECIMAL')) return 'float';
  if (type === 'BOOLEAN') return 'boolean';
  return 'other';
}

/**
 * Checks the columns a reader uses against their Parquet types: a categorical feature takes
 * strings, integers (decimals of scale 0 included) or booleans; numeric features, labels and
 * weights take numbers or booleans. A float categorical would hash as '1.0' where a CSV export of
 * the same value says '1'. A BLOB (Parquet BINARY without the string annotation) is refused for
 * categoricals: DuckDB's cast to text escapes every non-ASCII byte (`h\xC3\xA9` for `hé`), and
 * its UTF-8 decoding stops the whole scan at an invalid value without naming it (docs/data.md).
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
        `column has Parquet type ${type}, which a ${c.role} cannot use: it needs ${categorical ? 'a string, integer or boolean' : 'an integer, floating-point, decimal or boolean'} column. ${categorical && type === 'BLOB' ? BLOB_ADVICE : "Fix the export's schema or the config"}`,
        { file, column: c.name },
      );
  }
}

const BLOB_ADVICE =
  'A BLOB is Parquet BINARY without the string (UTF8) annotation, as older Hive and Impala writers store strings: write the column as a string ' +
  '(Impala: SET PARQUET_ANNOTATE_STRINGS_UTF8=true before writing; Spark: read the files with spark.sql.parquet.binaryAsString=true and write them again)';

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

/**
 * How each column is selected and how it then arrives: numbers JavaScript holds exactly come as
 * they are; booleans as 0/1; decimals of scale 0 as integers (an id's digits, all of them); other
 * decimals of at most 15 digits as doubles (the unscaled value and 10^scale are exact: one
 * rounding); wider ones and integers, and other types, as DuckDB's text.
 */
function selectExpr(name: string, type: string): { expr: string; kind: VectorKind } {
  const kind = columnKind(type);
  const col = quoteIdent(name);
  const decimal = DECIMAL.exec(type);
  if (kind === 'string') return { expr: col, kind: 'text' };
  if (SMALL_INTEGER.test(type)) return { expr: col, kind: 'int' };
  if (type === 'BIGINT') return { expr: col, kind: 'int64' };
  if (type === 'UBIGINT') return { expr: col, kind: 'uint64' };
  if (decimal?.[2] === '0') return Number(decimal[1]) <= 18 ? { expr: `CAST(${col} AS BIGINT)`, kind: 'int64' } : { expr: `CAST(${col} AS HUGEINT)`, kind: 'int128' };
  if (kind === 'boolean') return { expr: `CAST(${col} AS TINYINT)`, kind: 'boolean' };
  if (type === 'FLOAT') return { expr: col, kind: 'float32' };
  if (type === 'DOUBLE' || Number(decimal?.[1] ?? 99) <= 15) return { expr: `CAST(${col} AS DOUBLE)`, kind: 'double' };
  if (kind === 'float') return { expr: `CAST(${col} AS VARCHAR)`, kind: 'decimal-text' };
  return { expr: `CAST(${col} AS VARCHAR)`, kind: 'text' };
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
  let selects: { expr: string; kind: VectorKind }[];
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
    selects = rows.map((r) => selectExpr(r.column_name, r.column_type));
    result = await conn.stream(`SELECT ${selects.map((c) => c.expr).join(', ')} FROM ${scan}`);
  } catch (err) {
    await close();
    throw readProblem(path, err);
  }
  let rowsRead = 0;
  const columns = parquetColumns(selects.map((c) => c.kind));
  const width = header.length;

  async function* chunks(): AsyncGenerator<RecordChunk> {
    // DuckDB decodes the next vector while this one is read; a fetch still running when the
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
        columns.set(chunk);
        const lines: number[] = new Array(n);
        for (let i = 0; i < n; i++) lines[i] = ++rowsRead;
        // String records only for readers that ask (--keep, --group-by, statistics); the encoder
        // reads the typed columns.
        let records: string[][] | null = null;
        yield {
          lines,
          columns,
          get records(): string[][] {
            if (records === null && columns.chunk !== chunk) throw new Error('records of a Parquet chunk asked for after the next chunk was read');
            return (records ??= recordsOf(columns, width));
          },
        };
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
