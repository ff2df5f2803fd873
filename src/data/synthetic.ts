// The synthetic two-task regression data of the MMoE paper (Ma et al., KDD 2018, section 4.1):
// task relatedness is set by the cosine p of the two tasks' weight vectors, so architectures can
// be compared as the tasks drift apart. Pure and seeded: same options -> same bytes.
import { createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { UsageError } from '../errors.js';
import { pearson } from '../metrics/correlation.js';
import { dot, orthonormalVectors, Rng } from '../util/random.js';
import { datesFrom } from './partitions.js';

/** What defines the two tasks; drawn once per dataset and shared by every day. */
export interface SyntheticTaskOptions {
  /** Input dimension d (columns x0..x{d-1}). */
  dim: number;
  /** Cosine p of w1 and w2, in [-1, 1]. */
  correlation: number;
  /** Number m of sinusoids added to each label. */
  sinusoids: number;
  /** Scale c of the weight vectors. */
  scale: number;
  /** Standard deviation of the label noise (the paper's N(0, 0.01) read as a variance: 0.1). */
  noiseStd: number;
  seed: number;
}

export interface SyntheticTasks {
  options: SyntheticTaskOptions;
  /** Orthonormal: |u1| = |u2| = 1, u1.u2 = 0. */
  u1: Float64Array;
  u2: Float64Array;
  /** w1 = c u1, w2 = c (p u1 + sqrt(1 - p^2) u2). */
  w1: Float64Array;
  w2: Float64Array;
  /** Sinusoid frequencies and phases, N(0, 1), shared by both tasks as in the paper. */
  alpha: Float64Array;
  beta: Float64Array;
}

export interface GenerateSyntheticOptions extends SyntheticTaskOptions {
  out: string;
  /** Total rows, spread as evenly as possible over the days. */
  rows: number;
  startDate: string;
  days: number;
  gzip?: boolean;
  /** Overwrite partitions that already hold files. */
  force?: boolean;
}

export interface SyntheticPartition {
  date: string;
  dir: string;
  file: string;
  rows: number;
}

export interface SyntheticSummary {
  partitions: SyntheticPartition[];
  /** Pearson correlation of y1 and y2 over every written row (as written, i.e. rounded). */
  labelPearson: number;
  tasks: SyntheticTasks;
}

export const SYNTHETIC_DEFAULTS = {
  dim: 100,
  sinusoids: 10,
  scale: 1,
  noiseStd: 0.1,
  startDate: '20260101',
  days: 5,
} as const;

/** Where the task definition (u, w, alpha, beta) is recorded next to the partitions. */
export const TASKS_FILE = '_synthetic.json';

/** Significant digits written: enough for the 0.1 label noise, small and fast to parse. */
const DIGITS = 6;

/** A float as it is written: 6 significant digits, no trailing zeros (0.5, -1.23457, 3.1e-7). */
export function round6(v: number): number {
  return Number(v.toPrecision(DIGITS)) + 0; // + 0 turns -0 into 0
}

export function checkSyntheticOptions(o: GenerateSyntheticOptions): void {
  const fail = (flag: string, value: unknown, rule: string): never => {
    throw new UsageError(`${flag} ${String(value)}: ${rule}.`);
  };
  if (!(Math.abs(o.correlation) <= 1)) fail('--correlation', o.correlation, 'must be between -1 and 1 (it is the cosine of w1 and w2)');
  if (!Number.isInteger(o.dim) || o.dim < 2) fail('--dim', o.dim, 'must be an integer >= 2 (u1 and u2 need two orthogonal directions)');
  if (!Number.isInteger(o.sinusoids) || o.sinusoids < 0) fail('--sinusoids', o.sinusoids, 'must be a non-negative integer');
  if (!Number.isFinite(o.scale) || o.scale <= 0) fail('--scale', o.scale, 'must be a positive number');
  if (!Number.isFinite(o.noiseStd) || o.noiseStd < 0) fail('--noise-std', o.noiseStd, 'must be a non-negative number');
  if (!Number.isInteger(o.seed)) fail('--seed', o.seed, 'must be an integer');
  if (!Number.isInteger(o.days) || o.days < 1) fail('--days', o.days, 'must be a positive integer');
  if (!Number.isInteger(o.rows) || o.rows < o.days) fail('--rows', o.rows, `must be an integer >= --days (${o.days}) so every day gets a row`);
}

/** Draws the task definition of a dataset from its seed alone (independent of rows and days). */
export function syntheticTasks(o: SyntheticTaskOptions): SyntheticTasks {
  const rng = new Rng(o.seed).fork(0);
  const [u1, u2] = orthonormalVectors(rng, o.dim, 2) as [Float64Array, Float64Array];
  const p = o.correlation;
  const q = Math.sqrt(Math.max(0, 1 - p * p));
  const w1 = u1.map((v) => o.scale * v);
  const w2 = u1.map((v, i) => o.scale * (p * v + q * u2[i]!));
  const alpha = Float64Array.from({ length: o.sinusoids }, () => rng.normal());
  const beta = Float64Array.from({ length: o.sinusoids }, () => rng.normal());
  // Only what defines the tasks: rows and days change how much is drawn, not what.
  const options = { dim: o.dim, correlation: p, sinusoids: o.sinusoids, scale: o.scale, noiseStd: o.noiseStd, seed: o.seed };
  return { options, u1, u2, w1, w2, alpha, beta };
}

/** y = w.x + sum_k sin(alpha_k w.x + beta_k) + noise. */
export function label(t: SyntheticTasks, w: Float64Array, x: ArrayLike<number>, rng: Rng): number {
  const z = dot(w, x);
  let y = z;
  for (let k = 0; k < t.alpha.length; k++) y += Math.sin(t.alpha[k]! * z + t.beta[k]!);
  return y + t.options.noiseStd * rng.normal();
}

/** Rows of day `day` (0-based) when `rows` are spread over `days`: days differ by one row at most. */
export function rowsOfDay(rows: number, days: number, day: number): number {
  return Math.floor(((day + 1) * rows) / days) - Math.floor((day * rows) / days);
}

export function syntheticHeader(dim: number): string {
  return [...Array.from({ length: dim }, (_, j) => `x${j}`), 'y1', 'y2'].join(',');
}

/**
 * One day's CSV text in chunks of about 1 MiB. Inputs are rounded before the labels are
 * computed, so the written x and y agree exactly with the task definition. Labels land in y1/y2.
 */
function* dayCsv(t: SyntheticTasks, rng: Rng, rows: number, y1: Float64Array, y2: Float64Array, at: number): Generator<string> {
  const dim = t.options.dim;
  const x = new Float64Array(dim);
  let text = `${syntheticHeader(dim)}\n`;
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < dim; j++) {
      x[j] = round6(rng.normal());
      text += `${x[j]},`;
    }
    const a = (y1[at + r] = round6(label(t, t.w1, x, rng)));
    const b = (y2[at + r] = round6(label(t, t.w2, x, rng)));
    text += `${a},${b}\n`;
    if (text.length >= 1 << 20) {
      yield text;
      text = '';
    }
  }
  yield text;
}

