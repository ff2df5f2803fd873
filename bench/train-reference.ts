// Reference-model training benchmark: `mmoe train --config configs/ads-reference.json --epochs 1` (MMoE
// 8 experts x 64, the benchmarked ads model) on one day
// of generated CTR rows, on each engine, next to the PyTorch peer (../shared/peers/torch_mmoe.py,
// dense Adam and --sparse SparseAdam on the embeddings) in the same run; test AUC on the next day.
// Runs of one round alternate, so load from neighbours falls on all of them alike.
//
//   npm run build && node dist/bench/train-reference.js [--rows 500000] [--runs 1] [--backends tensorflow,wasm]
//     [--dir /tmp/mmoe-bench-train] [--skip-peer]
//
// mmoe holds out 10% of the day for validation (the config's validRatio) and trains on the rest;
// the peer trains on the whole day. Samples/s: training rows / training seconds (mmoe's
// metadata.json timings.trainSeconds, which include the validation pass; the peer's own figure).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { generateCtr } from '../src/data/generate-ctr.js';
import { fmt } from './figures.js';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '500000' },
    runs: { type: 'string', default: '1' },
    backends: { type: 'string', default: 'tensorflow,wasm' },
    dir: { type: 'string', default: join(tmpdir(), 'mmoe-bench-train') },
    shared: { type: 'string', default: '../shared' },
    'skip-peer': { type: 'boolean', default: false },
  },
});
const rows = Number(values.rows);
const data = join(resolve(values.dir!), `ctr-${rows}`);
const TRAIN = '20240101';
const TEST = '20240102';
const work = mkdtempSync(join(tmpdir(), 'mmoe-train-run-'));
const mmoe = resolve('bin/mmoe.js');

interface Measure {
  seconds: number;
  /** User + system CPU seconds of the whole command. */
  cpuSeconds: number;
  samplesPerS: number;
  auc: { ctr: number; ctcvr: number };
  rssMb: number;
}

function timed(cmd: string, argv: string[]): { seconds: number; cpuSeconds: number; stdout: string; rssMb: number } {
  // GNU time reports the child's peak RSS (kB) and user and system CPU seconds on stderr's last line.
  const t0 = performance.now();
  const r = spawnSync('/usr/bin/time', ['-f', '%M %U %S', cmd, ...argv], { encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`${cmd} ${argv.join(' ')} exited ${r.status}: ${r.stderr.slice(-2000)}`);
  const [rss, user, system] = r.stderr.trim().split('\n').at(-1)!.split(' ').map(Number);
  return { seconds: (performance.now() - t0) / 1000, cpuSeconds: user! + system!, stdout: r.stdout, rssMb: Math.round(rss! / 1024) };
}

function mmoeOnce(backend: string, run: number): Measure {
  const models = join(work, `${backend}-${run}`);
  const t = timed(process.execPath, [mmoe, 'train', '--train-data-dir', data, '--cur-date', TRAIN, '--days', '1', '--epochs', '1', '--config', 'configs/ads-reference.json', '--backend', backend, '--model-output-dir', models, '--log-dir', join(work, 'logs'), '--quiet']);
  const meta = JSON.parse(readFileSync(join(models, TRAIN, 'metadata.json'), 'utf8'));
  if (meta.backend !== backend) throw new Error(`asked for ${backend}, trained on ${meta.backend}`);
  const ev = JSON.parse(execFileSync(process.execPath, [mmoe, 'eval', '--model', join(models, 'latest'), '--data-dir', data, '--dates', TEST, '--format', 'json', '--no-gates', '--backend', backend], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }));
  const auc = Object.fromEntries(ev.tasks.map((k: { name: string; binary: { auc: { value: number } } }) => [k.name, k.binary.auc.value]));
  return { seconds: t.seconds, cpuSeconds: t.cpuSeconds, samplesPerS: meta.rows.train / meta.timings.trainSeconds, auc: { ctr: auc.ctr, ctcvr: auc.ctcvr }, rssMb: t.rssMb };
}

function peerOnce(sparse: boolean): Measure {
  const args = [join(resolve(values.shared!), 'peers/torch_mmoe.py'), '--data', data, '--train-days', TRAIN, '--test-days', TEST, '--labels', 'click,conversion'];
  args.push('--experts', '8', '--expert-units', '64', '--tower-units', '32', '--embed-dim', '16', '--lr', '0.002', '--epochs', '1', ...(sparse ? ['--sparse'] : []));
  const t = timed('/usr/bin/python3', args);
  const p = JSON.parse(t.stdout.trim().split('\n').at(-1)!);
  return { seconds: t.seconds, cpuSeconds: t.cpuSeconds, samplesPerS: p.train_samples_per_s, auc: { ctr: p.test_auc.click, ctcvr: p.test_auc.conversion }, rssMb: t.rssMb };
}

if (!existsSync(join(data, TEST, '_SUCCESS'))) {
  process.stderr.write(`generating ${fmt(rows)} rows a day in ${data} ...\n`);
  await generateCtr({ out: data, startDate: TRAIN, days: 2, rowsPerDay: rows, seed: 1, force: true });
}
const backends = values.backends!.split(',');
const results = new Map<string, Measure[]>();
const add = (name: string, m: Measure) => {
  results.set(name, [...(results.get(name) ?? []), m]);
  process.stderr.write(`${name}: ${fmt(m.samplesPerS)} samples/s, ${m.seconds.toFixed(1)} s (CPU ${m.cpuSeconds.toFixed(1)} s), AUC ${m.auc.ctr.toFixed(4)} / ${m.auc.ctcvr.toFixed(4)}, ${m.rssMb} MB\n`);
};
const loads = [loadavg()[0]!];
for (let r = 0; r < Number(values.runs); r++) {
  for (const b of r % 2 ? [...backends].reverse() : backends) add(`mmoe train, ${b}`, mmoeOnce(b, r));
  if (!values['skip-peer']) {
    add('PyTorch peer, dense Adam', peerOnce(false));
    add('PyTorch peer, --sparse', peerOnce(true));
  }
  loads.push(loadavg()[0]!);
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const range = (xs: number[], d = 0) => (xs.length > 1 ? ` (${Math.min(...xs).toFixed(d)}-${Math.max(...xs).toFixed(d)})` : '');
const sparse = results.get('PyTorch peer, --sparse');
console.log(`${fmt(rows)} rows a day, ${TRAIN} to train, ${TEST} to test; node ${process.version}; ${values.runs} run(s) per row, mean (range); load average ${loads.map((l) => l.toFixed(1)).join(' -> ')}`);
console.log('| run | samples/s | / peer --sparse | wall s | CPU s | test AUC ctr / ctcvr | peak RSS MB |');
console.log('| --- | ---: | ---: | ---: | ---: | --- | ---: |');
for (const [name, ms] of results) {
  const s = ms.map((m) => m.samplesPerS);
  const ratio = sparse ? `${(mean(s) / mean(sparse.map((m) => m.samplesPerS))).toFixed(2)}x` : '-';
  const auc = `${mean(ms.map((m) => m.auc.ctr)).toFixed(4)} / ${mean(ms.map((m) => m.auc.ctcvr)).toFixed(4)}`;
  console.log(`| ${name} | ${fmt(mean(s))}${range(s)} | ${ratio} | ${mean(ms.map((m) => m.seconds)).toFixed(1)}${range(ms.map((m) => m.seconds), 1)} | ${mean(ms.map((m) => m.cpuSeconds)).toFixed(1)} | ${auc} | ${fmt(mean(ms.map((m) => m.rssMb)))} |`);
}
rmSync(work, { recursive: true, force: true });
