// Benchmark of `mmoe eval` scoring (docs/benchmarks.md, "Eval throughput"): rows/s of the whole
// command (start-up and model loading included) for a model of configs/ads-reference.json's
// architecture on generated CTR rows, and where the time goes: CSV parse alone, parse + encode
// alone, the command with scoring threads (the default), with one, in the main thread only, and
// with the plain graph in the main thread (--fold-budget 0 --threads 0: how session 1 scored),
// split by stage (its JSON `timings`), and one batch through the plain graph and through the
// folded scorer. Each measurement runs in its own process; CPU time is reported next to wall time
// because neighbours share the cores.
//
//   node dist/bench/eval-throughput.js [--rows 500000] [--rounds 3] [--dir /tmp/mmoe-bench-eval] [--backend auto]
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { selectBackend, type BackendName } from '../src/backend.js';
import { main as mmoe } from '../src/cli/main.js';
import { parseConfig } from '../src/config/load.js';
import type { Batch } from '../src/data/batch.js';
import { openCsv } from '../src/data/csv-reader.js';
import { encodeRows } from '../src/data/encode-rows.js';
import { featureSpecFromConfig } from '../src/data/feature-spec.js';
import { generateCtr } from '../src/data/generate-ctr.js';
import { findPartitions } from '../src/data/partitions.js';
import type { EvalDocument } from '../src/eval/eval-document.js';
import { openModel } from '../src/scoring/model-dir.js';
import { RowBatcher, SCORING_BATCH_ROWS } from '../src/scoring/row-batcher.js';
import { silentLogger } from '../src/logger.js';
import { buildModel, saveModel } from '../src/model/index.js';
import { fmt, median } from './figures.js';

const CONFIG = 'configs/ads-reference.json';
const DATE = '20240101';
type EvalMode = 'eval' | 'eval-threads-2' | 'eval-threads-0' | 'eval-plain';
type Mode = 'parse' | 'encode' | EvalMode | 'model';
const MODES: Mode[] = ['parse', 'encode', 'eval', 'eval-threads-2', 'eval-threads-0', 'eval-plain'];
const EVAL_MODES: EvalMode[] = ['eval', 'eval-threads-2', 'eval-threads-0', 'eval-plain'];
const EVAL_FLAGS: Record<EvalMode, string[]> = {
  eval: [],
  'eval-threads-2': ['--threads', '2'],
  'eval-threads-0': ['--threads', '0'],
  'eval-plain': ['--threads', '0', '--fold-budget', '0'],
};
const LABELS: Record<Mode, string> = {
  parse: 'parse (records only)',
  encode: 'encode (parse + hash + encode + batch)',
  eval: '`mmoe eval` (default: `--threads auto` = 1 worker here, folded)',
  'eval-threads-2': '`mmoe eval --threads 2`',
  'eval-threads-0': '`mmoe eval --threads 0` (folded, one thread)',
  'eval-plain': '`mmoe eval --threads 0 --fold-budget 0` (plain graph, one thread)',
  model: 'model calls',
};

/** Per 8192-row batch, CPU and wall milliseconds of each model call. */
type CallTimes = Record<string, { cpuMs: number; wallMs: number }>;

interface Result {
  rows: number;
  seconds: number;
  /** User + system CPU time: robust to busy neighbours, unlike wall time. */
  cpuSeconds: number;
  maxRssMb: number;
  timings?: EvalDocument['timings'];
  calls?: CallTimes;
}

/** Generated rows and an untrained model of the default architecture (scoring cost does not depend on the weights). */
async function ensureInputs(dir: string, rows: number): Promise<{ data: string; model: string }> {
  const data = join(dir, `ctr-${rows}`);
  if (!existsSync(join(data, DATE, '_SUCCESS'))) {
    process.stderr.write(`generating ${rows} rows in ${data} ...\n`);
    await generateCtr({ out: data, startDate: DATE, days: 1, rowsPerDay: rows, seed: 1, force: true });
  }
  const model = join(dir, 'default-model');
  if (!existsSync(join(model, 'model.json'))) {
    await selectBackend('cpu');
    const cfg = parseConfig(JSON.parse(readFileSync(CONFIG, 'utf8')));
    const m = buildModel(featureSpecFromConfig(cfg), cfg.model, cfg.training);
    await saveModel(m, model);
    m.dispose();
  }
  return { data, model };
}