/** Refuses, before anything is written, to mix this dataset into files already there (unless forced). */
function checkTargets(out: string, dirs: string[], record: string, force: boolean): void {
  if (force) return;
  for (const dir of dirs)
    if (existsSync(dir) && readdirSync(dir).length > 0)
      throw new UsageError(`partition ${dir} already holds files; remove it or pass --force to overwrite.`);
  // The record may be rewritten as it is (more days of the same dataset), not replaced by another's.
  const path = join(out, TASKS_FILE);
  if (existsSync(path) && readFileSync(path, 'utf8') !== record)
    throw new UsageError(`${path} describes another synthetic dataset (other seed or flags); write to another --out or pass --force.`);
}

/** Empties a partition of this generator's own files, so a stale part file cannot outlive a rerun. */
function clearPartition(dir: string): void {
  if (existsSync(dir)) for (const name of readdirSync(dir)) if (/^part-\d+\.csv(\.gz)?$|^_SUCCESS$/.test(name)) rmSync(join(dir, name));
  mkdirSync(dir, { recursive: true });
}

function tasksRecord(t: SyntheticTasks): string {
  const list = (a: Float64Array) => Array.from(a);
  const { u1, u2, w1, w2, alpha, beta } = t;
  return `${JSON.stringify({ generator: 'mmoe generate synthetic', ...t.options, u1: list(u1), u2: list(u2), w1: list(w1), w2: list(w2), alpha: list(alpha), beta: list(beta) }, null, 1)}\n`;
}

/** Writes D/YYYYMMDD/part-00000.csv[.gz] + _SUCCESS per day and D/_synthetic.json. */
export async function generateSynthetic(o: GenerateSyntheticOptions): Promise<SyntheticSummary> {
  checkSyntheticOptions(o);
  const dates = datesFrom(o.startDate, o.days);
  const tasks = syntheticTasks(o);
  const record = tasksRecord(tasks);
  checkTargets(o.out, dates.map((d) => join(o.out, d)), record, o.force ?? false);
  const root = new Rng(o.seed);
  const y1 = new Float64Array(o.rows);
  const y2 = new Float64Array(o.rows);
  const partitions: SyntheticPartition[] = [];
  let at = 0;
  for (const [day, date] of dates.entries()) {
    const dir = join(o.out, date);
    clearPartition(dir);
    const rows = rowsOfDay(o.rows, o.days, day);
    const file = join(dir, `part-00000.csv${o.gzip ? '.gz' : ''}`);
    // One generator per day, forked from the seed: a day's rows do not depend on earlier days.
    const source = Readable.from(dayCsv(tasks, root.fork(day + 1), rows, y1, y2, at));
    if (o.gzip) await pipeline(source, createGzip({ level: 6 }), createWriteStream(file));
    else await pipeline(source, createWriteStream(file));
    writeFileSync(join(dir, '_SUCCESS'), '');
    partitions.push({ date, dir, file, rows });
    at += rows;
  }
  writeFileSync(join(o.out, TASKS_FILE), record);
  return { partitions, labelPearson: pearson(y1, y2), tasks };
}
