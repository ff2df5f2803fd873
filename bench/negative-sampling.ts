// Benchmark of negative downsampling (docs/benchmarks.md, "Negative downsampling"): the same
// config trained on generated CTR days with every row and with negatives of the CTR task kept at
// --rate, each evaluated on the full next day: training time, test AUC, and calibration (mean score
// / label rate) of the published (corrected) model and without the correction. `mmoe train` and
// `mmoe eval` run as a user runs them, each in its own process; rounds alternate the two runs, and
// round i trains both with training seed (the config's) + i: other initial weights, shuffles and
// hold-out, so the rounds show how much the AUC difference moves with them.
//
// 3M rows a day is the default: at 0.3M and 1M rows a day the sampled model's AUC fell short by
// 0.009 and 0.005 (both models stop at their first epoch there, the sampled one having learned its
// negatives from a tenth of them); see docs/benchmarks.md.
//
//   node dist/bench/negative-sampling.js [--rows-per-day 3000000] [--days 2] [--rate 0.1] [--rounds 3]
//     [--click-shift -0.05] [--config configs/default.json] [--dir /tmp/mmoe-bench-sampling] [--backend auto|tensorflow|wasm]
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { datesFrom } from '../src/data/partitions.js';
import { generateCtr } from '../src/data/generate-ctr.js';
import { median } from './figures.js';

const START = '20240101';

