// Date partitions: which days a run reads, where each day's directory is, and which files it holds.
import { DataError, UsageError } from '../errors.js';
import { localStorage, type Storage, storageFor, type StoredFile } from './storage/index.js';

/** One day of input: its directory, its data files in name order, and the storage they are on. */
export interface Partition {
  date: string;
  dir: string;
  files: StoredFile[];
  storage: Storage;
}

/** What to read: a data directory (a local path or s3://bucket/prefix) and the days in it (oldest first). */
export interface DataSource {
  dataDir: string;
  dates: string[];
  /** A partition must hold a `_SUCCESS` marker (written when its producer finished). */
  requireSuccess?: boolean;
  /** Where dataDir lives; by default local disk, or S3 with the usual AWS configuration for s3:// URLs. */
  storage?: Storage;
}

/** The storage a source's files are on. */
export function sourceStorage(source: DataSource): Storage {
  return source.storage ?? storageFor(source.dataDir);
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
export function sourceForDays(dataDir: string, curDate: string, days: number, requireSuccess = false, storage?: Storage): DataSource {
  return { dataDir, dates: resolveDates(curDate, days), requireSuccess, ...(storage ? { storage } : {}) };
}

/** The file types read: CSV (plain or gzip) and Parquet. */
export const DATA_FILE_PATTERNS = '*.csv, *.csv.gz or *.parquet';

export function isDataFile(name: string): boolean {
  return !name.startsWith('.') && !name.startsWith('_') && (name.endsWith('.csv') || name.endsWith('.csv.gz') || name.endsWith('.parquet'));
}

/** One day's partition: `D/YYYYMMDD/` or `D/dt=YYYYMMDD/`, with every data file directly in it. */
export async function findPartition(dataDir: string, date: string, requireSuccess = false, storage: Storage = localStorage): Promise<Partition> {
  parseYmd(date);
  const dirs = [storage.join(dataDir, date), storage.join(dataDir, `dt=${date}`)];
  const listed = await Promise.all(dirs.map((d) => storage.list(d)));
  const found = dirs.flatMap((dir, i) => (listed[i] ? [{ dir, listing: listed[i]! }] : []));
  if (found.length === 0)
    throw new DataError(
      `missing partition for ${date}: neither ${dirs[0]}/ nor ${dirs[1]}/ exists; check --train-data-dir, --cur-date and --days`,
      { file: dataDir },
    );
  if (found.length > 1)
    throw new DataError(`two partitions for ${date} (${found.map((f) => f.dir).join(' and ')}); keep one of them`, { file: dataDir });
  const { dir, listing } = found[0]!;
  if (requireSuccess && !listing.names.includes('_SUCCESS'))
    throw new DataError(
      `partition has no _SUCCESS marker, so its producer may not have finished; wait for it or drop --require-success`,
      { file: dir },
    );
  const files = listing.files.filter((f) => isDataFile(f.path.slice(f.path.lastIndexOf('/') + 1)));
  if (files.length === 0) throw new DataError(`partition is empty: no ${DATA_FILE_PATTERNS} files`, { file: dir });
  return { date, dir, files, storage };
}

/** Every partition of a source, checked before any row is read so a missing day fails fast. */
export async function findPartitions(source: DataSource): Promise<Partition[]> {
  const storage = sourceStorage(source);
  if ((await storage.list(source.dataDir)) === null)
    throw new DataError(storage.kind === 's3' ? 'no objects under this prefix (or no such bucket)' : `data directory does not exist`, { file: source.dataDir });
  const out: Partition[] = [];
  for (const d of source.dates) out.push(await findPartition(source.dataDir, d, source.requireSuccess ?? false, storage));
  return out;
}
