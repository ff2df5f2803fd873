// The MMoE paper's synthetic experiment (Ma et al. 2018, section 4; issue 6): for each task
// correlation p and seed, generate data with `mmoe generate synthetic`, train shared-bottom, MoE and
// MMoE with the shipped configs through the real CLI on days 1-4, evaluate on day 5, and summarize
// test MSE per model and p as markdown tables and an SVG plot (docs/benchmarks.md, docs/synthetic.md).
//
//   npm run build && node dist/bench/task-relatedness.js [--seeds 5] [--rows 50000] [--out DIR]
//       [--jobs 2] [--correlations 1.0,0.9,0.5] [--configs configs/a.json,...] [--train-args="--epochs 60"]
//       [--svg docs/img/task-relatedness.svg] [--report-only] [--backend auto|tensorflow|wasm]
//
// The data seed is also the training seed (`mmoe train --seed`), so every run is reproducible and
// the three models of one seed see the same rows. Writes OUT/results.json (one record per run),
// OUT/task-relatedness.md and the SVG; --report-only re-renders them from OUT/results.json.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { markdownReport, summarize, type RunRecord } from './task-relatedness-stats.js';
import { renderSvg } from './task-relatedness-svg.js';

const run = promisify(execFile);
const START = '20260101';
const TRAIN_END = '20260104';
const TEST_DAY = '20260105';
const SHIPPED = ['configs/synthetic-shared-bottom.json', 'configs/synthetic-moe.json', 'configs/synthetic-mmoe.json'];

const { values: opt } = parseArgs({
  options: {
    seeds: { type: 'string', default: '5' },
    rows: { type: 'string', default: '50000' },
    out: { type: 'string', default: join(tmpdir(), 'mmoe-task-relatedness') },
    jobs: { type: 'string', default: '2' },
    correlations: { type: 'string', default: '1.0,0.9,0.5' },
    configs: { type: 'string', default: SHIPPED.join(',') },
    'train-args': { type: 'string', default: '' },
    svg: { type: 'string', default: 'docs/img/task-relatedness.svg' },
    'report-only': { type: 'boolean', default: false },
    /** The engine of every `mmoe train` and `mmoe eval` (docs/backends.md); auto by default, as users run it. */
    backend: { type: 'string', default: 'auto' },
  },
});
const seeds = Number(opt.seeds);
const rows = Number(opt.rows);
const jobs = Number(opt.jobs);
const out = resolve(opt.out);
const correlations = opt.correlations.split(',').map(Number);
const configs = opt.configs.split(',').map((c) => resolve(c));
const trainArgs = opt['train-args'].split(/\s+/).filter(Boolean);
const mmoe = resolve('bin/mmoe.js');

interface Model {
  config: string;
  /** `model.type` of the config, or the file's base name when two configs share a type. */
  label: string;
}

function models(): Model[] {
  const types = configs.map((c) => (JSON.parse(readFileSync(c, 'utf8')) as { model: { type: string } }).model.type);
  return configs.map((config, i) => ({
    config,
    label: types.filter((t) => t === types[i]).length > 1 ? basename(config, '.json') : types[i]!,
  }));
}

async function cli(args: string[]): Promise<string> {
  try {
    const { stdout } = await run(process.execPath, [mmoe, ...args], { maxBuffer: 1 << 28 });
    return stdout;
  } catch (e) {
    const err = e as { code?: number; stderr?: string };
    throw new Error(`mmoe ${args.join(' ')} exited ${err.code}: ${(err.stderr ?? '').slice(-2000)}`);
  }
}

const dataDir = (p: number, seed: number) => join(out, 'data', `p${p.toFixed(2)}-s${seed}-n${rows}`);

/** Generates one dataset (or reuses it: the generator is deterministic) and returns its label Pearson. */
async function dataset(p: number, seed: number): Promise<{ dir: string; pearson: number }> {
  const dir = dataDir(p, seed);
  const stamp = join(dir, 'generate.txt');
  if (!existsSync(stamp)) {
    const line = await cli(['generate', 'synthetic', '--out', dir, '--correlation', String(p), '--rows', String(rows), '--seed', String(seed), '--start-date', START, '--days', '5', '--force']);
    writeFileSync(stamp, line);
  }
  const m = /label Pearson\(y1, y2\)=(-?[0-9.]+)/.exec(readFileSync(stamp, 'utf8'));
  if (!m) throw new Error(`no label Pearson in ${stamp}`);
  return { dir, pearson: Number(m[1]) };
}

interface EvalTask {
  name: string;
  regression: { original: { mse: { value: number } } };
}

