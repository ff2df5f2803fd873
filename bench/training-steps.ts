// In-process parts of `npm run bench` (training.ts): a fast-path step split into its measured
// parts per thread count, projected to more cores, and the step cost at 10^4 against 10^6 buckets.
import { modelSection, trainingSection, type ModelSection } from '../src/config/schema.js';
import { selectBackend } from '../src/backend.js';
import type { Batch } from '../src/data/batch.js';
import { EncodedTable, TableBatch } from '../src/data/encoded-table.js';
import type { FeatureSpec } from '../src/data/feature-spec.js';
import { Rng } from '../src/util/random.js';
import { buildModel, type MultiTaskModel } from '../src/model/index.js';
import { hugePageSupport, setHugePages } from '../src/model/huge-pages.js';
import { fmt, median } from './figures.js';
import { batches, CENSUS, DEFAULT, type Ids, type Shape, spec, WIDE } from './step-fixtures.js';

const BATCH = 1024;
const STEPS = 60;
const row = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`;

const MODELS: { shape: Shape; model: Partial<ModelSection> }[] = [
  { shape: CENSUS, model: { experts: { count: 8, units: [16], activation: 'relu', dropout: 0, l2: 0 }, towers: { units: [8], activation: 'relu', dropout: 0, l2: 0 } } },
  { shape: DEFAULT, model: { experts: { count: 8, units: [64], activation: 'relu', dropout: 0, l2: 0 }, towers: { units: [32], activation: 'relu', dropout: 0, l2: 0 } } },
];

function build(s: FeatureSpec, model: Partial<ModelSection>, threads: number): MultiTaskModel {
  return buildModel(s, modelSection.parse({ type: 'mmoe', ...model }), trainingSection.parse({}), 1, { threads });
}

interface Split {
  wallMs: number;
  /** Per step, the slowest thread's milliseconds in each part. */
  gatherCompute: number;
  reduce: number;
  sync: number;
  sparse: number;
  /** Wall time of the step beyond thread 0's timed parts: handing the batch over, combining the losses. */
  serial: number;
}

/** The batches' rows in a shared table, shuffled, as `mmoe train` hands them to the fast path (each thread copies its shard's rows). */
function inTable(s: FeatureSpec, data: Batch[]): Batch[] {
  const t = EncodedTable.forSpec(s, data.length * BATCH, { shared: true });
  for (const b of data) for (let r = 0; r < b.size; r++) t.appendRow(b, r);
  const order = Uint32Array.from({ length: t.size }, (_, i) => i);
  new Rng(1).shuffle(order);
  return data.map((b, i) => new TableBatch(t, order.subarray(i * BATCH, i * BATCH + b.size)));
}

function measureSplit(s: FeatureSpec, model: Partial<ModelSection>, threads: number, data: Batch[]): Split {
  const m = build(s, model, threads);
  for (let i = 0; i < 10; i++) m.trainStep(data[i % data.length]!);
  m.trainingPhases(true);
  const t0 = performance.now();
  for (let i = 0; i < STEPS; i++) m.trainStep(data[i % data.length]!);
  const wallMs = (performance.now() - t0) / STEPS;
  const phases = m.trainingPhases()!;
  m.dispose();
  const per = (k: string) => Math.max(...phases.map((p) => (p[k]! * 1000) / STEPS));
  const t0Sum = Object.values(phases[0]!).reduce((a, b) => a + b, 0) * 1000 / STEPS;
  return {
    wallMs,
    gatherCompute: Math.max(...phases.map((p) => ((p.gather! + p.compute!) * 1000) / STEPS)),
    reduce: per('reduce') + per('update'),
    sync: Math.min(...phases.map((p) => ((p.wait! + p.finish!) * 1000) / STEPS)),
    sparse: per('sparse'),
    serial: Math.max(0, wallMs - t0Sum),
  };
}

/**
 * The step split at 1 and 2 threads, and a projection to 8, 16 and 64 cores from those two: the
 * shard's gather and compute divide by the threads; the sparse update is a scan every thread
 * makes plus updates that divide (fitted from 1 and 2 threads); the reduction of a thread's share
 * costs the same at any count (T arrays over 1/T of the weights); synchronisation grows with
 * log2(T) from its 2-thread cost; the serial part stays.
 */
export async function stepSplit(): Promise<string[]> {
  await selectBackend('wasm');
  const out = ['', '## A fast-path step split into its parts (wasm backend, batch 1024)', ''];
  out.push(`In-process, ${STEPS} steps after 10 warm-up steps, wall milliseconds per step. "gather + compute" is a thread's input gather, forward, loss and backward; "reduction" the sum of the threads' gradients and the dense optimizer update of a thread's share; "sync" the time the fastest thread waited at the barriers; "sparse" the lazy update of the embedding rows a thread owns; "serial" the main thread's time outside them (handing over the batch's row indices, saving checkpoint rows, combining the losses); the batches are rows of a shared table, which each thread copies into its shard (gather). Rows for 8, 16 and 64 cores are projected from the measured 1 and 2 threads (bench/training-steps.ts says how), not measured.`);
  for (const { shape, model } of MODELS) {
    const s = spec(shape, shape === DEFAULT ? 10_000 : 1000);
    const data = inTable(s, batches(s, BATCH, 8, 'uniform'));
    const [one, two] = [measureSplit(s, model, 1, data), measureSplit(s, model, 2, data)];
    out.push('', `${shape.name}, MMoE ${model.experts!.count} experts x ${model.experts!.units!.join('x')}, towers ${model.towers!.units!.join('x')}:`, '');
    out.push(row(['threads', 'ms/step', 'samples/s', 'gather + compute per sample (µs)', 'reduction ms', 'sync ms', 'sparse ms', 'serial ms']));
    out.push(row(['---', '---', '---', '---', '---', '---', '---', '---']));
    const line = (t: number | string, x: Split, shard: number) =>
      row([t, x.wallMs.toFixed(2), fmt((BATCH / x.wallMs) * 1000), ((x.gatherCompute / shard) * 1000).toFixed(2), x.reduce.toFixed(2), x.sync.toFixed(2), x.sparse.toFixed(2), x.serial.toFixed(2)]);
    out.push(line(1, one, BATCH), line(2, two, BATCH / 2));
    const b = 2 * (one.sparse - two.sparse);
    const a = Math.max(0, one.sparse - b);
    for (const t of [8, 16, 64]) {
      const x: Split = {
        gatherCompute: one.gatherCompute / t,
        reduce: two.reduce,
        sync: two.sync * Math.log2(t),
        sparse: a + Math.max(b, 0) / t,
        serial: two.serial,
        wallMs: 0,
      };
      x.wallMs = x.gatherCompute + x.reduce + x.sync + x.sparse + x.serial;
      out.push(line(`${t} (projected)`, x, BATCH / t));
    }
  }
  return out;
}

