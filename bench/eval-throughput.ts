// Benchmark of `mmoe eval` scoring (docs/benchmarks.md, "Eval throughput"): rows/s of the whole
// command for a model of configs/default.json's architecture on generated CTR rows, and where the
// time goes: CSV parse alone, parse + encode alone, then the command with and without the gate
// pass, split by stage (its JSON `timings`). Every measurement runs in its own process.
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
import { encodeRows } from '../src/data/encode-rows.js';
import { openCsv } from '../src/data/csv-reader.js';
import { featureSpecFromConfig } from '../src/data/feature-spec.js';
import { generateCtr } from '../src/data/generate-ctr.js';
import { findPartitions } from '../src/data/partitions.js';
import type { EvalDocument } from '../src/eval/eval-document.js';
import { silentLogger } from '../src/logger.js';
import { buildModel, saveModel } from '../src/model/index.js';

const CONFIG = 'configs/default.json';
const DATE = '20240101';
type Mode = 'parse' | 'encode' | 'eval' | 'eval-no-gates';
const MODES: Mode[] = ['parse', 'encode', 'eval', 'eval-no-gates'];

interface Result {
  rows: number;
  seconds: number;
  maxRssMb: number;
  timings?: EvalDocument['timings'];
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
  let rows = 0;
  let timings: Result['timings'];
  if (mode === 'parse') {
    for (const p of findPartitions({ dataDir: data, dates: [DATE] }))
      for (const f of p.files) for await (const c of (await openCsv(f)).chunks()) rows += c.records.length;
  } else if (mode === 'encode') {
    const spec = featureSpecFromConfig(parseConfig(JSON.parse(readFileSync(CONFIG, 'utf8'))));
    for await (const b of encodeRows(spec, { dataDir: data, dates: [DATE] }, { logger: silentLogger() })) rows += b.size;
  } else {
    const stdout = new PassThrough();
    let out = '';
    stdout.on('data', (d) => (out += d));
    const env = { stdout, stderr: new PassThrough(), makeLogger: () => silentLogger(), exitCode: 0 };
    const args = ['node', 'mmoe', 'eval', '--model', model, '--data-dir', data, '--dates', DATE, '--format', 'json', '--backend', backend];
    const code = await mmoe(mode === 'eval-no-gates' ? [...args, '--no-gates'] : args, env);
    if (code !== 0) throw new Error(`mmoe eval exited ${code}`);
    const doc = JSON.parse(out) as EvalDocument;
    rows = doc.data.rowsEvaluated;
    timings = doc.timings;
  }
  return { rows, seconds: (performance.now() - t0) / 1000, maxRssMb: process.resourceUsage().maxRSS / 1024, timings };
}

function child(mode: Mode, data: string, model: string, backend: string): Result {
  const args = [fileURLToPath(import.meta.url), '--child', mode, '--data', data, '--model', model, '--backend', backend];
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (r.status !== 0) throw new Error(`${mode} run failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as Result;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fmt = (x: number): string => Math.round(x).toLocaleString('en-US');

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
  const runs: Record<Mode, Result[]> = { parse: [], encode: [], eval: [], 'eval-no-gates': [] };
  // Rounds interleave the modes so a busy neighbour slows them alike.
  for (let round = 0; round < Number(values.rounds); round++) {
    for (const m of MODES) runs[m].push(child(m, data, model, backend));
    process.stderr.write(`round ${round + 1}: ${MODES.map((m) => `${m} ${fmt(runs[m].at(-1)!.rows / runs[m].at(-1)!.seconds)} rows/s`).join(', ')}\n`);
  }
  const rate = (m: Mode) => runs[m].map((r) => r.rows / r.seconds);
  const stage = (m: Mode, k: keyof EvalDocument['timings']) => median(runs[m].map((r) => r.timings![k]));
  const cpu = cpus();
  const lines = [
    `Machine: ${cpu[0]?.model ?? 'unknown CPU'}, ${cpu.length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GB RAM, Node ${process.version}; load average at the end ${loadavg()[0]!.toFixed(2)}.`,
    `Data: ${fmt(Number(values.rows))} generated CTR rows (plain CSV, one file); model: ${CONFIG} architecture (MMoE, 8 experts x [64], 12 x 16-dim embeddings), untrained; backend ${backend}; batches of 8192 rows.`,
    '',
    `| ${values.rounds} rounds, one process each | median rows/s | best rows/s | peak RSS |`,
    '|---|---:|---:|---:|',
    ...MODES.map((m) => `| ${m} | ${fmt(median(rate(m)))} | ${fmt(Math.max(...rate(m)))} | ${median(runs[m].map((r) => r.maxRssMb)).toFixed(0)} MB |`),
    '',
    '| seconds per stage (median) | eval | eval --no-gates |',
    '|---|---:|---:|',
    ...(['readEncode', 'predict', 'gates', 'accumulate', 'metrics', 'total'] as const).map((k) => `| ${k} | ${stage('eval', k).toFixed(2)} | ${stage('eval-no-gates', k).toFixed(2)} |`),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

await main();
