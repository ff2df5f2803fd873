// `mmoe data stats`: one pass over the same partitions and bad-row policy as training, reporting
// rows per day, bad rows, labels, hashing collisions, numeric summaries and task relatedness.
import { spearman } from '../metrics/correlation.js';
import { Rng } from '../util/random.js';
import type { BadRowSummary } from './bad-rows.js';
import { DistinctCounter } from './distinct.js';
import { encodeRows, newAccounting, type ReadOptions } from './encode-rows.js';
import type { FeatureSpec } from './feature-spec.js';
import { NumericAccumulator } from './numeric-stats.js';
import type { DataSource } from './partitions.js';
import { CoMoments } from './co-moments.js';

export interface StatsOptions extends ReadOptions {
  /** Rows kept (reservoir sample) for Spearman correlation. */
  sampleSize?: number;
  seed?: number;
  /** Distinct values counted exactly per field before switching to a HyperLogLog estimate. */
  distinctCap?: number;
}

export interface DataStats {
  source: { dataDir: string; dates: string[]; files: number };
  rows: { read: number; used: number; bad: number };
  days: { date: string; files: number; rowsRead: number; badRows: number; rowsUsed: number }[];
  badRows: BadRowSummary;
  tasks: { name: string; label: string; type: 'binary' | 'regression'; rows: number; positiveRate?: number; mean: number; std: number; min: number; max: number }[];
  categorical: {
    name: string;
    buckets: number;
    /** Rows whose value was empty (they use the reserved bucket, not counted below). */
    empty: number;
    distinctValues: number;
    /** False when distinctValues is a HyperLogLog estimate (more than distinctCap values). */
    distinctExact: boolean;
    bucketsUsed: number;
    /** Buckets n distinct values occupy on average when hashed at random: B(1 - (1 - 1/B)^n). */
    expectedBucketsUsed: number;
    /** Share of distinct values that landed in a bucket another value already used: 1 - bucketsUsed/distinct. */
    collisionRate: number;
    expectedCollisionRate: number;
  }[];
  numeric: { name: string; transform: string; rows: number; missing: number; mean: number; std: number; min: number; max: number }[];
  relatedness: {
    rows: number;
    spearmanSample: { rows: number; sampled: boolean; seed: number };
    pairs: { a: string; b: string; pearson: number; spearman: number }[];
  };
}

/** The spec read raw: numerics untransformed (statistics need not be known), labels untransformed. */
function rawSpec(spec: FeatureSpec): FeatureSpec {
  return {
    ...spec,
    numeric: spec.numeric.map((n) => ({ ...n, transform: 'none' as const })),
    tasks: spec.tasks.map((t) => ({ ...t, labelTransform: 'none' as const })),
  };
}

const finiteOrNaN = (x: number): number => (Number.isFinite(x) ? x : Number.NaN);