async function runChild(mode: Mode, data: string, model: string, backend: BackendName): Promise<Result> {
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  let rows = 0;
  let timings: Result['timings'];
  if (mode === 'parse') {
    for (const p of await findPartitions({ dataDir: data, dates: [DATE] }))
      for (const f of p.files) for await (const c of (await openCsv(f.path)).chunks()) rows += c.records.length;
  } else if (mode === 'encode') {
    const spec = featureSpecFromConfig(parseConfig(JSON.parse(readFileSync(CONFIG, 'utf8'))));
    const batcher = new RowBatcher<string>(spec, SCORING_BATCH_ROWS);
    for await (const b of encodeRows(spec, { dataDir: data, dates: [DATE] }, { logger: silentLogger() })) {
      for (let r = 0; r < b.size; r++) {
        batcher.copyFrom(b, r);
        if (batcher.commit('')) batcher.take();
      }
      rows += b.size;
    }
  } else if (mode === 'model') {
    return { ...(await modelCalls(data, model, backend)), seconds: (performance.now() - t0) / 1000, cpuSeconds: 0, maxRssMb: 0 };
  } else {
    const stdout = new PassThrough();
    let out = '';
    stdout.on('data', (d) => (out += d));
    const env = { stdout, stderr: new PassThrough(), makeLogger: () => silentLogger(), exitCode: 0 };
    const args = ['node', 'mmoe', 'eval', '--model', model, '--data-dir', data, '--dates', DATE, '--format', 'json', '--backend', backend];
    const code = await mmoe([...args, ...EVAL_FLAGS[mode]], env);
    if (code !== 0) throw new Error(`mmoe eval exited ${code}`);
    const doc = JSON.parse(out) as EvalDocument;
    rows = doc.data.rowsEvaluated;
    timings = doc.timings;
  }
  const cpu = process.cpuUsage(cpu0);
  return { rows, seconds: (performance.now() - t0) / 1000, cpuSeconds: (cpu.user + cpu.system) / 1e6, maxRssMb: process.resourceUsage().maxRSS / 1024, timings };
}

/** One batch of real encoded rows through the plain graph and through the folded scorer (scores and gates). */
async function modelCalls(data: string, modelDir: string, backend: BackendName): Promise<{ rows: number; calls: CallTimes }> {
  await selectBackend(backend);
  const opened = await openModel(modelDir, '--model', { threads: 0 });
  const batcher = new RowBatcher<undefined>(opened.spec, SCORING_BATCH_ROWS);
  let batch: Batch | undefined;
  for await (const b of encodeRows(opened.spec, { dataDir: data, dates: [DATE] }, { logger: silentLogger() })) {
    for (let r = 0; r < b.size && !batch; r++) {
      batcher.copyFrom(b, r);
      if (batcher.commit(undefined)) batch = batcher.take().batch;
    }
    if (batch) break;
  }
  const calls: [string, () => void][] = [
    ['plain graph: `MultiTaskModel.predictWithGates`', () => opened.model.predictWithGates(batch!)],
    ['folded: `FoldedScorer.predictWithGates`', () => opened.inThread!.predictWithGates(batch!)],
  ];
  const times: CallTimes = {};
  for (const [name, f] of calls) {
    f();
    const reps = 20;
    const c0 = process.cpuUsage();
    const w0 = performance.now();
    for (let i = 0; i < reps; i++) f();
    const c = process.cpuUsage(c0);
    times[name] = { cpuMs: (c.user + c.system) / 1000 / reps, wallMs: (performance.now() - w0) / reps };
  }
  await opened.close();
  return { rows: batch!.size, calls: times };
}

