// Census-Income (KDD) benchmark: test AUC and wall time of `mmoe train` for the shipped census
// configs, next to the PyTorch peer (../shared/peers/torch_mmoe.py) on the same partitions, in one run.
//
//   npm run build && node dist/bench/census.js [--out /tmp/census] [--runs 1] [--skip-peer]
//
// Needs python3 (for the partition script) and Debian's python3-torch/pandas/sklearn for the peer.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const args = process.argv.slice(2);
const flag = (name: string, dflt: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1]! : dflt;
};
const shared = resolve(flag('shared', '../shared'));
const out = resolve(flag('out', join(tmpdir(), 'mmoe-census')));
const runs = Number(flag('runs', '1'));
const skipPeer = args.includes('--skip-peer');
const work = mkdtempSync(join(tmpdir(), 'mmoe-census-run-'));
const NUMERIC = 'age,wage_per_hour,capital_gains,capital_losses,stock_dividends,num_emp,weeks_worked';

if (!existsSync(join(out, '20260104'))) execFileSync('python3', [join(shared, 'bench/census_partitions.py'), out], { stdio: 'inherit' });

function timed(cmd: string, argv: string[]): { seconds: number; stdout: string; peakRssMb: number } {
  // GNU time reports the peak RSS of the child (kB) on stderr's last line.
  const t0 = performance.now();
  const r = spawnSync('/usr/bin/time', ['-f', '%M', cmd, ...argv], { encoding: 'utf8', maxBuffer: 1 << 28 });
  const seconds = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`${cmd} ${argv.join(' ')} exited ${r.status}: ${r.stderr.slice(-2000)}`);
  const lines = r.stderr.trim().split('\n');
  return { seconds, stdout: r.stdout, peakRssMb: Math.round(Number(lines[lines.length - 1]) / 1024) };
}

interface Row {
  name: string;
  wall: number[];
  auc: Record<string, number[]>;
  rss: number[];
  epochs: string;
}

const rows: Row[] = [];
const mmoe = resolve('bin/mmoe.js');
for (const config of ['census-mmoe', 'census-shared-bottom', 'census-ple']) {
  const row: Row = { name: `mmoe train, configs/${config}.json`, wall: [], auc: { income: [], never_married: [] }, rss: [], epochs: '' };
  for (let r = 0; r < runs; r++) {
    const models = join(work, `${config}-${r}`);
    const t = timed(process.execPath, [mmoe, 'train', '--train-data-dir', out, '--cur-date', '20260102', '--days', '2', '--config', `configs/${config}.json`, '--model-output-dir', models, '--log-dir', join(work, 'logs'), '--quiet']);
    const meta = JSON.parse(readFileSync(join(models, '20260102', 'metadata.json'), 'utf8'));
    row.epochs = `${meta.epochs.run} (best ${meta.epochs.best})`;
    const ev = execFileSync(process.execPath, [mmoe, 'eval', '--model', join(models, 'latest'), '--data-dir', out, '--dates', '20260104', '--format', 'json', '--no-gates'], { encoding: 'utf8' });
    const doc = JSON.parse(ev);
    for (const t of doc.tasks) row.auc[t.name]!.push(t.binary.auc.value);
    row.wall.push(t.seconds);
    row.rss.push(t.peakRssMb);
  }
  rows.push(row);
}
if (!skipPeer) {
  for (const model of ['mmoe', 'shared_bottom']) {
    const row: Row = { name: `PyTorch peer, --model ${model}`, wall: [], auc: { income: [], never_married: [] }, rss: [], epochs: '20' };
    for (let r = 0; r < runs; r++) {
      const t = timed('/usr/bin/python3', [join(shared, 'peers/torch_mmoe.py'), '--data', out, '--train-days', '20260101,20260102', '--test-days', '20260104', '--labels', 'income_50k,never_married', '--numeric', NUMERIC, '--model', model, '--epochs', '20']);
      const res = JSON.parse(t.stdout.trim().split('\n').pop()!);
      row.auc.income!.push(res.test_auc.income_50k);
      row.auc.never_married!.push(res.test_auc.never_married);
      row.wall.push(t.seconds);
      row.rss.push(t.peakRssMb);
    }
    rows.push(row);
  }
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const fmt = (xs: number[], d: number) => (xs.length > 1 ? `${mean(xs).toFixed(d)} (${Math.min(...xs).toFixed(d)}-${Math.max(...xs).toFixed(d)})` : mean(xs).toFixed(d));
const peerWall = rows.find((r) => r.name.includes('peer, --model mmoe'))?.wall;
console.log('| run | epochs | income AUC | never-married AUC | wall s | wall / peer MMoE | peak RSS MB |');
console.log('| --- | --- | --- | --- | --- | --- | --- |');
for (const r of rows)
  console.log(
    `| ${r.name} | ${r.epochs} | ${fmt(r.auc.income!, 4)} | ${fmt(r.auc.never_married!, 4)} | ${fmt(r.wall, 1)} | ${peerWall ? `${(mean(r.wall) / mean(peerWall)).toFixed(2)}x` : '-'} | ${fmt(r.rss, 0)} |`,
  );
