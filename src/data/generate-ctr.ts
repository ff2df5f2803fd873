// Writes synthetic CTR partitions: one directory per day (D/YYYYMMDD/) with part files and a
// _SUCCESS marker. Same options and seed -> the same bytes, gzip included.
import { createWriteStream, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { finished, pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { UsageError } from '../errors.js';
import { Rng } from '../util/random.js';
import { CTR_COLUMNS, CtrWorld } from './ctr-world.js';
import { datesFrom } from './partitions.js';

export interface GenerateCtrOptions {
  out: string;
  startDate: string;
  days: number;
  rowsPerDay: number;
  seed: number;
  gzip?: boolean;
  /** Part files per day (rows split evenly). */
  files?: number;
  /** Overwrite partitions that already hold files. */
  force?: boolean;
  /** Added to every click logit (0 by default; the click rate then depends on the seed, about 14-26%). */
  clickShift?: number;
}

export interface GeneratedPartition {
  date: string;
  dir: string;
  files: string[];
  rows: number;
  clicks: number;
  conversions: number;
}

/** The row generator of day `dayIndex`: independent of other days and of --days. */
export function dayRng(seed: number, dayIndex: number): Rng {
  return new Rng(Math.imul(seed, 0x01000193) ^ Math.imul(dayIndex + 1, 0x9e3779b1));
}

async function writeAll(out: Writable, text: string): Promise<void> {
  if (!out.write(text)) await once(out, 'drain');
}

async function writePart(path: string, gzip: boolean, rows: number, world: CtrWorld, rng: Rng, counts: { clicks: number; conversions: number }): Promise<void> {
  const file = createWriteStream(path);
  const gz = gzip ? createGzip({ level: 6 }) : null;
  const out: Writable = gz ?? file;
  const done = gz ? pipeline(gz, file) : finished(file);
  let text = `${CTR_COLUMNS.join(',')}\n`;
  for (let i = 0; i < rows; i++) {
    const r = world.next(rng);
    counts.clicks += r.fields[0] === '1' ? 1 : 0;
    counts.conversions += r.fields[1] === '1' ? 1 : 0;
    text += `${r.fields.join(',')}\n`;
    if (text.length >= 1 << 20) {
      await writeAll(out, text);
      text = '';
    }
  }
  out.end(text);
  await done;
}

export async function generateCtr(opts: GenerateCtrOptions): Promise<GeneratedPartition[]> {
  const nFiles = opts.files ?? 1;
  if (nFiles < 1 || nFiles > opts.rowsPerDay) throw new UsageError(`--files must be between 1 and --rows-per-day (${opts.rowsPerDay}), got ${nFiles}.`);
  const dates = datesFrom(opts.startDate, opts.days);
  const world = new CtrWorld(opts.seed, opts.clickShift ?? 0);
  const result: GeneratedPartition[] = [];
  for (const [d, date] of dates.entries()) {
    const dir = join(opts.out, date);
    const existing = existsSync(dir) ? readdirSync(dir) : [];
    if (existing.length > 0 && !opts.force)
      throw new UsageError(`partition ${dir} already holds files; remove it or pass --force to overwrite.`);
    // Only what this generator writes is removed, so a stale part file cannot outlive a rerun.
    for (const name of existing) if (/^part-\d+\.csv(\.gz)?$|^_SUCCESS$/.test(name)) rmSync(join(dir, name));
    mkdirSync(dir, { recursive: true });
    const rng = dayRng(opts.seed, d);
    const counts = { clicks: 0, conversions: 0 };
    const files: string[] = [];
    for (let k = 0; k < nFiles; k++) {
      const rows = Math.floor(((k + 1) * opts.rowsPerDay) / nFiles) - Math.floor((k * opts.rowsPerDay) / nFiles);
      const path = join(dir, `part-${String(k).padStart(5, '0')}.csv${opts.gzip ? '.gz' : ''}`);
      await writePart(path, opts.gzip ?? false, rows, world, rng, counts);
      files.push(path);
    }
    writeFileSync(join(dir, '_SUCCESS'), '');
    result.push({ date, dir, files, rows: opts.rowsPerDay, ...counts });
  }
  return result;
}
