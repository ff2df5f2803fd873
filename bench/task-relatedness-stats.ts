// Summary of the task-relatedness bench (bench/task-relatedness.ts): per model and correlation p,
// the spread of test MSE over seeds, the measured label correlation, and the markdown tables that
// go into docs/benchmarks.md. Pure functions over the per-run records, so they can be re-run on a
// saved results.json without training anything.

/** One trained and evaluated model: one architecture, one p, one seed. */
export interface RunRecord {
  model: string;
  correlation: number;
  seed: number;
  /** Pearson(y1, y2) over all generated rows, as `mmoe generate synthetic` prints it. */
  labelPearson: number;
  testMse: { y1: number; y2: number };
  /** Training loss (squared error) per task at the best epoch, averaged over that epoch's batches: the paper plots this. */
  trainMse: { y1: number; y2: number };
  epochsRun: number;
  epochsBest: number;
  stoppedEarly: boolean;
  trainSeconds: number;
  /** The engine that trained (metadata.json backend); absent in results from before it was recorded. */
  backend?: string;
}

export interface Spread {
  n: number;
  mean: number;
  /** Sample standard deviation (n - 1); 0 for a single value. */
  std: number;
  min: number;
  max: number;
}

export interface Cell {
  model: string;
  correlation: number;
  /** Mean of the two tasks' test MSE, per seed. */
  headline: Spread;
  /** Mean of the two tasks' training loss at the best epoch, per seed. */
  train: Spread;
  y1: Spread;
  y2: Spread;
  epochsRun: Spread;
  stoppedEarly: number;
}

export interface Summary {
  models: string[];
  /** In the order the bench ran them (1.0, 0.9, 0.5 by default). */
  correlations: number[];
  cells: Cell[];
  pearson: Map<number, Spread>;
}

export function spread(xs: number[]): Spread {
  const n = xs.length;
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  const ss = xs.reduce((a, x) => a + (x - mean) ** 2, 0);
  return { n, mean, std: n > 1 ? Math.sqrt(ss / (n - 1)) : 0, min: Math.min(...xs), max: Math.max(...xs) };
}

export const headlineMse = (r: RunRecord) => (r.testMse.y1 + r.testMse.y2) / 2;

export function summarize(runs: RunRecord[], models: string[], correlations: number[]): Summary {
  const cells: Cell[] = [];
  const pearson = new Map<number, Spread>();
  for (const p of correlations) {
    const atP = runs.filter((r) => r.correlation === p);
    // Every model of one seed sees the same data, so take one Pearson value per seed.
    const perSeed = new Map(atP.map((r) => [r.seed, r.labelPearson]));
    if (perSeed.size > 0) pearson.set(p, spread([...perSeed.values()]));
    for (const model of models) {
      const rs = atP.filter((r) => r.model === model);
      if (rs.length === 0) continue;
      cells.push({
        model,
        correlation: p,
        headline: spread(rs.map(headlineMse)),
        train: spread(rs.map((r) => (r.trainMse.y1 + r.trainMse.y2) / 2)),
        y1: spread(rs.map((r) => r.testMse.y1)),
        y2: spread(rs.map((r) => r.testMse.y2)),
        epochsRun: spread(rs.map((r) => r.epochsRun)),
        stoppedEarly: rs.filter((r) => r.stoppedEarly).length,
      });
    }
  }
  return { models, correlations, cells, pearson };
}

export function cellOf(s: Summary, model: string, p: number): Cell | undefined {
  return s.cells.find((c) => c.model === model && c.correlation === p);
}

/** Fixed digits chosen from the magnitude, so 0.0412 and 1.23 both keep three significant digits. */
export function num(x: number): string {
  const a = Math.abs(x);
  const digits = a === 0 ? 3 : Math.max(0, Math.min(6, 2 - Math.floor(Math.log10(a))));
  return x.toFixed(digits);
}

const pm = (s: Spread) => `${num(s.mean)} ± ${num(s.std)}`;
const range = (s: Spread) => `${num(s.min)}-${num(s.max)}`;
const pLabel = (p: number) => p.toFixed(1);

/** Paired by seed (same data for every model): seeds where `a` has a lower headline MSE than `b`. */
export function pairedWins(runs: RunRecord[], a: string, b: string, p: number): { wins: number; pairs: number; diff: Spread | undefined } {
  const byKey = new Map(runs.filter((r) => r.correlation === p).map((r) => [`${r.model}/${r.seed}`, headlineMse(r)]));
  const diffs: number[] = [];
  for (const r of runs) {
    if (r.correlation !== p || r.model !== a) continue;
    const other = byKey.get(`${b}/${r.seed}`);
    if (other !== undefined) diffs.push(headlineMse(r) - other);
  }
  return { wins: diffs.filter((d) => d < 0).length, pairs: diffs.length, diff: diffs.length ? spread(diffs) : undefined };
}

export function markdownReport(s: Summary, runs: RunRecord[]): string {
  const out: string[] = [];
  const row = (cells: string[]) => out.push(`| ${cells.join(' | ')} |`);
  const pearsonText = (p: number) => {
    const ps = s.pearson.get(p);
    return ps ? `${ps.mean.toFixed(3)} (${ps.min.toFixed(3)}-${ps.max.toFixed(3)})` : '-';
  };

  out.push('Test MSE, mean of the two tasks: mean ± std (min-max) over seeds');
  out.push('');
  row(['p', 'label Pearson(y1, y2)', ...s.models]);
  row(Array(s.models.length + 2).fill('---'));
  for (const p of s.correlations) {
    const cells = s.models.map((m) => {
      const c = cellOf(s, m, p);
      return c ? `${pm(c.headline)} (${range(c.headline)})` : '-';
    });
    row([pLabel(p), pearsonText(p), ...cells]);
  }

  out.push('');
  out.push('Per task: test MSE of y1 / y2 and training loss (mean of the tasks, at the best epoch), mean ± std over seeds; epochs run (mean), runs stopped early');
  out.push('');
  row(['p', 'model', 'test y1', 'test y2', 'train loss', 'epochs run', 'stopped early']);
  row(Array(7).fill('---'));
  for (const p of s.correlations)
    for (const m of s.models) {
      const c = cellOf(s, m, p);
      if (c) row([pLabel(p), m, pm(c.y1), pm(c.y2), pm(c.train), c.epochsRun.mean.toFixed(1), `${c.stoppedEarly}/${c.headline.n}`]);
    }

  const [first] = s.correlations;
  if (first !== undefined && s.models.includes('mmoe') && s.models.includes('shared_bottom')) {
    out.push('');
    out.push(`MMoE against shared-bottom on test MSE, paired by seed; degradation = mean at p / mean at p = ${pLabel(first)}, of test MSE and of training loss`);
    out.push('');
    row(['p', 'seeds where MMoE < shared-bottom', 'MMoE - shared-bottom, mean ± std', ...s.models.map((m) => `${m} degradation, test / train`)]);
    row(Array(s.models.length + 3).fill('---'));
    for (const p of s.correlations) {
      const w = pairedWins(runs, 'mmoe', 'shared_bottom', p);
      const deg = s.models.map((m) => {
        const c = cellOf(s, m, p);
        const base = cellOf(s, m, first);
        return c && base ? `${(c.headline.mean / base.headline.mean).toFixed(2)}x / ${(c.train.mean / base.train.mean).toFixed(2)}x` : '-';
      });
      row([pLabel(p), `${w.wins}/${w.pairs}`, w.diff ? pm(w.diff) : '-', ...deg]);
    }
  }
  return out.join('\n') + '\n';
}
