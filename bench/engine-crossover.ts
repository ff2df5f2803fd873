// Where each engine trains faster: one training step of MMoE models of growing width (dense
// multiply-adds per row) on every engine, each measurement in its own process, engines and widths
// alternating within rounds. Behind AUTO_RULES.train in src/backend-choice.ts (docs/backends.md).
// `tensorflow+onednn` is tfjs-node with oneDNN's custom operations on (TF_ENABLE_ONEDNN_OPTS=1;
// mmoe turns them off by default).
//
//   npm run build && node dist/bench/engine-crossover.js [--engines wasm,tensorflow,tensorflow+onednn]
//     [--units 8,16,32,64,128] [--shapes census,ads] [--batch 1024] [--rounds 3] [--steps 20]
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { type BackendName, selectBackend } from '../src/backend.js';
import { modelSection, trainingSection } from '../src/config/schema.js';
import { type FeatureSpec, upgradeSpec } from '../src/data/feature-spec.js';
import { buildModel } from '../src/model/index.js';
import { Rng } from '../src/util/random.js';
import { fmt, median } from './figures.js';

/** Input blocks: the census configs' (32 fields x 4 + 7 numerics = 135) and the ads configs' (11 fields + 1 cross, x 16 = 192). */
const SHAPES: Record<string, { fields: number; dim: number; numeric: number }> = {
  census: { fields: 32, dim: 4, numeric: 7 },
  ads: { fields: 12, dim: 16, numeric: 0 },
};

interface Point {
  macs: number;
  cpuMs: number;
  wallMs: number;
}

/** In the child: `steps` training steps of an 8-expert MMoE (towers of 8) after 5 warm-up steps. */
async function measure(engine: string, shape: string, units: number, batch: number, steps: number): Promise<Point> {
  await selectBackend(engine.split('+')[0] as BackendName);
  const s = SHAPES[shape]!;
  const spec: FeatureSpec = upgradeSpec({
    version: 1,
    hash: { function: 'farmhash.fingerprint64 % buckets (TensorFlow to_hash_bucket_fast)', emptyValue: 'bucket == buckets (tables have buckets + 1 rows)' },
    categorical: Array.from({ length: s.fields }, (_, i) => ({ name: `f${i}`, buckets: 1000, embeddingDim: s.dim, table: `f${i}` })),
    numeric: Array.from({ length: s.numeric }, (_, i) => ({ name: `n${i}`, transform: 'none' as const })),
    crosses: [],
    tasks: ['a', 'b'].map((name) => ({ name, label: name, type: 'binary' as const, labelTransform: 'none' as const, lossWeight: 1 })),
  });
  const model = buildModel(spec, modelSection.parse({ type: 'mmoe', experts: { count: 8, units: [units] }, towers: { units: [8] } }), trainingSection.parse({}));
  const macs = model.net.train.weights.filter((w) => w.shape.length === 2).reduce((n, w) => n + w.shape[0]! * w.shape[1]!, 0);
  const rng = new Rng(1);
  const batches = Array.from({ length: 4 }, () => ({
    size: batch,
    cat: Int32Array.from({ length: batch * s.fields }, () => rng.int(1000)),
    num: Float32Array.from({ length: batch * s.numeric }, () => rng.normal()),
    labels: Float32Array.from({ length: batch * 2 }, () => (rng.next() < 0.3 ? 1 : 0)),
    weights: null,
  }));
  for (let i = 0; i < 5; i++) model.trainStep(batches[i % 4]!);
  const cpu: number[] = [];
  const wall: number[] = [];
  for (let i = 0; i < steps; i++) {
    const c = process.cpuUsage();
    const t = performance.now();
    model.trainStep(batches[i % 4]!);
    wall.push(performance.now() - t);
    const d = process.cpuUsage(c);
    cpu.push((d.user + d.system) / 1000);
  }
  return { macs, cpuMs: median(cpu), wallMs: median(wall) };
}

function child(engine: string, shape: string, units: number, batch: number, steps: number): Point {
  const env = { ...process.env, TF_ENABLE_ONEDNN_OPTS: engine.endsWith('+onednn') ? '1' : '0', TF_CPP_MIN_LOG_LEVEL: '2' };
  const args = [fileURLToPath(import.meta.url), '--child', engine, '--shapes', shape, '--units', String(units), '--batch', String(batch), '--steps', String(steps)];
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', env });
  if (r.status !== 0) throw new Error(`${engine} ${shape} ${units}: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as Point;
}

const { values } = parseArgs({
  options: {
    child: { type: 'string' },
    engines: { type: 'string', default: 'wasm,tensorflow,tensorflow+onednn' },
    units: { type: 'string', default: '8,16,32,64,128' },
    shapes: { type: 'string', default: 'census,ads' },
    batch: { type: 'string', default: '1024' },
    rounds: { type: 'string', default: '3' },
    steps: { type: 'string', default: '20' },
  },
});
const batch = Number(values.batch);
const steps = Number(values.steps);
if (values.child) {
  process.stdout.write(`\n${JSON.stringify(await measure(values.child, values.shapes!, Number(values.units), batch, steps))}\n`);
} else {
  const engines = values.engines!.split(',');
  const cases = values.shapes!.split(',').flatMap((shape) => values.units!.split(',').map((u) => ({ shape, units: Number(u) })));
  const points = new Map<string, Point[]>();
  const loads = [loadavg()[0]!];
  for (let r = 0; r < Number(values.rounds); r++) {
    for (const c of cases)
      for (const e of r % 2 ? [...engines].reverse() : engines) {
        const k = `${c.shape}/${c.units}/${e}`;
        points.set(k, [...(points.get(k) ?? []), child(e, c.shape, c.units, batch, steps)]);
      }
    loads.push(loadavg()[0]!);
    process.stderr.write(`round ${r + 1} done\n`);
  }
  const cell = (ps: Point[]) => `${median(ps.map((p) => p.cpuMs)).toFixed(1)} (${median(ps.map((p) => p.wallMs)).toFixed(1)})`;
  console.log(`batch ${batch}; median over ${values.rounds} rounds of the median of ${steps} steps; CPU ms per step (wall ms); node ${process.version}; load average ${loads.map((l) => l.toFixed(1)).join(' -> ')}`);
  console.log(`| input block, experts | dense multiply-adds per row | ${engines.join(' | ')} | fewest CPU ms | wasm / tensorflow (CPU) |`);
  console.log(`| --- | ---: | ${engines.map(() => '---:').join(' | ')} | --- | ---: |`);
  for (const c of cases) {
    const ps = engines.map((e) => points.get(`${c.shape}/${c.units}/${e}`)!);
    const cpu = ps.map((p) => median(p.map((x) => x.cpuMs)));
    const best = engines[cpu.indexOf(Math.min(...cpu))];
    const [w, t] = ['wasm', 'tensorflow'].map((e) => cpu[engines.indexOf(e)]);
    const width = SHAPES[c.shape]!.fields * SHAPES[c.shape]!.dim + SHAPES[c.shape]!.numeric;
    console.log(`| ${c.shape} ${width}, 8 x ${c.units} | ${fmt(ps[0]![0]!.macs)} | ${ps.map(cell).join(' | ')} | ${best} | ${w !== undefined && t !== undefined ? `${(w / t).toFixed(2)}x` : '-'} |`);
  }
}
