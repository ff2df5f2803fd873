// How much memory the data of a run may take, and how much it will take: the budget (the
// --memory-budget flag, else half of the memory this process may use), an estimate of the rows in
// a set of files from their sizes (gzip's ratio measured on a prefix of each file), and the error
// a run stops with when the data would not fit. Estimates decide up front; the readers check the
// real sizes while they grow, so a wrong estimate means a clean stop, never unbounded growth.
import { totalmem } from 'node:os';
import { constants, gunzipSync } from 'node:zlib';
import { DataError, UsageError } from '../errors.js';
import type { Partition } from './partitions.js';
import type { Storage } from './storage/index.js';

export interface MemoryBudget {
  bytes: number;
  /** Where it comes from, for messages: `--memory-budget 2G` or the default's reasoning. */
  source: string;
}

const UNITS: Record<string, number> = { K: 2 ** 10, M: 2 ** 20, G: 2 ** 30, T: 2 ** 40 };

/** Bytes as MiB for messages (one decimal below 10 MiB). */
export function mib(bytes: number): string {
  const m = bytes / 2 ** 20;
  return `${m < 10 ? m.toFixed(1) : Math.round(m).toLocaleString('en-US')} MiB`;
}

/** `512M`, `4G`, `1.5G`, `300K`, `2T` (binary units, optional `iB`/`B`); a bare number is MiB. */
export function parseMemorySize(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([KMGT])?(?:i?B)?\s*$/i.exec(text);
  const bytes = m ? Number(m[1]) * (m[2] ? UNITS[m[2].toUpperCase()]! : 2 ** 20) : Number.NaN;
  if (!(bytes >= 2 ** 20)) throw new UsageError(`'${text}' is not a memory size of at least 1 MiB: give e.g. 512M, 4G or 2048 (MiB)`);
  return Math.floor(bytes);
}

/** Half of what this process may use: the cgroup limit when there is one, else the machine's memory. */
export function defaultMemoryBudget(): MemoryBudget {
  const limit = (process as { constrainedMemory?: () => number | undefined }).constrainedMemory?.();
  const total = totalmem();
  const usable = limit && limit > 0 && limit < total ? limit : total;
  return { bytes: Math.floor(usable / 2), source: `the default, half of the ${mib(usable)} ${usable === total ? 'of this machine' : 'this process may use (cgroup limit)'}` };
}

export function memoryBudget(flag: number | undefined): MemoryBudget {
  return flag === undefined ? defaultMemoryBudget() : { bytes: flag, source: `--memory-budget ${mib(flag)}` };
}

/**
 * Why tables holding `held` bytes after `rows` rows cannot grow by `growth` within `budget`, or
 * null when they can (what the readers that keep rows check before each growth).
 */
export function overBudget(held: number, growth: number, rows: number, budget: MemoryBudget): string | null {
  if (held + growth <= budget.bytes) return null;
  return `${mib(held)} held after ${rows.toLocaleString('en-US')} rows, growing to ${mib(held + growth)}, over the memory budget of ${mib(budget.bytes)} (${budget.source})`;
}

/** The data of a run does not fit its memory budget (exit 3: too much input for the budget). */
export class MemoryBudgetError extends DataError {}

const SAMPLE_BYTES = 256 * 1024;

/** The first bytes of a file (through its storage: local disk or an object store's streamed GET). */
async function head(storage: Storage, path: string): Promise<Buffer> {
  const stream = await storage.open(path);
  const parts: Buffer[] = [];
  let got = 0;
  try {
    for await (const chunk of stream) {
      parts.push(chunk as Buffer);
      got += (chunk as Buffer).length;
      if (got >= SAMPLE_BYTES) break;
    }
  } finally {
    stream.destroy();
  }
  return Buffer.concat(parts).subarray(0, SAMPLE_BYTES);
}

/** The sample as text: decompressed when it is gzip (a truncated stream is fine here). */
function text(path: string, raw: Buffer): Buffer {
  if (!path.endsWith('.gz')) return raw;
  try {
    return gunzipSync(raw, { finishFlush: constants.Z_SYNC_FLUSH });
  } catch {
    return raw; // not gzip after all: the reader will say so
  }
}

export interface InputEstimate {
  /** Uncompressed bytes of the CSV files. */
  bytes: number;
  /** Data rows (lines after each header) of the CSV files. */
  rows: number;
  /** Parquet files, which are not estimated (their sizes say little about their rows): the read checks them. */
  unestimated: number;
}

/**
 * Uncompressed bytes and rows of the CSV files of some partitions, from their sizes: each file's
 * compression ratio and bytes per line are measured on its first 256 KiB. Good to tens of
 * percent for files whose rows look alike throughout; the readers check the real numbers.
 */
export async function estimateInput(partitions: Pick<Partition, 'files' | 'storage'>[]): Promise<InputEstimate> {
  let bytes = 0;
  let rows = 0;
  let unestimated = 0;
  for (const p of partitions)
    for (const f of p.files) {
      if (f.path.endsWith('.parquet')) {
        unestimated++;
        continue;
      }
      if (f.bytes === 0) continue;
      const raw = await head(p.storage, f.path);
      const sample = text(f.path, raw);
      const total = f.bytes * (raw.length > 0 ? sample.length / raw.length : 1);
      let lines = 0;
      for (let i = sample.indexOf(10); i >= 0; i = sample.indexOf(10, i + 1)) lines++;
      bytes += total;
      rows += Math.max(0, total / (sample.length / Math.max(1, lines)) - 1);
    }
  return { bytes: Math.round(bytes), rows: Math.round(rows), unestimated };
}