/**
 * CPU ms per step (median) at 10^4 and `large` (10^6) buckets per field: the step should not grow
 * with the tables. A smaller `large` is for smoke runs only (the target is about 10^6).
 */
export async function bucketCost(large = 1_000_000): Promise<string[]> {
  await selectBackend('wasm');
  const big = large === 1_000_000 ? '10^6' : large.toLocaleString('en-US');
  const out = ['', '## Step cost against table size (fast path, one thread, batch 1024)', ''];
  const gb = (spec(WIDE, large).categorical.reduce((n, c) => n + c.embeddingDim, 0) * 3 * 4 * large) / 1e9; // weights and two Adam slots, float32
  const pages = hugePageSupport();
  out.push(
    `${WIDE.name}, MMoE 8 x 16, towers 8; ${big} buckets per field is ${gb.toFixed(1)} GB of tables with their Adam slots. CPU milliseconds of the process per step, median of ${STEPS} steps (the runs of one row alternate in rounds); wall in parentheses. Target: 10^6 at most 1.25x 10^4.`,
    '',
    `Huge pages (what \`mmoe train\` does): ${pages.on ? `on (the kernel's policy is ${pages.policy}${pages.policy === 'madvise' ? '; native/huge-pages.c asks for them' : ''})` : `off: ${pages.reason}`}. The last two columns are the same ${big}-bucket tables in ordinary pages (MMOE_HUGE_PAGES=0), for comparison.`,
    '',
  );
  out.push(row(['ids', '10^4 buckets', `${big} buckets`, `${big} / 10^4`, `${big}, ordinary pages`, 'ordinary / 10^4']));
  out.push(row(['---', '---', '---', '---', '---', '---']));
  const model = MODELS[0]!.model;
  // One set of models for both kinds of ids (three 10^6 tables sets would be 13 GB at once).
  const models = [
    { buckets: 10_000, huge: true },
    { buckets: large, huge: true },
    { buckets: large, huge: false },
  ].map(({ buckets, huge }) => {
    setHugePages(huge);
    const s = spec(WIDE, buckets);
    const m = build(s, model, 1);
    setHugePages(true);
    return { s, m };
  });
  for (const ids of ['uniform', 'zipf'] as Ids[]) {
    const runs = models.map(({ s, m }) => ({ m, data: batches(s, BATCH, 8, ids), cpu: [] as number[], wall: [] as number[], step: 0 }));
    for (const r of runs) for (let i = 0; i < 5; i++) r.m.trainStep(r.data[r.step++ % 8]!);
    for (let round = 0; round < 5; round++)
      for (const r of runs)
        for (let i = 0; i < STEPS / 5; i++) {
          const c = process.cpuUsage();
          const t = performance.now();
          r.m.trainStep(r.data[r.step++ % 8]!);
          r.wall.push(performance.now() - t);
          const d = process.cpuUsage(c);
          r.cpu.push((d.user + d.system) / 1000);
        }
    const [small, wide, ordinary] = runs.map((r) => ({ cpu: median(r.cpu), wall: median(r.wall) }));
    const ms = (x: { cpu: number; wall: number }) => `${x.cpu.toFixed(1)} (${x.wall.toFixed(1)})`;
    out.push(row([ids === 'zipf' ? 'Zipf(1.1)' : 'uniform', ms(small!), ms(wide!), `${(wide!.cpu / small!.cpu).toFixed(2)}x`, ms(ordinary!), `${(ordinary!.cpu / small!.cpu).toFixed(2)}x`]));
  }
  for (const { m } of models) m.dispose();
  return out;
}

/**
 * CPU milliseconds per step of the tfjs graph and of the fast path (with and without fused
 * multiply-adds, one and two threads), interleaved in rounds in one process: CPU time of the
 * process, so that a loaded machine still gives comparable figures (two threads: both threads).
 */
export async function kernelCompare(): Promise<string[]> {
  await selectBackend('wasm');
  const out = ['', '## The fast path against the tfjs graph, CPU per step (wasm backend, batch 1024, Zipf ids)', ''];
  out.push('CPU milliseconds of the process per step (user + system, all its threads), median of 7 rounds of 8 steps, the variants interleaved in each round.', '');
  out.push(row(['shape', 'tfjs graph', 'fast, no FMA', 'fast', 'fast, 2 threads (both)', 'tfjs / fast']));
  out.push(row(['---', '---', '---', '---', '---', '---']));
  const variants = [{ kernels: 'tfjs' as const }, { fma: false }, {}, { threads: 2 }];
  for (const { shape, model } of MODELS) {
    const s = spec(shape, shape === DEFAULT ? 10_000 : 1000);
    const data = batches(s, BATCH, 8, 'zipf');
    const models = variants.map((o) => buildModel(s, modelSection.parse({ type: 'mmoe', ...model }), trainingSection.parse({}), 1, { threads: 1, ...o }));
    for (const m of models) for (let i = 0; i < 5; i++) m.trainStep(data[i % 8]!);
    const cpu: number[][] = models.map(() => []);
    for (let round = 0; round < 7; round++)
      models.forEach((m, k) => {
        const c0 = process.cpuUsage();
        for (let i = 0; i < 8; i++) m.trainStep(data[i % 8]!);
        const c = process.cpuUsage(c0);
        cpu[k]!.push((c.user + c.system) / 8000);
      });
    const fma = models[2]!.trainingPath?.fma;
    for (const m of models) m.dispose();
    const med = cpu.map(median);
    out.push(row([shape.name, ...med.map((x) => x.toFixed(1)), `${(med[0]! / med[2]!).toFixed(2)}x${fma ? '' : ' (no FMA on this engine)'}`]));
  }
  return out;
}