function mmoe(args: string[]): string {
  const r = spawnSync(process.execPath, ['bin/mmoe.js', ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`mmoe ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

interface Run {
  trainSeconds: number;
  totalSeconds: number;
  trainRows: number;
  epochs: number;
  auc: number;
  calibration: number;
  /** The engine that trained (metadata.json). */
  backend: string;
  calibrationUncorrected: number | null;
  validCalibration: { before: number | null; after: number | null } | null;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'rows-per-day': { type: 'string', default: '3000000' },
      days: { type: 'string', default: '2' },
      rate: { type: 'string', default: '0.1' },
      rounds: { type: 'string', default: '3' },
      'click-shift': { type: 'string', default: '-0.05' },
      config: { type: 'string', default: 'configs/default.json' },
      dir: { type: 'string', default: '/tmp/mmoe-bench-sampling' },
      /** The engine of every `mmoe train` and `mmoe eval` (docs/backends.md); auto by default, as users run it. */
      backend: { type: 'string', default: 'auto' },
    },
  });
  const dir = values.dir!;
  const days = Number(values.days);
  const rowsPerDay = Number(values['rows-per-day']);
  const rate = Number(values.rate);
  const data = join(dir, `ctr-${rowsPerDay}`);
  const dates = datesFrom(START, days + 1);
  const testDate = dates.at(-1)!;
  const curDate = dates.at(-2)!;
  if (!existsSync(join(data, testDate, '_SUCCESS'))) {
    process.stderr.write(`generating ${days + 1} days of ${rowsPerDay} rows in ${data} ...\n`);
    const parts = await generateCtr({ out: data, startDate: START, days: days + 1, rowsPerDay, seed: 7, clickShift: Number(values['click-shift']), force: true });
    for (const p of parts) process.stderr.write(`${p.date}: click rate ${((100 * p.clicks) / p.rows).toFixed(2)}%\n`);
  }
  const base = JSON.parse(readFileSync(values.config!, 'utf8')) as { training: Record<string, unknown> };
  const seed0 = (base.training.seed as number | undefined) ?? 2022;
  const configs = (seed: number) => ({
    full: { ...base, training: { ...base.training, seed } },
    sampled: { ...base, training: { ...base.training, seed, negativeSampling: { task: 'ctr', rate } } },
  });
  const runs: Record<'full' | 'sampled', Run[]> = { full: [], sampled: [] };
  for (let round = 0; round < Number(values.rounds); round++)
    for (const name of ['full', 'sampled'] as const) {
      const config = join(dir, `${name}.json`);
      writeFileSync(config, JSON.stringify(configs(seed0 + round)[name]));
      const models = join(dir, `models-${name}`);
      mmoe(['train', '--train-data-dir', data, '--cur-date', curDate, '--days', String(days), '--config', config, '--model-output-dir', models, '--log-dir', join(dir, 'logs'), '--quiet', '--backend', values.backend!]);
      const model = join(models, curDate);
      const meta = JSON.parse(readFileSync(join(model, 'metadata.json'), 'utf8'));
      const doc = JSON.parse(mmoe(['eval', '--model', model, '--data-dir', data, '--dates', testDate, '--format', 'json', '--no-gates', '--backend', values.backend!]));
      const ctr = doc.tasks.find((t: { name: string }) => t.name === 'ctr');
      const run: Run = {
        trainSeconds: meta.timings.trainSeconds,
        totalSeconds: meta.timings.totalSeconds,
        trainRows: meta.rows.train,
        epochs: meta.epochs.run,
        auc: ctr.binary.auc.value,
        calibration: ctr.binary.calibration.value,
        backend: meta.backend,
        calibrationUncorrected: ctr.sampling?.calibrationBefore ?? null,
        validCalibration: meta.negativeSampling?.calibration ?? null,
      };
      runs[name].push(run);
      process.stderr.write(`round ${round + 1} (seed ${seed0 + round}) ${name}: ${JSON.stringify(run)}\n`);
    }
  const m = (name: keyof typeof runs, f: (r: Run) => number) => median(runs[name].map(f));
  const f = (x: number, d = 4) => x.toFixed(d);
  const speed = median(runs.full.map((r, i) => r.trainSeconds / runs.sampled[i]!.trainSeconds));
  const total = median(runs.full.map((r, i) => r.totalSeconds / runs.sampled[i]!.totalSeconds));
  const cpu = cpus();
  const lines = [
    `Machine: ${cpu[0]?.model ?? 'unknown CPU'}, ${cpu.length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GB RAM, Node ${process.version}; load average at the end ${loadavg()[0]!.toFixed(2)}.`,
    `Data: mmoe generate ctr, ${days} training days of ${rowsPerDay} rows (click shift ${values['click-shift']}), test day ${testDate} (every row); config ${values.config}; trained on ${[...new Set(runs.full.concat(runs.sampled).map((r) => r.backend))].join(', ')} (--backend ${values.backend}); medians of ${values.rounds} rounds (training seeds ${seed0} to ${seed0 + Number(values.rounds) - 1}).`,
    '',
    `| | training rows | epochs | train seconds | total seconds | test AUC (ctr) | test calibration (ctr) | without the correction |`,
    '|---|---:|---:|---:|---:|---:|---:|---:|',
    `| every row | ${m('full', (r) => r.trainRows)} | ${m('full', (r) => r.epochs)} | ${f(m('full', (r) => r.trainSeconds), 1)} | ${f(m('full', (r) => r.totalSeconds), 1)} | ${f(m('full', (r) => r.auc))} | ${f(m('full', (r) => r.calibration), 3)} | |`,
    `| negatives at ${rate} | ${m('sampled', (r) => r.trainRows)} | ${m('sampled', (r) => r.epochs)} | ${f(m('sampled', (r) => r.trainSeconds), 1)} | ${f(m('sampled', (r) => r.totalSeconds), 1)} | ${f(m('sampled', (r) => r.auc))} | ${f(m('sampled', (r) => r.calibration), 3)} | ${f(m('sampled', (r) => r.calibrationUncorrected ?? Number.NaN), 3)} |`,
    '',
    `Training time down ${speed.toFixed(2)}x (train seconds), ${total.toFixed(2)}x (whole run, reading included); test AUC difference ${f(median(runs.full.map((r, i) => runs.sampled[i]!.auc - r.auc)))} (median of the rounds' differences).`,
    `Per round (training seed, test AUC every row / negatives at ${rate}, difference, calibration with / without the correction, train seconds): ${runs.full
      .map((r, i) => {
        const s = runs.sampled[i]!;
        return `seed ${seed0 + i}: ${f(r.auc)} / ${f(s.auc)}, ${f(s.auc - r.auc)}, ${f(s.calibration, 3)} / ${f(s.calibrationUncorrected ?? Number.NaN, 3)}, ${f(r.trainSeconds, 0)} / ${f(s.trainSeconds, 0)} s`;
      })
      .join('; ')}.`,
    `Validation (hold-out, kept negatives weighted 1/rate) calibration of the sampled model: ${JSON.stringify(runs.sampled.map((r) => r.validCalibration))}.`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

await main();
