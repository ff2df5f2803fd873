// Parquet fixtures written by the tests themselves with DuckDB (the library the reader uses; the
// reader is also checked against the same rows as CSV, so a DuckDB writer bug could not hide).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';

/**
 * Writes `csv` (header row; empty cells become nulls) as a Parquet file, each column cast to the
 * DuckDB type given (default VARCHAR), in row groups of `rowGroupSize` rows (DuckDB rounds a group
 * up to its 2048-row vectors). Returns the number of row groups written.
 */
export async function writeParquet(path: string, csv: string, types: Record<string, string> = {}, rowGroupSize = 122_880): Promise<number> {
  const tmp = mkdtempSync(join(tmpdir(), 'mmoe-pq-'));
  try {
    const src = join(tmp, 'src.csv');
    writeFileSync(src, csv);
    const header = csv.slice(0, csv.indexOf('\n')).split(',');
    const cols = header.map((h) => `CAST("${h}" AS ${types[h] ?? 'VARCHAR'}) AS "${h}"`).join(', ');
    const conn = await (await DuckDBInstance.create(':memory:')).connect();
    try {
      await conn.run(`COPY (SELECT ${cols} FROM read_csv('${src}', all_varchar = true, header = true)) TO '${path}' (FORMAT parquet, ROW_GROUP_SIZE ${rowGroupSize})`);
      const groups = await conn.runAndReadAll(`SELECT count(*) AS n FROM parquet_metadata('${path}') WHERE column_id = 0`);
      return Number((groups.getRowObjects()[0] as { n: bigint }).n);
    } finally {
      conn.closeSync();
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
