// The records layer's one entry: a data file of any supported format as a header and chunks of
// string records with their line (CSV) or row (Parquet) numbers, for the one encoder above it.
import { type CsvFile, openCsv } from './csv-reader.js';
import { checkColumnTypes, openParquet } from './parquet-reader.js';
import type { Storage } from './storage/index.js';

/** A data file opened for reading records; typed formats also say each column's type. */
export interface RecordFile extends CsvFile {
  /** Column name -> type name, for formats that have types (Parquet). */
  columnTypes?: Map<string, string>;
}

export function openRecords(path: string, storage: Storage): Promise<RecordFile> {
  return path.endsWith('.parquet') ? openParquet(path, storage) : openCsv(path, storage);
}

/** A typed file's columns must suit what reads them (a numeric feature cannot be a string column). */
export function checkRecordTypes(file: RecordFile, columns: { name: string; role: string }[]): void {
  if (file.columnTypes) checkColumnTypes(file.path, file.columnTypes, columns);
}
