// `npm run bench`: the training figures of docs/benchmarks.md ("Training"), each next to the
// PyTorch peer's (../shared/peers/torch_mmoe.py) measured in the same run, with the ratio. Every
// command runs in its own process (GNU time: wall, CPU, peak RSS); the machine is described first.
//
//   npm run bench [-- --out /tmp/mmoe-bench] [--runs 1] [--rows 500000] [--only census,ctr,memory,kernels,steps,buckets]
//                    [--skip-peer] [--shared ../shared] [--backend auto|wasm|tensorflow] [--large-buckets 1000000]
//
// Smaller --rows and --large-buckets are for smoke runs of the script only: the targets are about
// 500k rows and 10^6 buckets. Each section's wall time and the total are printed (limit 10 minutes).
//
// Needs /usr/bin/python3 with torch, pandas and scikit-learn (Debian: python3-torch python3-pandas
// python3-sklearn) for the peer and ../shared/bench/census_partitions.py for the census days.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { generateCtr } from '../src/data/generate-ctr.js';
import { fmt, median } from './figures.js';
import { machine, type Timed, timed } from './process.js';
import { bucketCost, kernelCompare, stepSplit } from './training-steps.js';

const { values } = parseArgs({
  options: {
    out: { type: 'string', default: join(tmpdir(), 'mmoe-bench') },
    shared: { type: 'string', default: '../shared' },
    runs: { type: 'string', default: '1' },
    rows: { type: 'string', default: '500000' },
    only: { type: 'string', default: 'census,ctr,memory,kernels,steps,buckets' },
    'skip-peer': { type: 'boolean', default: false },
    backend: { type: 'string', default: 'auto' },
    'large-buckets': { type: 'string', default: '1000000' },
  },
});
const started = performance.now();
let sectionStart = started;
/** The wall time of the section just printed (and since the start). */
const sectionTime = (name: string) => {
  const now = performance.now();
  say();
  say(`(${name}: ${((now - sectionStart) / 1000).toFixed(0)} s; ${((now - started) / 60_000).toFixed(1)} min since the start)`);
  sectionStart = now;
};
const out = resolve(values.out!);
const shared = resolve(values.shared!);
const runs = Number(values.runs);
const rows = Number(values.rows);
const only = new Set(values.only!.split(','));
const skipPeer = values['skip-peer']!;
const backend = values.backend!;
const largeBuckets = Number(values['large-buckets']);
const work = mkdtempSync(join(tmpdir(), 'mmoe-bench-run-'));
const mmoe = resolve('bin/mmoe.js');
const peer = join(shared, 'peers/torch_mmoe.py');
const say = (line = '') => process.stdout.write(`${line}\n`);
const row = (cells: (string | number)[]) => say(`| ${cells.join(' | ')} |`);
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const range = (xs: number[], d: number) => (xs.length > 1 ? `${mean(xs).toFixed(d)} (${Math.min(...xs).toFixed(d)}-${Math.max(...xs).toFixed(d)})` : mean(xs).toFixed(d));

interface Trained {
  t: Timed;
  meta: {
    epochs: { run: number; best: number };
    history: { examplesPerSecond: number }[];
    trainingPath: { kernels: string; threads: number; fma?: boolean } | null;
    backend: string;
    rows: { train: number };
    timings: { readOverlapped?: boolean };
  };
  auc: Record<string, number>;
  /** The test day's `mmoe eval` (whole command). */
  evalT?: Timed;
}

/** `mmoe train` (then `mmoe eval` of the published model on the test day, not timed; no test day: no eval). */
function train(name: string, config: string, data: string, curDate: string, days: number, testDate: string | null, extra: string[] = []): Trained {
  const models = join(work, name);
  rmSync(models, { recursive: true, force: true });
  const t = timed(process.execPath, [mmoe, 'train', '--train-data-dir', data, '--cur-date', curDate, '--days', String(days), '--config', config, '--model-output-dir', models, '--log-dir', join(work, 'logs'), '--quiet', '--backend', backend, ...extra]);
  const meta = JSON.parse(readFileSync(join(models, curDate, 'metadata.json'), 'utf8'));
  if (testDate === null) return { t, meta, auc: {} };
  const evalArgs = [mmoe, 'eval', '--model', join(models, 'latest'), '--data-dir', data, '--dates', testDate, '--format', 'json', '--no-gates'];
  const evalT = timed(process.execPath, evalArgs);
  const ev = JSON.parse(evalT.stdout);
  const auc = Object.fromEntries(ev.tasks.map((x: { name: string; binary: { auc: { value: number } } }) => [x.name, x.binary.auc.value]));
  return { t, meta, auc, evalT };
}

