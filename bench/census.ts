// Census-Income (KDD) benchmark: test AUC and wall time of `mmoe train` for the shipped census
// configs on each engine, next to the PyTorch peer (../shared/peers/torch_mmoe.py) on the same
// partitions, in one run. Runs of one round alternate engines and configs, so load from
// neighbours falls on all of them alike.
//
//   npm run build && node dist/bench/census.js [--out /tmp/census] [--runs 1] [--backends tensorflow,wasm]
//     [--configs census-mmoe,census-shared-bottom,census-ple] [--skip-peer] [--epochs N]
//
// --epochs caps mmoe's epochs (the configs' own, with early stopping, otherwise) and sets the
// peer's (20 otherwise): a quick check that the script runs, not a figure to report.
//
// Needs python3 (for the partition script) and Debian's python3-torch/pandas/sklearn for the peer
// (/usr/bin/python3); --backends tensorflow needs tfjs-node (../shared/tfjs-node/setup.sh here).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const args = process.argv.slice(2);
const flag = (name: string, dflt: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1]! : dflt;
};
const shared = resolve(flag('shared', '../shared'));
const out = resolve(flag('out', join(tmpdir(), 'mmoe-census')));
const runs = Number(flag('runs', '1'));
const backends = flag('backends', 'tensorflow,wasm').split(',');
const configs = flag('configs', 'census-mmoe,census-shared-bottom,census-ple').split(',');
const skipPeer = args.includes('--skip-peer');
const epochs = args.includes('--epochs') ? flag('epochs', '') : undefined;
const work = mkdtempSync(join(tmpdir(), 'mmoe-census-run-'));
const NUMERIC = 'age,wage_per_hour,capital_gains,capital_losses,stock_dividends,num_emp,weeks_worked';

if (!existsSync(join(out, '20260104'))) execFileSync('python3', [join(shared, 'bench/census_partitions.py'), out], { stdio: 'inherit' });

function timed(cmd: string, argv: string[]): { seconds: number; cpuSeconds: number; stdout: string; peakRssMb: number } {
  // GNU time reports the child's peak RSS (kB) and user and system CPU seconds on stderr's last line.
  const t0 = performance.now();
  const r = spawnSync('/usr/bin/time', ['-f', '%M %U %S', cmd, ...argv], { encoding: 'utf8', maxBuffer: 1 << 28 });
  const seconds = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`${cmd} ${argv.join(' ')} exited ${r.status}: ${r.stderr.slice(-2000)}`);
  const [rss, user, system] = r.stderr.trim().split('\n').at(-1)!.split(' ').map(Number);
  return { seconds, cpuSeconds: user! + system!, stdout: r.stdout, peakRssMb: Math.round(rss! / 1024) };
}

interface Row {
  name: string;
  wall: number[];
  /** User + system CPU seconds of the whole command: less sensitive than wall time to neighbours on a shared machine. */
  cpu: number[];
  /** Training rows per second of training time (metadata.json timings.trainSeconds, validation included). */
  rate: number[];
  auc: Record<string, number[]>;
  rss: number[];
  epochs: string;
}

const rows = new Map<string, Row>();
const row = (name: string, epochs = ''): Row => {
  if (!rows.has(name)) rows.set(name, { name, wall: [], cpu: [], rate: [], auc: { income: [], never_married: [] }, rss: [], epochs });
  return rows.get(name)!;
};
const mmoe = resolve('bin/mmoe.js');
const load = [loadavg()[0]];

