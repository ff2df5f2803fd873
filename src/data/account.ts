// What a read consumed: files, rows per day, bad rows by reason, rows used. Saved in metadata.json
// so a published model says exactly which data trained it.
import type { Logger } from '../logger.js';
import { BadRowTally, type BadRowSummary } from './bad-rows.js';

export interface FileAccount {
  /** Path relative to the data directory, '/'-separated (the hold-out rule hashes it). */
  path: string;
  day: string;
  /** Data rows read (header excluded), bad ones included. */
  rows: number;
  badRows: number;
  /** Size on disk or in the object store (compressed size for .gz). */
  bytes: number;
}

/** JSON form of an accounting (metadata.json's `data` section). */
export interface DataAccount {
  dataDir: string;
  dates: string[];
  files: FileAccount[];
  /** Rows used per day (bad rows excluded). */
  rowsPerDay: Record<string, number>;
  rowsRead: number;
  badRows: BadRowSummary;
  /** Rows encoded and handed on (rows read minus bad rows). */
  rowsUsed: number;
  /** Set by loadEncoded: rows held out for validation. */
  validRows?: number;
  /** With negative sampling: good rows left out as sampled-out negatives (rowsUsed counts them). */
  sampledOut?: number;
}

export class DataAccounting {
  readonly files: FileAccount[] = [];
  readonly bad: BadRowTally;
  rowsRead = 0;
  validRows: number | undefined;
  sampledOut: number | undefined;

  constructor(
    readonly dataDir: string,
    readonly dates: string[],
    logger?: Logger,
  ) {
    this.bad = new BadRowTally(logger);
  }

  /** Registers a file (its path relative to the data directory) before it is read; the returned record is updated as rows go by. */
  startFile(relPath: string, bytes: number, day: string): FileAccount {
    const f: FileAccount = { path: relPath, day, rows: 0, badRows: 0, bytes };
    this.files.push(f);
    return f;
  }

  get rowsUsed(): number {
    return this.rowsRead - this.bad.total;
  }

  toJSON(): DataAccount {
    const rowsPerDay: Record<string, number> = {};
    for (const d of this.dates) rowsPerDay[d] = 0;
    for (const f of this.files) rowsPerDay[f.day] = (rowsPerDay[f.day] ?? 0) + f.rows - f.badRows;
    return {
      dataDir: this.dataDir,
      dates: [...this.dates],
      files: this.files.map((f) => ({ ...f })),
      rowsPerDay,
      rowsRead: this.rowsRead,
      badRows: this.bad.summary(),
      rowsUsed: this.rowsUsed,
      ...(this.validRows !== undefined ? { validRows: this.validRows } : {}),
      ...(this.sampledOut !== undefined ? { sampledOut: this.sampledOut } : {}),
    };
  }
}