async function trainAndEval(model: Model, p: number, seed: number, data: { dir: string; pearson: number }): Promise<RunRecord> {
  const models = join(out, 'models', basename(model.config, '.json'), `p${p.toFixed(2)}-s${seed}`);
  rmSync(models, { recursive: true, force: true });
  const t0 = performance.now();
  await cli(['train', '--train-data-dir', data.dir, '--cur-date', TRAIN_END, '--days', '4', '--config', model.config, '--seed', String(seed), '--quiet', '--model-output-dir', models, '--log-dir', join(out, 'logs'), '--backend', opt.backend, ...trainArgs]);
  const trainSeconds = (performance.now() - t0) / 1000;
  const meta = JSON.parse(readFileSync(join(models, TRAIN_END, 'metadata.json'), 'utf8'));
  const doc = JSON.parse(await cli(['eval', '--model', join(models, 'latest'), '--data-dir', data.dir, '--dates', TEST_DAY, '--format', 'json', '--no-gates', '--backend', opt.backend]));
  const best = (meta.history as { epoch: number; trainTaskLosses: Record<string, number> }[]).find((e) => e.epoch === meta.epochs.best)!;
  const mse = (name: string) => (doc.tasks as EvalTask[]).find((t) => t.name === name)!.regression.original.mse.value;
  return {
    model: model.label,
    correlation: p,
    seed,
    labelPearson: data.pearson,
    testMse: { y1: mse('y1'), y2: mse('y2') },
    trainMse: { y1: best.trainTaskLosses.y1!, y2: best.trainTaskLosses.y2! },
    epochsRun: meta.epochs.run,
    epochsBest: meta.epochs.best,
    stoppedEarly: meta.epochs.stoppedEarly,
    trainSeconds,
    backend: meta.backend,
  };
}

/** Runs `tasks` with at most `limit` in flight; results in task order. */
async function pool<T>(tasks: (() => Promise<T>)[], limit: number): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const i = next++;
      results[i] = await tasks[i]!();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  return results;
}

async function bench(ms: Model[]): Promise<RunRecord[]> {
  const total = correlations.length * seeds * ms.length;
  let done = 0;
  // One chain per dataset: generate it, then train the models on it one after the other.
  const chains = correlations.flatMap((p) =>
    Array.from({ length: seeds }, (_, k) => async () => {
      const seed = k + 1;
      const data = await dataset(p, seed);
      const recs: RunRecord[] = [];
      for (const m of ms) {
        const r = await trainAndEval(m, p, seed, data);
        recs.push(r);
        process.stderr.write(
          `[${++done}/${total}] ${m.label} p=${p} seed=${seed}: test MSE y1 ${r.testMse.y1.toFixed(4)} y2 ${r.testMse.y2.toFixed(4)} ` +
            `(epochs ${r.epochsRun}, best ${r.epochsBest}, ${r.trainSeconds.toFixed(0)} s on ${r.backend}; load ${loadavg()[0]!.toFixed(1)})\n`,
        );
      }
      return recs;
    }),
  );
  return (await pool(chains, jobs)).flat();
}

const t0 = performance.now();
const ms = models();
mkdirSync(out, { recursive: true });
const resultsFile = join(out, 'results.json');
interface Results {
  command: string;
  cpus: number;
  node: string;
  /** Variance of the label noise: the test MSE of a perfect predictor. */
  noiseFloor: number;
  runs: RunRecord[];
}
let results: Results;
if (opt['report-only']) results = JSON.parse(readFileSync(resultsFile, 'utf8')) as Results;
else {
  const runs = await bench(ms);
  // Every dataset comes from the same generator flags, so any one of them gives the noise.
  const first = join(dataDir(correlations[0]!, 1), '_synthetic.json');
  const noiseStd = (JSON.parse(readFileSync(first, 'utf8')) as { noiseStd: number }).noiseStd;
  const argv = process.argv.slice(2).join(' ');
  results = { command: `node dist/bench/task-relatedness.js ${argv}`.trim(), cpus: cpus().length, node: process.version, noiseFloor: Number((noiseStd ** 2).toPrecision(6)), runs };
  writeFileSync(resultsFile, JSON.stringify(results, null, 1));
}
const { runs } = results;
const summary = summarize(runs, ms.map((m) => m.label), correlations);
const md = markdownReport(summary, runs);
writeFileSync(join(out, 'task-relatedness.md'), md);
const n = Math.max(...summary.cells.map((c) => c.headline.n));
const svg = renderSvg(summary, 'Task relatedness vs architecture (MMoE paper, section 4)', `synthetic data, ${rows} rows (4 days train, 1 day test), ${n} seeds per point`, results.noiseFloor);
writeFileSync(join(out, 'task-relatedness.svg'), svg);
if (opt.svg) {
  mkdirSync(dirname(resolve(opt.svg)), { recursive: true });
  writeFileSync(opt.svg, svg);
}
process.stdout.write(md);
process.stderr.write(`done in ${((performance.now() - t0) / 60000).toFixed(1)} min; results in ${out}\n`);