/** `mmoe predict` of the published model on `date` into a CSV file (whole command). */
function predict(models: string, data: string, date: string): Timed {
  const output = join(work, 'predictions.csv');
  const t = timed(process.execPath, [mmoe, 'predict', '--model', join(models, 'latest'), '--data-dir', data, '--dates', date, '--output', output]);
  rmSync(output, { force: true });
  return t;
}

interface PeerRun {
  t: Timed;
  samplesPerSecond: number;
  auc: Record<string, number>;
}

function runPeer(argv: string[]): PeerRun {
  const t = timed('/usr/bin/python3', [peer, ...argv]);
  const res = JSON.parse(t.stdout.trim().split('\n').pop()!);
  return { t, samplesPerSecond: res.train_samples_per_s, auc: res.test_auc };
}

/** A config file derived from a shipped one. */
function derived(name: string, from: string, change: (c: Record<string, any>) => void): string {
  const c = JSON.parse(readFileSync(from, 'utf8'));
  change(c);
  const path = join(work, `${name}.json`);
  writeFileSync(path, JSON.stringify(c, null, 2));
  return path;
}

say('# mmoe training benchmark');
say();
for (const l of machine()) say(`- ${l}`);
say(`- command: npm run bench -- --out ${out} --runs ${runs} --rows ${rows} --only ${[...only].join(',')} --backend ${backend}${skipPeer ? ' --skip-peer' : ''}${largeBuckets !== 1_000_000 ? ` --large-buckets ${largeBuckets}` : ''}`);
say(`- data: ${out}; scratch: ${work}`);

if (only.has('census')) {
  const census = join(out, 'census');
  if (!existsSync(join(census, '20260104'))) execFileSync('/usr/bin/python3', [join(shared, 'bench/census_partitions.py'), census], { stdio: 'inherit' });
  const NUMERIC = 'age,wage_per_hour,capital_gains,capital_losses,stock_dividends,num_emp,weeks_worked';
  const ours: Trained[] = [];
  const one: Trained[] = [];
  const peers: PeerRun[] = [];
  for (let r = 0; r < runs; r++) {
    ours.push(train(`census-${r}`, 'configs/census-mmoe.json', census, '20260102', 2, '20260104'));
    one.push(train(`census-1t-${r}`, 'configs/census-mmoe.json', census, '20260102', 2, '20260104', ['--threads', '1']));
    if (!skipPeer) peers.push(runPeer(['--data', census, '--train-days', '20260101,20260102', '--test-days', '20260104', '--labels', 'income_50k,never_married', '--numeric', NUMERIC, '--model', 'mmoe', '--epochs', '20']));
  }
  say();
  say('## Census-Income: time to quality (whole `mmoe train` command, configs/census-mmoe.json)');
  say();
  say(`Runs alternate (ours, ours --threads 1, peer) ${runs} time(s); test AUC on 20260104 (mmoe eval of the published model). Target: wall <= 1.0x the peer's at income AUC >= 0.950 and never-married >= 0.994 (aim 0.5x).`);
  say();
  row(['run', 'epochs (best)', 'income AUC', 'never-married AUC', 'wall s', 'CPU s', 'wall / peer', 'peak RSS MB', 'samples/s (median epoch)']);
  row(['---', '---', '---', '---', '---', '---', '---', '---', '---']);
  const peerWall = peers.length ? mean(peers.map((p) => p.t.wall)) : NaN;
  const line = (name: string, xs: Trained[]) =>
    row([
      name,
      `${xs[0]!.meta.epochs.run} (${xs[0]!.meta.epochs.best})`,
      range(xs.map((x) => x.auc.income!), 4),
      range(xs.map((x) => x.auc.never_married!), 4),
      range(xs.map((x) => x.t.wall), 1),
      range(xs.map((x) => x.t.cpu), 1),
      peers.length ? `${(mean(xs.map((x) => x.t.wall)) / peerWall).toFixed(2)}x` : '-',
      range(xs.map((x) => x.t.peakRssMb), 0),
      fmt(mean(xs.map((x) => median(x.meta.history.map((h) => h.examplesPerSecond))))),
    ]);
  line(`mmoe train (threads auto: ${ours[0]!.meta.trainingPath?.kernels} x${ours[0]!.meta.trainingPath?.threads}, backend ${ours[0]!.meta.backend})`, ours);
  line('mmoe train --threads 1', one);
  if (peers.length)
    row([
      'PyTorch peer --epochs 20',
      '20',
      range(peers.map((p) => p.auc.income_50k!), 4),
      range(peers.map((p) => p.auc.never_married!), 4),
      range(peers.map((p) => p.t.wall), 1),
      range(peers.map((p) => p.t.cpu), 1),
      '1.00x',
      range(peers.map((p) => p.t.peakRssMb), 0),
      fmt(mean(peers.map((p) => p.samplesPerSecond))),
    ]);
  const speedup = mean(ours.map((x) => median(x.meta.history.map((h) => h.examplesPerSecond)))) / mean(one.map((x) => median(x.meta.history.map((h) => h.examplesPerSecond))));
  say();
  say(`Threads, census: ${speedup.toFixed(2)}x training samples/s with threads auto (${ours[0]!.meta.trainingPath?.threads}) against --threads 1 (target >= 1.6x with 2).`);
  sectionTime('census');
}