export async function collectStats(spec: FeatureSpec, source: DataSource, opts: StatsOptions = {}): Promise<DataStats> {
  const account = opts.account ?? newAccounting(source, opts.logger);
  const sampleSize = opts.sampleSize ?? 100_000;
  const seed = opts.seed ?? 0;
  const cats = spec.categorical;
  const nCat = cats.length;
  const nNum = spec.numeric.length;
  const nTasks = spec.tasks.length;
  const distinct = cats.map(() => new DistinctCounter(opts.distinctCap));
  const used = cats.map((c) => new Uint8Array(c.buckets + 1));
  const empty = new Float64Array(nCat);
  const numAcc = spec.numeric.map(() => new NumericAccumulator());
  const missing = new Float64Array(nNum);
  const labelAcc = spec.tasks.map(() => new NumericAccumulator());
  const co = new CoMoments(nTasks);
  const rng = new Rng(seed);
  const sample = new Float64Array(sampleSize * nTasks);
  const y = new Float64Array(nTasks);
  let seen = 0;
  let header: string[] | null = null;
  let catCols: number[] = [];
  let numCols: number[] = [];

  for await (const b of encodeRows(rawSpec(spec), source, { ...opts, account, rawNumerics: true })) {
    if (b.header !== header) {
      header = b.header;
      catCols = cats.map((c) => header!.indexOf(c.column));
      numCols = spec.numeric.map((n) => header!.indexOf(n.column));
    }
    for (let r = 0; r < b.size; r++) {
      const fields = b.records[b.recordIndex[r]!]!;
      for (let i = 0; i < nCat; i++) {
        const v = fields[catCols[i]!]!;
        if (v === '') empty[i]!++;
        else {
          distinct[i]!.add(v);
          used[i]![b.cat[r * nCat + i]!] = 1;
        }
      }
      for (let i = 0; i < nNum; i++) {
        if (fields[numCols[i]!]!.trim() === '') missing[i]!++;
        else numAcc[i]!.add(b.raw![r * nNum + i]!);
      }
      for (let t = 0; t < nTasks; t++) labelAcc[t]!.add((y[t] = b.labels[r * nTasks + t]!));
      co.add(y);
      // Reservoir sampling (Algorithm R): every row has the same chance to be in the sample.
      const slot = seen < sampleSize ? seen : rng.int(seen + 1);
      if (slot < sampleSize) sample.set(y, slot * nTasks);
      seen++;
    }
  }

  const acc = account.toJSON();
  const kept = Math.min(seen, sampleSize);
  const column = (t: number): Float64Array => Float64Array.from({ length: kept }, (_, i) => sample[i * nTasks + t]!);
  const pairs: DataStats['relatedness']['pairs'] = [];
  for (let a = 0; a < nTasks; a++)
    for (let c = a + 1; c < nTasks; c++)
      pairs.push({ a: spec.tasks[a]!.name, b: spec.tasks[c]!.name, pearson: co.pearson(a, c), spearman: spearman(column(a), column(c)) });

  return {
    source: { dataDir: source.dataDir, dates: [...source.dates], files: acc.files.length },
    rows: { read: acc.rowsRead, used: acc.rowsUsed, bad: acc.badRows.total },
    days: source.dates.map((date) => {
      const files = acc.files.filter((f) => f.day === date);
      const rowsRead = files.reduce((s, f) => s + f.rows, 0);
      const badRows = files.reduce((s, f) => s + f.badRows, 0);
      return { date, files: files.length, rowsRead, badRows, rowsUsed: rowsRead - badRows };
    }),
    badRows: acc.badRows,
    tasks: spec.tasks.map((t, i) => {
      const a = labelAcc[i]!;
      return {
        name: t.name,
        label: t.label,
        type: t.type,
        rows: a.count,
        ...(t.type === 'binary' ? { positiveRate: finiteOrNaN(a.mean) } : {}),
        mean: finiteOrNaN(a.mean),
        std: finiteOrNaN(a.std),
        min: finiteOrNaN(a.min),
        max: finiteOrNaN(a.max),
      };
    }),
    categorical: cats.map((c, i) => {
      const n = distinct[i]!.count();
      const bucketsUsed = used[i]!.reduce((s, x) => s + x, 0);
      const expected = -c.buckets * Math.expm1(n * Math.log1p(-1 / c.buckets));
      return {
        name: c.name,
        buckets: c.buckets,
        empty: empty[i]!,
        distinctValues: n,
        distinctExact: distinct[i]!.isExact,
        bucketsUsed,
        expectedBucketsUsed: expected,
        collisionRate: n > 0 ? Math.max(0, 1 - bucketsUsed / n) : 0,
        expectedCollisionRate: n > 0 ? 1 - expected / n : 0,
      };
    }),
    numeric: spec.numeric.map((n, i) => {
      const a = numAcc[i]!;
      return { name: n.name, transform: n.transform, rows: a.count, missing: missing[i]!, mean: finiteOrNaN(a.mean), std: finiteOrNaN(a.std), min: finiteOrNaN(a.min), max: finiteOrNaN(a.max) };
    }),
    relatedness: { rows: seen, spearmanSample: { rows: kept, sampled: seen > sampleSize, seed }, pairs },
  };
}
