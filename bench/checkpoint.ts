// What keeping the best epoch costs (src/model/undo-log.ts): per improving epoch, the old scheme
// copied every embedding table's weights (getState) and still lost the optimizer state; the
// checkpoint copies the dense weights and optimizer state, then saves each embedding row (weights
// and Adam slots) just before its first change. Measured on configs/default.json's shapes with
// bigger tables: the per-step cost of saving rows (steps alternate between a model with and one
// without a checkpoint), the memory the saved rows take after an epoch of steps, and the time of
// a checkpoint, a restore and the old copy.
//
//   npm run build && node dist/bench/checkpoint.js [--buckets 1000000] [--steps 100] [--skew 1|4] [--backend wasm]
import { cpus, loadavg } from 'node:os';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { selectBackend, type BackendName } from '../src/backend.js';
import { parseConfig } from '../src/config/load.js';
import type { Batch } from '../src/data/batch.js';
import { featureSpecFromConfig, type FeatureSpec } from '../src/data/feature-spec.js';
import { buildModel, type MultiTaskModel } from '../src/model/index.js';
import { Rng } from '../src/util/random.js';
import { median } from './figures.js';

const { values } = parseArgs({
  options: {
    buckets: { type: 'string', default: '1000000' },
    steps: { type: 'string', default: '100' },
    skew: { type: 'string', default: '1' },
    backend: { type: 'string', default: 'wasm' },
  },
});
const buckets = Number(values.buckets);
const steps = Number(values.steps);
/** Ids are buckets * u^skew for uniform u: 1 is uniform, 4 puts most rows on a few buckets. */
const skew = Number(values.skew);
const backend = await selectBackend(values.backend as BackendName);

// The default config with every table of 10^4 buckets or more grown to --buckets.
const raw = JSON.parse(readFileSync('configs/default.json', 'utf8'));
for (const c of raw.features.categorical) if (c.buckets >= 10_000) c.buckets = buckets;
const cfg = parseConfig(raw);
const spec = featureSpecFromConfig(cfg);
for (const n of spec.numeric) Object.assign(n, { mean: 0, std: 1, min: 0, max: 1 });

function batch(s: FeatureSpec, rng: Rng, size: number): Batch {
  const nCat = s.categorical.length;
  return {
    size,
    cat: Int32Array.from({ length: size * nCat }, (_, i) => Math.floor(s.categorical[i % nCat]!.buckets * rng.next() ** skew)),
    num: Float32Array.from({ length: size * s.numeric.length }, () => rng.normal()),
    labels: Float32Array.from({ length: size * s.tasks.length }, () => (rng.next() < 0.2 ? 1 : 0)),
    weights: null,
  };
}

const rng = new Rng(1);
const data = Array.from({ length: steps }, () => batch(spec, rng, cfg.training.batchSize));
const time = (f: () => void): number => {
  const c = process.cpuUsage();
  f();
  const d = process.cpuUsage(c);
  return (d.user + d.system) / 1000;
};
const mb = (b: number) => `${(b / 2 ** 20).toFixed(1)} MB`;

const tracked = buildModel(spec, cfg.model, cfg.training);
const plain = buildModel(spec, cfg.model, cfg.training);
const tableBytes = tracked.layout.tables.reduce((s, t) => s + t.rows * t.dim * 4, 0);
const slotsBytes = tracked.layout.tables.reduce((s, t) => s + t.rows * tracked.tables.slotWidth(t.name) * 4, 0);
console.log(`backend ${backend.name}; load ${loadavg()[0]!.toFixed(1)} on ${cpus().length} cores; CPU ms (user + system of this process)`);
console.log(`default config, tables of >= 10^4 buckets grown to ${buckets}: weights ${mb(tableBytes)}, Adam slots ${mb(slotsBytes)}; ${steps} steps of ${cfg.training.batchSize} rows, id skew ${skew}`);
for (const m of [tracked, plain]) for (let i = 0; i < 3; i++) m.trainStep(data[i]!); // warm-up

const oldCopy = median([0, 1, 2].map(() => time(() => tracked.getState())));
const checkpoint = median([0, 1, 2].map(() => time(() => tracked.checkpoint())));
const withLog: number[] = [];
const without: number[] = [];
for (let i = 0; i < steps; i++) {
  withLog.push(time(() => tracked.trainStep(data[i]!)));
  without.push(time(() => plain.trainStep(data[i]!)));
}
const held = tracked.tables.checkpointSize();
const rowsTouched = tracked.layout.tables.reduce((s, t) => s + t.rows, 0);
const restore = time(() => tracked.restoreCheckpoint());
const [a, b] = [median(withLog), median(without)];
console.log(`| measure | value |\n| --- | --- |`);
console.log(`| old scheme: copy of every table's weights per improving epoch | ${oldCopy.toFixed(0)} ms, ${mb(tableBytes)} (optimizer state not kept) |`);
console.log(`| checkpoint (dense weights and optimizer state) | ${checkpoint.toFixed(1)} ms |`);
console.log(`| training step, no checkpoint / rows saved before their first change | ${b.toFixed(1)} / ${a.toFixed(1)} ms (median of ${steps}; sum ${without.reduce((s, x) => s + x, 0).toFixed(0)} / ${withLog.reduce((s, x) => s + x, 0).toFixed(0)} ms) |`);
console.log(`| rows saved after ${steps} steps: count (share of all rows), memory held (records, flags, spare capacity) | ${held.rows.toLocaleString('en-US')} (${((100 * held.rows) / rowsTouched).toFixed(1)}%), ${mb(held.bytes)} |`);
console.log(`| restore | ${restore.toFixed(0)} ms |`);
tracked.dispose();
plain.dispose();
