// The records layer's one entry: a data file of any supported format as a header and chunks of
// string records with their line (CSV) or row (Parquet) numbers, for the one encoder above it.
import { type CsvFile, openCsv } from './csv-reader.js';
import type { Storage } from './storage/index.js';

/** A data file opened for reading records (CSV today; Parquet reads into the same shape). */
export type RecordFile = CsvFile;

export async function openRecords(path: string, storage: Storage): Promise<RecordFile> {
  return openCsv(path, storage);
}