function child(mode: Mode, data: string, model: string, backend: string): Result {
  const args = [fileURLToPath(import.meta.url), '--child', mode, '--data', data, '--model', model, '--backend', backend];
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (r.status !== 0) throw new Error(`${mode} run failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as Result;
}


async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      child: { type: 'string' },
      data: { type: 'string' },
      model: { type: 'string' },
      dir: { type: 'string', default: '/tmp/mmoe-bench-eval' },
      rows: { type: 'string', default: '500000' },
      rounds: { type: 'string', default: '3' },
      backend: { type: 'string', default: 'auto' },
    },
  });
  const backend = values.backend as BackendName;
  if (values.child) {
    process.stdout.write(`\n${JSON.stringify(await runChild(values.child as Mode, values.data!, values.model!, backend))}\n`);
    return;
  }
  const { data, model } = await ensureInputs(values.dir!, Number(values.rows));
  const runs = Object.fromEntries([...MODES, 'model'].map((m) => [m, []])) as unknown as Record<Mode, Result[]>;
  // Rounds interleave the modes so a busy neighbour slows them alike.
  for (let round = 0; round < Number(values.rounds); round++) {
    for (const m of [...MODES, 'model' as const]) runs[m].push(child(m, data, model, backend));
    process.stderr.write(`round ${round + 1}: ${MODES.map((m) => `${m} ${fmt(runs[m].at(-1)!.rows / runs[m].at(-1)!.seconds)} rows/s`).join(', ')}\n`);
  }
  const rate = (m: Mode) => runs[m].map((r) => r.rows / r.seconds);
  const stage = (m: EvalMode, k: keyof EvalDocument['timings']) => median(runs[m].map((r) => r.timings![k]));
  const cpu = cpus();
  const lines = [
    `Machine: ${cpu[0]?.model ?? 'unknown CPU'}, ${cpu.length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GB RAM, Node ${process.version}; load average at the end ${loadavg()[0]!.toFixed(2)}.`,
    `Data: ${fmt(Number(values.rows))} generated CTR rows (plain CSV, one file); model: ${CONFIG} architecture (MMoE, 8 experts x [64], towers [32], 11 fields + 1 cross at 16 dims), untrained; backend ${backend}; batches of 8192 rows.`,
    '',
    `| ${values.rounds} rounds, one process each | median rows/s | best rows/s | rows per CPU-second (median) | peak RSS |`,
    '|---|---:|---:|---:|---:|',
    ...MODES.map(
      (m) =>
        `| ${LABELS[m]} | ${fmt(median(rate(m)))} | ${fmt(Math.max(...rate(m)))} | ${fmt(median(runs[m].map((r) => r.rows / r.cpuSeconds)))} | ${median(runs[m].map((r) => r.maxRssMb)).toFixed(0)} MB |`,
    ),
    '',
    `| seconds per stage (median; \`total\` excludes start-up) | ${EVAL_MODES.join(' | ')} |`,
    `|---|${EVAL_MODES.map(() => '---:').join('|')}|`,
    ...(['readEncode', 'predict', 'gates', 'accumulate', 'metrics', 'total'] as const).map((k) => `| ${k} | ${EVAL_MODES.map((m) => stage(m, k).toFixed(2)).join(' | ')} |`),
    '',
    '| model call, one 8192-row batch (median of rounds, each the mean of 20 calls) | CPU ms | wall ms |',
    '|---|---:|---:|',
    ...Object.keys(runs.model[0]!.calls!).map(
      (k) => `| ${k} | ${median(runs.model.map((r) => r.calls![k]!.cpuMs)).toFixed(1)} | ${median(runs.model.map((r) => r.calls![k]!.wallMs)).toFixed(1)} |`,
    ),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

await main();