if (only.has('ctr') || only.has('memory')) {
  const ctr = join(out, `ctr-${rows}`);
  if (!existsSync(join(ctr, '20240103', '_SUCCESS'))) await generateCtr({ out: ctr, startDate: '20240101', days: 3, rowsPerDay: rows, seed: 1, force: true });
  // One epoch on day 1, validation on day 2, test on day 3.
  const oneEpoch = (c: Record<string, any>) => {
    c.training.epochs = 1;
    c.training.validation = { date: '20240102' };
  };
  const peerArgs = ['--data', ctr, '--train-days', '20240101', '--test-days', '20240103', '--labels', 'click,conversion', '--numeric', 'hour', '--experts', '8', '--expert-units', '64', '--tower-units', '32', '--embed-dim', '16', '--epochs', '1'];
  if (only.has('ctr')) {
    const fast = derived('default-1', 'configs/ads-reference.json', oneEpoch);
    const plain = derived('default-1-tfjs', 'configs/ads-reference.json', (c) => {
      oneEpoch(c);
      c.training.kernels = 'tfjs';
    });
    // Two epochs: the second trains on the complete table with no reading thread sharing the cores.
    const twoEpochs = derived('default-2', 'configs/ads-reference.json', (c) => {
      oneEpoch(c);
      c.training.epochs = 2;
    });
    const results: Record<string, Trained[]> = { today: [], one: [], two: [], auto: [] };
    const alone: Record<1 | 2, Trained[]> = { 1: [], 2: [] };
    // The peer as the issue runs it (one intra-op thread, its default), then with 2 threads.
    const peerRuns: Record<string, PeerRun[]> = { sparse: [], dense: [], sparse2: [] };
    const predictions: Timed[] = [];
    for (let r = 0; r < runs; r++) {
      for (const threads of [1, 2] as const) alone[threads].push(train(`ctr-2e-${threads}-${r}`, twoEpochs, ctr, '20240101', 1, null, ['--threads', String(threads)]));
      results.today!.push(train(`ctr-tfjs-${r}`, plain, ctr, '20240101', 1, '20240103', ['--threads', '1']));
      results.one!.push(train(`ctr-1-${r}`, fast, ctr, '20240101', 1, '20240103', ['--threads', '1']));
      const auto = train(`ctr-auto-${r}`, fast, ctr, '20240101', 1, '20240103', ['--threads', 'auto']);
      results.auto!.push(auto);
      predictions.push(predict(join(work, `ctr-auto-${r}`), ctr, '20240103'));
      // Where auto is 2 threads (a 2-core machine), its run is the --threads 2 run too.
      results.two!.push(auto.meta.trainingPath?.threads === 2 ? auto : train(`ctr-2-${r}`, fast, ctr, '20240101', 1, '20240103', ['--threads', '2']));
      if (!skipPeer) {
        peerRuns.sparse!.push(runPeer([...peerArgs, '--sparse']));
        peerRuns.dense!.push(runPeer(peerArgs));
        peerRuns.sparse2!.push(runPeer([...peerArgs, '--sparse', '--threads', '2']));
      }
    }
    const rate = (xs: Trained[]) => mean(xs.map((x) => x.meta.history[0]!.examplesPerSecond));
    say();
    say(`## The reference ads model (configs/ads-reference.json, the issue's default model: 8 experts x 64, towers 32, dim 16), ${fmt(rows)} generated CTR rows, one epoch`);
    say();
    say('samples/s: training samples per second of the epoch (metadata.json history: the epoch\'s steps; the reading of the days runs alongside them in a thread, as configs/ads-reference.json has no statistics to compute; validation not included); end to end: training rows over the wall time of the whole command (start-up, reading, training, validation, saving). Test AUC on day 3. "today" is the tfjs graph (training.kernels "tfjs", one thread). Peer: `--experts 8 --expert-units 64 --tower-units 32 --embed-dim 16 --epochs 1 --numeric hour`, its own training samples/s (timed after it has read the data), one intra-op thread (its default, `torch.set_num_threads(1)`; its CPU time shows more busy threads) and, last, `--threads 2`; the ratios are to the issue\'s peer, `--sparse` at its default.');
    say();
    const peerSparse = peerRuns.sparse!.length ? mean(peerRuns.sparse!.map((p) => p.samplesPerSecond)) : NaN;
    row(['run', 'samples/s', 'vs today', 'vs peer --sparse', 'end to end rows/s', 'ctr AUC', 'ctcvr AUC', 'wall s', 'CPU s', 'peak RSS MB']);
    row(['---', '---', '---', '---', '---', '---', '---', '---', '---', '---']);
    const twoIsAuto = results.two![0] === results.auto![0];
    const labels: Record<string, string> = { today: 'today: tfjs graph, 1 thread', one: 'fast path, --threads 1', two: twoIsAuto ? 'fast path, --threads 2 (the auto run)' : 'fast path, --threads 2', auto: 'fast path, --threads auto' };
    for (const [k, xs] of Object.entries(results)) {
      const path = xs[0]!.meta.trainingPath;
      row([
        `${labels[k]} (${path?.kernels} x${path?.threads}${path?.fma ? ', FMA' : ''}; backend ${xs[0]!.meta.backend})`,
        fmt(rate(xs)),
        `${(rate(xs) / rate(results.today!)).toFixed(2)}x`,
        Number.isNaN(peerSparse) ? '-' : `${(rate(xs) / peerSparse).toFixed(2)}x`,
        fmt(mean(xs.map((x) => x.meta.rows.train / x.t.wall))),
        range(xs.map((x) => x.auc.ctr!), 4),
        range(xs.map((x) => x.auc.ctcvr!), 4),
        range(xs.map((x) => x.t.wall), 1),
        range(xs.map((x) => x.t.cpu), 1),
        range(xs.map((x) => x.t.peakRssMb), 0),
      ]);
    }
    for (const [k, xs] of Object.entries(peerRuns))
      if (xs.length)
        row([
          `PyTorch peer${{ sparse: ' --sparse', dense: '', sparse2: ' --sparse --threads 2' }[k]}`,
          fmt(mean(xs.map((p) => p.samplesPerSecond))),
          `${(mean(xs.map((p) => p.samplesPerSecond)) / rate(results.today!)).toFixed(2)}x`,
          `${(mean(xs.map((p) => p.samplesPerSecond)) / peerSparse).toFixed(2)}x`,
          fmt(mean(xs.map((p) => rows / p.t.wall))),
          range(xs.map((p) => p.auc.click!), 4),
          range(xs.map((p) => p.auc.conversion!), 4),
          range(xs.map((p) => p.t.wall), 1),
          range(xs.map((p) => p.t.cpu), 1),
          range(xs.map((p) => p.t.peakRssMb), 0),
        ]);
    const epochRate = (xs: Trained[], epoch: number) => mean(xs.map((x) => x.meta.history[epoch]!.examplesPerSecond));
    const [withReading, stepsAlone] = [rate(results.two!) / rate(results.one!), epochRate(alone[2], 1) / epochRate(alone[1], 1)];
    say();
    say('Threads on the steps alone: the fast path trained two epochs (no test-day eval). Epoch 1 trains while the reading thread reads the day (as in the runs above: with 2 training threads, three busy threads share the cores); epoch 2 trains on the complete table with no reading thread, which is what `--threads 2` against `--threads 1` measures.');
    say();
    row(['run', 'epoch 1 samples/s (reading alongside)', 'epoch 2 samples/s (steps alone)']);
    row(['---', '---', '---']);
    for (const t of [1, 2] as const) row([`fast path, --threads ${t} (${alone[t][0]!.meta.trainingPath?.kernels} x${alone[t][0]!.meta.trainingPath?.threads})`, fmt(epochRate(alone[t], 0)), fmt(epochRate(alone[t], 1))]);
    row(['--threads 2 / --threads 1', `${(epochRate(alone[2], 0) / epochRate(alone[1], 0)).toFixed(2)}x`, `${stepsAlone.toFixed(2)}x`]);
    say();
    // Issue 13 keeps scoring's throughput: the same model scoring the test day, whole commands.
    const scoring = [
      ['mmoe eval (--no-gates, JSON report)', results.auto!.map((x) => x.evalT!)],
      ['mmoe predict (CSV output)', predictions],
    ] as const;
    say();
    say(`Scoring the test day (${fmt(rows)} rows) with the threads-auto run's model, whole commands (start-up, model loading, reading included), defaults (backend auto, threads auto, folded first layers):`);
    say();
    row(['command', 'rows/s (wall)', 'wall s', 'CPU s', 'peak RSS MB']);
    row(['---', '---', '---', '---', '---']);
    for (const [what, ts] of scoring) row([what, fmt(mean(ts.map((t) => rows / t.wall))), range(ts.map((t) => t.wall), 1), range(ts.map((t) => t.cpu), 1), range(ts.map((t) => t.peakRssMb), 0)]);
    say();
    // The peer reads its data (pandas) before it trains and counts only its steps: our epoch 2 of
    // the two-epoch runs is the like-for-like figure (the one-epoch runs share the cores with the reader).
    const likeForLike = Number.isNaN(peerSparse) ? '-' : `${(epochRate(alone[2], 1) / peerSparse).toFixed(2)}x`;
    say(`Targets: threads auto >= 3x today (${(rate(results.auto!) / rate(results.today!)).toFixed(2)}x), >= 0.9x the peer with --sparse (${Number.isNaN(peerSparse) ? '-' : (rate(results.auto!) / peerSparse).toFixed(2)}x with the reading alongside; ${likeForLike} on the steps alone, --threads 2 epoch 2, as the peer's own figure counts its steps only); --threads 2 >= 1.6x --threads 1: ${stepsAlone.toFixed(2)}x on the steps alone (second epochs), ${withReading.toFixed(2)}x in the one-epoch runs with the reading alongside.`);
    sectionTime('ctr');
  }
  if (only.has('memory')) {
    const big = derived('default-1-adid-1e6', 'configs/ads-reference.json', (c) => {
      oneEpoch(c);
      c.features.categorical.find((f: { name: string }) => f.name === 'adid').buckets = 1_000_000;
    });
    const rss: Record<number, number[]> = { 1: [], 2: [] };
    for (let r = 0; r < runs; r++)
      for (const threads of [1, 2]) rss[threads]!.push(train(`mem-${threads}-${r}`, big, ctr, '20240101', 1, null, ['--threads', String(threads)]).t.peakRssMb);
    say();
    say('## Memory: the reference ads model with adid at 10^6 buckets, peak RSS of the whole command');
    say();
    row(['--threads', 'peak RSS MB', 'vs --threads 1']);
    row(['---', '---', '---']);
    for (const t of [1, 2]) row([t, range(rss[t]!, 0), `${(mean(rss[t]!) / mean(rss[1]!)).toFixed(2)}x`]);
    say();
    say('Target: --threads 2 at most 1.3x --threads 1 (the tables and their optimizer slots are one copy in shared memory).');
    sectionTime('memory');
  }
}

for (const [name, section] of [
  ['kernels', kernelCompare],
  ['steps', stepSplit],
  ['buckets', () => bucketCost(largeBuckets)],
] as const) {
  if (!only.has(name)) continue;
  for (const l of await section()) say(l);
  sectionTime(name);
}

say();
say(`- load average at the end: ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
say(`- wall time of the whole benchmark: ${((performance.now() - started) / 60_000).toFixed(1)} min (limit 10 min on 2 idle cores)`);
mkdirSync(out, { recursive: true });
rmSync(work, { recursive: true, force: true });