function trainOnce(config: string, backend: string, r: number): void {
  const res = row(`mmoe train, configs/${config}.json, ${backend}`);
  const models = join(work, `${config}-${backend}-${r}`);
  const t = timed(process.execPath, [mmoe, 'train', '--train-data-dir', out, '--cur-date', '20260102', '--days', '2', '--config', `configs/${config}.json`, '--backend', backend, '--model-output-dir', models, '--log-dir', join(work, 'logs'), '--quiet', ...(epochs ? ['--epochs', epochs] : [])]);
  const meta = JSON.parse(readFileSync(join(models, '20260102', 'metadata.json'), 'utf8'));
  if (meta.backend !== backend) throw new Error(`asked for ${backend}, trained on ${meta.backend}`);
  res.epochs = `${meta.epochs.run} (best ${meta.epochs.best})`;
  // The test AUC on the engine that trained the model.
  const evalArgs = [mmoe, 'eval', '--model', join(models, 'latest'), '--data-dir', out, '--dates', '20260104', '--format', 'json', '--no-gates', '--backend', backend];
  const ev = execFileSync(process.execPath, evalArgs, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  for (const task of JSON.parse(ev).tasks) res.auc[task.name]!.push(task.binary.auc.value);
  res.wall.push(t.seconds);
  res.cpu.push(t.cpuSeconds);
  res.rate.push((meta.rows.train * meta.epochs.run) / meta.timings.trainSeconds);
  res.rss.push(t.peakRssMb);
  progress(res);
}

/** The latest measurement of a row on stderr, so a long run shows (and keeps) what it has. */
function progress(r: Row): void {
  process.stderr.write(`${r.name}: ${r.wall.at(-1)!.toFixed(1)} s (CPU ${r.cpu.at(-1)!.toFixed(1)} s), AUC ${r.auc.income!.at(-1)!.toFixed(4)} / ${r.auc.never_married!.at(-1)!.toFixed(4)}, ${r.rss.at(-1)} MB\n`);
}

function peerOnce(model: string): void {
  const res = row(`PyTorch peer, --model ${model}`, epochs ?? '20');
  const t = timed('/usr/bin/python3', [join(shared, 'peers/torch_mmoe.py'), '--data', out, '--train-days', '20260101,20260102', '--test-days', '20260104', '--labels', 'income_50k,never_married', '--numeric', NUMERIC, '--model', model, '--epochs', epochs ?? '20']);
  const peer = JSON.parse(t.stdout.trim().split('\n').pop()!);
  res.auc.income!.push(peer.test_auc.income_50k);
  res.auc.never_married!.push(peer.test_auc.never_married);
  res.wall.push(t.seconds);
  res.cpu.push(t.cpuSeconds);
  res.rate.push(peer.train_samples_per_s);
  res.rss.push(t.peakRssMb);
  progress(res);
}

for (let r = 0; r < runs; r++) {
  for (const config of configs) for (const backend of r % 2 ? [...backends].reverse() : backends) trainOnce(config, backend, r);
  if (!skipPeer) for (const model of ['mmoe', 'shared_bottom']) peerOnce(model);
  load.push(loadavg()[0]);
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const ratio = (xs: number[], of?: number[]) => (of ? `${(mean(xs) / mean(of)).toFixed(2)}x` : '-');
const fmt = (xs: number[], d: number) => (xs.length > 1 ? `${mean(xs).toFixed(d)} (${Math.min(...xs).toFixed(d)}-${Math.max(...xs).toFixed(d)})` : mean(xs).toFixed(d));
const peer = rows.get('PyTorch peer, --model mmoe');
console.log(`node ${process.version}; ${runs} run(s) per row, mean (range); load average ${load.map((l) => l.toFixed(1)).join(' -> ')}`);
console.log('| run | epochs | income AUC (test) | never-married AUC (test) | wall s | wall / peer MMoE | CPU s | CPU / peer MMoE | train rows/s | peak RSS MB |');
console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
for (const r of rows.values())
  console.log(
    `| ${r.name} | ${r.epochs} | ${fmt(r.auc.income!, 4)} | ${fmt(r.auc.never_married!, 4)} | ${fmt(r.wall, 1)} | ${ratio(r.wall, peer?.wall)} | ${fmt(r.cpu, 1)} | ${ratio(r.cpu, peer?.cpu)} | ${Math.round(mean(r.rate)).toLocaleString('en-US')} | ${fmt(r.rss, 0)} |`,
  );
rmSync(work, { recursive: true, force: true });
