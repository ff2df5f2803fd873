// Benchmark of `mmoe eval` scoring (docs/benchmarks.md, "Eval throughput"): rows/s of the whole
// command (start-up and model loading included) for a model of configs/ads-reference.json's
// architecture on generated CTR rows, and where the time goes: CSV parse alone, parse + encode
// alone, the command with scoring threads (the default), with one, in the main thread only, and
// with the plain graph in the main thread (--fold-budget 0 --threads 0: how session 1 scored),
// split by stage (its JSON `timings`), and one batch through the plain graph and through the
// folded scorer; then `mmoe eval` and `mmoe predict` with their defaults on every engine asked for
// (on tensorflow: the plain graph, TensorFlow's own threads). Each measurement runs in its own
// process; CPU time is reported next to wall time because neighbours share the cores.
//
//   node dist/bench/eval-throughput.js [--rows 500000] [--rounds 3] [--dir /tmp/mmoe-bench-eval] [--backends wasm,tensorflow]
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
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
type Mode = 'parse' | 'encode' | EvalMode | 'predict' | 'model';
/** The wasm breakdown: reading alone, then eval with and without threads and folding. */
const MODES: Mode[] = ['parse', 'encode', 'eval', 'eval-threads-2', 'eval-threads-0', 'eval-plain'];
const EVAL_MODES: EvalMode[] = ['eval', 'eval-threads-2', 'eval-threads-0', 'eval-plain'];
/** Every engine: the commands with their defaults. */
const ENGINE_MODES: Mode[] = ['eval', 'predict'];
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
  predict: '`mmoe predict` (defaults)',
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
    const scores = join(tmpdir(), `mmoe-bench-predict-${process.pid}.csv`);
    const args =
      mode === 'predict'
        ? ['node', 'mmoe', 'predict', '--model', model, '--data-dir', data, '--dates', DATE, '--output', scores, '--keep', 'click', '--backend', backend]
        : ['node', 'mmoe', 'eval', '--model', model, '--data-dir', data, '--dates', DATE, '--format', 'json', '--backend', backend, ...EVAL_FLAGS[mode]];
    const code = await mmoe(args, env);
    if (code !== 0) throw new Error(`mmoe ${args[2]} exited ${code}`);
    if (mode === 'predict') {
      rows = readFileSync(scores, 'utf8').split('\n').length - 2; // header and the final newline
      rmSync(scores);
    } else {
      const doc = JSON.parse(out) as EvalDocument;
      rows = doc.data.rowsEvaluated;
      timings = doc.timings;
    }
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
  const calls: [string, () => void][] = [[`plain graph on ${backend}: \`MultiTaskModel.predictWithGates\``, () => opened.model.predictWithGates(batch!)]];
  if (opened.info.scoring.engine === 'folded') calls.push([`folded on ${backend}: \`FoldedScorer.predictWithGates\``, () => opened.inThread!.predictWithGates(batch!)]);
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
      backend: { type: 'string', default: 'wasm' },
      backends: { type: 'string', default: 'wasm,tensorflow' },
    },
  });
  if (values.child) {
    process.stdout.write(`\n${JSON.stringify(await runChild(values.child as Mode, values.data!, values.model!, values.backend as BackendName))}\n`);
    return;
  }
  const backends = values.backends!.split(',') as BackendName[];
  const { data, model } = await ensureInputs(values.dir!, Number(values.rows));
  // The wasm breakdown (when wasm is asked for), then each engine's eval, predict and model calls.
  const jobs: { mode: Mode; backend: BackendName }[] = [
    ...(backends.includes('wasm') ? MODES.map((mode) => ({ mode, backend: 'wasm' as BackendName })) : []),
    ...backends.flatMap((backend) => [...ENGINE_MODES, 'model' as const].filter((m) => backend !== 'wasm' || !MODES.includes(m)).map((mode) => ({ mode, backend }))),
  ];
  const key = (j: { mode: Mode; backend: BackendName }) => `${j.mode}@${j.backend}`;
  const runs = new Map<string, Result[]>(jobs.map((j) => [key(j), []]));
  const loads = [loadavg()[0]!];
  // Rounds interleave the modes and engines so a busy neighbour slows them alike.
  for (let round = 0; round < Number(values.rounds); round++) {
    for (const j of jobs) runs.get(key(j))!.push(child(j.mode, data, model, j.backend));
    loads.push(loadavg()[0]!);
    const last = (j: { mode: Mode; backend: BackendName }) => runs.get(key(j))!.at(-1)!;
    process.stderr.write(`round ${round + 1}: ${jobs.filter((j) => j.mode !== 'model').map((j) => `${key(j)} ${fmt(last(j).rows / last(j).seconds)} rows/s`).join(', ')}\n`);
  }
  const of = (mode: Mode, backend: BackendName) => runs.get(key({ mode, backend })) ?? [];
  const rate = (rs: Result[]) => rs.map((r) => r.rows / r.seconds);
  const cpu = cpus();
  const rateRow = (label: string, rs: Result[]) =>
    `| ${label} | ${fmt(median(rate(rs)))} | ${fmt(Math.max(...rate(rs)))} | ${fmt(median(rs.map((r) => r.rows / r.cpuSeconds)))} | ${median(rs.map((r) => r.maxRssMb)).toFixed(0)} MB |`;
  const head = `| ${values.rounds} rounds, one process each | median rows/s | best rows/s | rows per CPU-second (median) | peak RSS |`;
  const lines = [
    `Machine: ${cpu[0]?.model ?? 'unknown CPU'}, ${cpu.length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GB RAM, Node ${process.version}; load average ${loads.map((l) => l.toFixed(1)).join(' -> ')} (start, after each round).`,
    `Data: ${fmt(Number(values.rows))} generated CTR rows (plain CSV, one file); model: ${CONFIG} architecture (MMoE, 8 experts x [64], towers [32], 11 fields + 1 cross at 16 dims), untrained; batches of 8192 rows.`,
    '',
    'Each engine, the commands with their defaults:',
    '',
    head,
    '|---|---:|---:|---:|---:|',
    ...backends.flatMap((b) => ENGINE_MODES.map((m) => rateRow(`${LABELS[m].split(' (')[0]} on ${b}`, of(m, b)))),
  ];
  if (backends.includes('wasm')) {
    const stage = (m: EvalMode, k: keyof EvalDocument['timings']) => median(of(m, 'wasm').map((r) => r.timings![k]));
    lines.push(
      '',
      'wasm, where the time goes:',
      '',
      head,
      '|---|---:|---:|---:|---:|',
      ...MODES.map((m) => rateRow(LABELS[m], of(m, 'wasm'))),
      '',
      `| wasm, seconds per stage (median; \`total\` excludes start-up) | ${EVAL_MODES.join(' | ')} |`,
      `|---|${EVAL_MODES.map(() => '---:').join('|')}|`,
      ...(['readEncode', 'predict', 'gates', 'accumulate', 'metrics', 'total'] as const).map((k) => `| ${k} | ${EVAL_MODES.map((m) => stage(m, k).toFixed(2)).join(' | ')} |`),
    );
  }
  lines.push('', '| model call, one 8192-row batch (median of rounds, each the mean of 20 calls) | CPU ms | wall ms |', '|---|---:|---:|');
  for (const b of backends) {
    const calls = of('model', b);
    for (const k of Object.keys(calls[0]!.calls!))
      lines.push(`| ${k} | ${median(calls.map((r) => r.calls![k]!.cpuMs)).toFixed(1)} | ${median(calls.map((r) => r.calls![k]!.wallMs)).toFixed(1)} |`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

await main();
