// Benchmark of one training step (MMoE, 8 experts x 16 units, towers of 8, two binary tasks):
// step time at 10^4 and 10^6 buckets per field (it should not depend on table size), samples/s at
// batch 1024 and 4096 on Census-Income shapes, every architecture, and the effect of the wasm
// kernel fixes. Run: npm run build && node dist/bench/model-step.js [--backend wasm] [--steps 30]
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { modelSection, trainingSection, type ModelSection } from '../src/config/schema.js';
import { selectBackend, type BackendName } from '../src/backend.js';
import type { Batch } from '../src/data/batch.js';
import { buildModel, type MultiTaskModel } from '../src/model/index.js';
import { setFastWasmKernels } from '../src/model/wasm-kernels.js';
import { batches, CENSUS, type Ids, type Shape, spec, WIDE } from './step-fixtures.js';
import { median } from './figures.js';

interface Run {
  model: MultiTaskModel;
  data: Batch[];
  /** Wall and CPU (user + system) milliseconds of each measured step. */
  wall: number[];
  cpu: number[];
  step: number;
}

function setup(shape: Shape, buckets: number, batchSize: number, ids: Ids, model: Partial<ModelSection> = {}): Run {
  const esmm = model.type === 'esmm' ? { esmm: { ctrTask: 'income', ctcvrTask: 'never_married', sharedBottom: false } } : {};
  const m = modelSection.parse({ type: 'mmoe', experts: { count: 8, units: [16] }, towers: { units: [8] }, taskExperts: model.type === 'ple' ? 1 : 0, ...model, ...esmm });
  return { model: buildModel(spec(shape, buckets), m, trainingSection.parse({})), data: batches(spec(shape, buckets), batchSize, 8, ids), wall: [], cpu: [], step: 0 };
}

function steps(run: Run, n: number, record: boolean): void {
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    const c = process.cpuUsage();
    run.model.trainStep(run.data[run.step++ % run.data.length]);
    if (!record) continue;
    run.wall.push(performance.now() - t);
    const d = process.cpuUsage(c);
    run.cpu.push((d.user + d.system) / 1000);
  }
}

/** Median CPU and wall ms/step of each run, measured in alternating rounds after a warm-up. */
function measure(runs: Run[], total: number): { cpu: number; wall: number }[] {
  for (const r of runs) steps(r, 5, false);
  const rounds = 5;
  for (let k = 0; k < rounds; k++) for (const r of runs) steps(r, Math.ceil(total / rounds), true);
  for (const r of runs) r.model.dispose();
  return runs.map((r) => ({ cpu: median(r.cpu), wall: median(r.wall) }));
}

const row = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`;
const rate = (batch: number, perStep: number) => Math.round((batch / perStep) * 1000).toLocaleString('en-US');
const ms = (t: { cpu: number; wall: number }) => `${t.cpu.toFixed(1)} (${t.wall.toFixed(1)})`;

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { backend: { type: 'string', default: 'wasm' }, steps: { type: 'string', default: '30' } } });
  const backend = await selectBackend(values.backend as BackendName);
  const n = Number(values.steps);
  const out = (line = '') => process.stdout.write(`${line}\n`);
  out(`backend ${backend.name}, tfjs ${backend.tfjsVersion}, node ${process.version}, load average ${loadavg()[0].toFixed(1)} on ${cpus().length} cores`);
  out(`median of ${n} steps after 5 warm-up steps; runs of one table alternate in rounds; CPU = user + system time of this process`);

  out('\nStep time against table size (MMoE, batch 1024):\n');
  out(row(['shape', 'ids', '10^4 buckets: CPU ms (wall)', '10^6 buckets: CPU ms (wall)', '10^6 / 10^4 (CPU)']));
  out(row(['---', '---', '---', '---', '---']));
  for (const ids of ['uniform', 'zipf'] as const) {
    const [small, large] = measure([setup(WIDE, 1e4, 1024, ids), setup(WIDE, 1e6, 1024, ids)], n);
    out(row([WIDE.name, ids === 'zipf' ? 'Zipf(1.1)' : 'uniform', ms(small), ms(large), `${(large.cpu / small.cpu).toFixed(2)}x`]));
  }

  out('\nThroughput (MMoE, census shape, 1000 buckets per field, uniform ids):\n');
  out(row(['batch', 'CPU ms/step (wall)', 'samples/s (CPU)']));
  out(row(['---', '---', '---']));
  const sizes = [1024, 4096];
  measure(sizes.map((b) => setup(CENSUS, 1000, b, 'uniform')), n).forEach((t, i) => out(row([sizes[i], ms(t), rate(sizes[i], t.cpu)])));

  out('\nArchitectures (census shape, batch 1024; ple: 1 task expert per task):\n');
  out(row(['model.type', 'CPU ms/step (wall)', 'samples/s (CPU)']));
  out(row(['---', '---', '---']));
  const types = ['single_task', 'shared_bottom', 'moe', 'mmoe', 'ple', 'esmm'] as const;
  measure(types.map((type) => setup(CENSUS, 1000, 1024, 'uniform', { type })), n).forEach((t, i) => out(row([types[i], ms(t), rate(1024, t.cpu)])));

  if (backend.name === 'wasm') {
    out('\nwasm kernel fixes (src/model/wasm-kernels.ts), MMoE census shape:\n');
    out(row(['kernels', 'batch 1024: CPU ms (wall)', 'batch 4096: CPU ms (wall)']));
    out(row(['---', '---', '---']));
    for (const fast of [false, true]) {
      setFastWasmKernels(fast);
      const t = measure(sizes.map((b) => setup(CENSUS, 1000, b, 'uniform')), Math.ceil(n / 2));
      out(row([fast ? 'wrapped (default)' : 'stock tfjs', ms(t[0]), ms(t[1])]));
    }
  }
}

await main();
