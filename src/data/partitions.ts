// Date partitions: which days a run reads, where each day's directory is, and which files it holds.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DataError, UsageError } from '../errors.js';

/** One day of input: its directory and its CSV files in name order. */
export interface Partition {
  date: string;
  dir: string;
  files: string[];
}

/** What to read: a data directory and the days in it (oldest first). */
export interface DataSource {
  dataDir: string;
  dates: string[];
  /** A partition must hold a `_SUCCESS` marker (written when its producer finished). */
  requireSuccess?: boolean;
}

const DAY_MS = 86_400_000;

function parseYmd(date: string): number {
  const ms = /^\d{8}$/.test(date) ? Date.UTC(+date.slice(0, 4), +date.slice(4, 6) - 1, +date.slice(6, 8)) : Number.NaN;
  if (Number.isNaN(ms) || formatYmd(ms) !== date) throw new UsageError(`'${date}' is not a date in YYYYMMDD form.`);
  return ms;
}

function formatYmd(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10).replaceAll('-', '');
}

/** The `days` dates ending at `curDate`, oldest first: (20240102, 2) -> [20240101, 20240102]. */
export function resolveDates(curDate: string, days: number): string[] {
  if (!Number.isInteger(days) || days < 1) throw new UsageError(`days must be a positive integer, got ${days}.`);
  const end = parseYmd(curDate);
  return Array.from({ length: days }, (_, i) => formatYmd(end - (days - 1 - i) * DAY_MS));
}

/** `days` consecutive dates starting at `startDate`. */
export function datesFrom(startDate: string, days: number): string[] {
  const start = parseYmd(startDate);
  return Array.from({ length: days }, (_, i) => formatYmd(start + i * DAY_MS));
}

/** A source over the N days ending at curDate, as the --cur-date/--days flags describe it. */
export function sourceForDays(dataDir: string, curDate: string, days: number, requireSuccess = false): DataSource {
  return { dataDir, dates: resolveDates(curDate, days), requireSuccess };
}

function isDataFile(name: string): boolean {
  return !name.startsWith('.') && !name.startsWith('_') && (name.endsWith('.csv') || name.endsWith('.csv.gz'));
}

/** One day's partition: `D/YYYYMMDD/` or `D/dt=YYYYMMDD/`, with every *.csv and *.csv.gz file. */
export function findPartition(dataDir: string, date: string, requireSuccess = false): Partition {
  parseYmd(date);
  const candidates = [join(dataDir, date), join(dataDir, `dt=${date}`)].filter(
    (d) => existsSync(d) && statSync(d).isDirectory(),
  );
  if (candidates.length === 0)
    throw new DataError(
      `missing partition for ${date}: neither ${join(dataDir, date)}/ nor ${join(dataDir, `dt=${date}`)}/ exists; check --train-data-dir, --cur-date and --days`,
      { file: dataDir },
    );
  if (candidates.length > 1)
    throw new DataError(`two partitions for ${date} (${candidates.join(' and ')}); keep one of them`, { file: dataDir });
  const dir = candidates[0]!;
  const names = readdirSync(dir);
  if (requireSuccess && !names.includes('_SUCCESS'))
    throw new DataError(
      `partition has no _SUCCESS marker, so its producer may not have finished; wait for it or drop --require-success`,
      { file: dir },
    );
  const files = names
    .filter(isDataFile)
    .sort()
    .map((n) => join(dir, n))
    .filter((p) => statSync(p).isFile());
  if (files.length === 0) throw new DataError(`partition is empty: no *.csv or *.csv.gz files`, { file: dir });
  return { date, dir, files };
}

/** Every partition of a source, checked before any row is read so a missing day fails fast. */
export function findPartitions(source: DataSource): Partition[] {
  if (!existsSync(source.dataDir)) throw new DataError(`data directory does not exist`, { file: source.dataDir });
  return source.dates.map((d) => findPartition(source.dataDir, d, source.requireSuccess ?? false));
}
