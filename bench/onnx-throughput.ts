// onnxruntime-node scoring rows/s of the default model exported to ONNX (docs/benchmarks.md,
// "Serving exports"), and the size of each exported file against model.json + shards. The model
// has configs/ads-reference.json's architecture, untrained (scoring cost does not depend on the
// weights); rows are generated CTR rows. Measured in this process, median of rounds: session.run
// on prepared int64 feeds, and from parsed CSV records (hashing and feed building by
// examples/serving/score-onnx.mjs, then run), at one and at two intra-op threads; next to it,
// `mmoe predict` on the same rows in the same run (whole command: start-up, reading, writing).
//
//   npm run build && node dist/bench/onnx-throughput.js [--rows 200000] [--rounds 5] [--batch 8192] [--backends wasm,tensorflow]
//
// --backends: the engines `mmoe predict` runs on (tensorflow needs tfjs-node, docs/backends.md).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import { parseArgs } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { parse } from 'csv-parse/sync';
import * as ort from 'onnxruntime-node';
import { selectBackend } from '../src/backend.js';
import { loadConfig } from '../src/config/load.js';
import { featureSpecFromConfig } from '../src/data/feature-spec.js';
import { generateCtr } from '../src/data/generate-ctr.js';
import { buildModel, saveModel } from '../src/model/index.js';
import { fmt, median } from './figures.js';

const { values: opt } = parseArgs({ options: { rows: { type: 'string', default: '200000' }, rounds: { type: 'string', default: '5' }, batch: { type: 'string', default: '8192' }, backends: { type: 'string', default: 'wasm,tensorflow' } } });
const rowsWanted = Number(opt.rows);
const rounds = Number(opt.rounds);
const batch = Number(opt.batch);
const work = mkdtempSync(join(tmpdir(), 'mmoe-onnx-bench-'));
const mmoe = resolve('bin/mmoe.js');

await selectBackend('cpu');
const cfg = loadConfig('configs/ads-reference.json');
const modelDir = join(work, 'model');
const m = buildModel(featureSpecFromConfig(cfg), cfg.model, cfg.training);
await saveModel(m, modelDir);
m.dispose();
const exp = spawnSync(process.execPath, [mmoe, 'export', '--model', modelDir, '--format', 'onnx,keras'], { encoding: 'utf8' });
if (exp.status !== 0) throw new Error(exp.stderr);
const size = (f: string) => statSync(join(modelDir, f)).size;
const tfjsBytes = readdirSync(modelDir).filter((f) => f === 'model.json' || (f.startsWith('group') && f.endsWith('.bin'))).reduce((s, f) => s + size(f), 0);

await generateCtr({ out: join(work, 'data'), startDate: '20240101', days: 1, rowsPerDay: rowsWanted, seed: 1, gzip: true });
const file = join(work, 'data', '20240101', readdirSync(join(work, 'data', '20240101')).find((f) => f.endsWith('.csv.gz'))!);
const rows = parse(gunzipSync(readFileSync(file)), { columns: true }) as Record<string, string>[];

const example = (await import(new URL('../../examples/serving/score-onnx.mjs', import.meta.url).href)) as {
  toFeeds(signature: unknown, rows: Record<string, string>[]): Record<string, ort.Tensor>;
};
const signature = JSON.parse(readFileSync(join(modelDir, 'signature.json'), 'utf8'));
const batches = Array.from({ length: Math.ceil(rows.length / batch) }, (_, i) => rows.slice(i * batch, (i + 1) * batch));

interface Rate {
  rowsPerSecond: number;
  /** CPU microseconds per row, all threads of the process (steadier than wall time on a shared machine). */
  cpuUsPerRow: number;
}

const show = (r: Rate) => `${fmt(r.rowsPerSecond)} rows/s, ${r.cpuUsPerRow.toFixed(2)} CPU us/row`;

async function rate(threads: number, prepared: boolean): Promise<Rate> {
  const session = await ort.InferenceSession.create(join(modelDir, 'model.onnx'), { intraOpNumThreads: threads, interOpNumThreads: 1 });
  const feeds = prepared ? batches.map((b) => example.toFeeds(signature, b)) : null;
  await session.run(example.toFeeds(signature, batches[0]!)); // warm-up
  const rates: number[] = [];
  const cpu: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    for (let i = 0; i < batches.length; i++) await session.run(feeds ? feeds[i]! : example.toFeeds(signature, batches[i]!));
    const c = process.cpuUsage(c0);
    rates.push(rows.length / ((performance.now() - t0) / 1000));
    cpu.push((c.user + c.system) / rows.length);
  }
  await session.release();
  return { rowsPerSecond: median(rates), cpuUsPerRow: median(cpu) };
}

function predictRate(threads: string, backend: string): Rate {
  const rates: number[] = [];
  const cpu: number[] = [];
  for (let r = 0; r < Math.min(rounds, 3); r++) {
    const t0 = performance.now();
    // GNU time prints the child's user and system seconds on stderr's last line.
    const p = spawnSync('/usr/bin/time', ['-f', '%U %S', process.execPath, mmoe, 'predict', '--model', modelDir, '--input', file, '--output', join(work, 'scores.csv'), '--threads', threads, '--backend', backend], { encoding: 'utf8' });
    if (p.status !== 0) throw new Error(p.stderr);
    rates.push(rows.length / ((performance.now() - t0) / 1000));
    const [user, sys] = p.stderr.trim().split('\n').at(-1)!.split(' ').map(Number);
    cpu.push(((user! + sys!) * 1e6) / rows.length);
  }
  return { rowsPerSecond: median(rates), cpuUsPerRow: median(cpu) };
}

const lines = [
  `${rows.length} rows, batches of ${batch}, median of ${rounds} rounds; ${cpus().length} x ${cpus()[0]!.model}; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} at the start`,
  `sizes: model.json + shards ${fmt(tfjsBytes)} bytes; model.onnx ${fmt(size('model.onnx'))} (${(size('model.onnx') / tfjsBytes).toFixed(3)}x); model.keras ${fmt(size('model.keras'))} (${(size('model.keras') / tfjsBytes).toFixed(3)}x)`,
];
for (const threads of [1, 2]) {
  lines.push(`onnxruntime-node, ${threads} intra-op thread(s), session.run on prepared feeds: ${show(await rate(threads, true))}`);
  lines.push(`onnxruntime-node, ${threads} intra-op thread(s), from parsed CSV records (hash + feeds + run): ${show(await rate(threads, false))}`);
}
for (const backend of opt.backends!.split(',')) {
  // --threads starts scoring threads on wasm only: on tensorflow the two commands are the same.
  if (backend === 'wasm') lines.push(`mmoe predict --threads 0 on wasm (whole command, same rows): ${show(predictRate('0', backend))}`);
  lines.push(`mmoe predict (--threads auto) on ${backend} (whole command, same rows): ${show(predictRate('auto', backend))}`);
}
lines.push(`load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} at the end`);
console.log(lines.join('\n'));
rmSync(work, { recursive: true, force: true });
