// Models and rows for the export tests: one config per architecture over a mix of features
// (a shared table, a cross, a bucketized number, every numeric transform, an empty-value fill, a
// log1p regression task), every activation among them, weights drawn from the project's own seeded generator (so a
// model is the same on every machine and backend), and raw CSV rows with empty values.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { parseConfig } from '../../src/config/load.js';
import type { Config, ModelSection } from '../../src/config/schema.js';
import type { Batch } from '../../src/data/batch.js';
import { featureSpecFromConfig, type NumericSpec, transformNumeric } from '../../src/data/feature-spec.js';
import { Bucketizer } from '../../src/data/bucketize.js';
import { hashToBucket } from '../../src/data/hash.js';
import { ARCHITECTURES, buildModel, type MultiTaskModel, saveModel } from '../../src/model/index.js';
import { Rng } from '../../src/util/random.js';

export const FEATURES = {
  categorical: [
    { name: 'user', buckets: 50, embeddingDim: 4 },
    { name: 'item', buckets: 40, embeddingDim: 4, table: 'item' },
    { name: 'prev_item', buckets: 40, embeddingDim: 4, table: 'item' },
    { name: 'device', buckets: 5, embeddingDim: 3 },
    { name: 'age_bucket', column: 'age', boundaries: [25, 40, 60], embeddingDim: 2 },
  ],
  numeric: [
    { name: 'price', transform: 'none' },
    { name: 'views', transform: 'log1p' },
    { name: 'age', transform: 'standardize', mean: 35, std: 12 },
    { name: 'hour', transform: 'minmax', min: 0, max: 23, fillEmpty: 12 },
    // Epoch seconds over a week: large values a float32 input would round by up to 64 s, standardized and min-max scaled.
    { name: 'ts', transform: 'standardize', mean: 1700300000, std: 175000 },
    { name: 'ts_week', column: 'ts', transform: 'minmax', min: 1700000000, max: 1700604800 },
  ],
  crosses: [{ name: 'user_x_item', fields: ['user', 'item'] }],
};

const BINARY_TASKS = [
  { name: 'ctr', label: 'click', type: 'binary' },
  { name: 'ctcvr', label: 'conversion', type: 'binary' },
];
const MIXED_TASKS = [
  { name: 'ctr', label: 'click', type: 'binary' },
  { name: 'watch', label: 'watch_seconds', type: 'regression', labelTransform: 'log1p' },
];

/** Per architecture: its options, with every activation used somewhere. */
export const MODELS: Record<ModelSection['type'], Record<string, unknown>> = {
  single_task: { experts: { units: [6], activation: 'relu', dropout: 0.2 }, towers: { units: [4], activation: 'sigmoid' } },
  shared_bottom: { experts: { count: 1, units: [8, 6], activation: 'elu' }, towers: { units: [4], activation: 'linear' } },
  moe: { experts: { count: 3, units: [6], activation: 'selu' }, gate: { temperature: 2 }, towers: { units: [4], activation: 'tanh' } },
  mmoe: { experts: { count: 3, units: [6], activation: 'tanh' }, taskExperts: 1, levels: 2, towers: { units: [4], activation: 'swish' } },
  ple: { experts: { count: 2, units: [5, 4], activation: 'swish' }, taskExperts: 1, levels: 2, towers: { units: [3], activation: 'relu' } },
  esmm: { experts: { units: [6], activation: 'relu' }, esmm: { ctrTask: 'ctr', ctcvrTask: 'ctcvr', sharedBottom: true }, towers: { units: [4], activation: 'elu' } },
};

/** Negative downsampling of ctr at rate 0.1: the published graph corrects ctr in a Rescaling layer. */
export const SAMPLED_TRAINING = { negativeSampling: { task: 'ctr', rate: 0.1 } };

export function exportConfig(type: ModelSection['type'], training: Record<string, unknown> = {}): Config {
  const tasks = type === 'esmm' ? BINARY_TASKS : MIXED_TASKS;
  return parseConfig({ features: FEATURES, tasks, model: { type, ...MODELS[type] }, training });
}

/** A model of `type` whose every weight comes from Rng(seed): tables in [-1, 1], kernels Glorot-uniform, biases in [-0.2, 0.2]. */
export function seededModel(type: ModelSection['type'], seed = 15, training: Record<string, unknown> = {}): MultiTaskModel {
  const cfg = exportConfig(type, training);
  const m = buildModel(featureSpecFromConfig(cfg), cfg.model, cfg.training, seed);
  const rng = new Rng(seed);
  const state = m.getState();
  m.net.train.weights.forEach((v, i) => {
    const shape = v.shape.map(Number);
    const limit = shape.length === 2 ? Math.sqrt(6 / (shape[0] + shape[1])) : 0.2;
    state.dense[i] = Float32Array.from(state.dense[i], () => (rng.next() * 2 - 1) * limit);
  });
  for (const [name, t] of state.tables) state.tables.set(name, Float32Array.from(t, () => rng.next() * 2 - 1));
  m.setState(state);
  return m;
}

export async function saveSeededModel(type: ModelSection['type'], dir: string, seed = 15, training: Record<string, unknown> = {}): Promise<MultiTaskModel> {
  const m = seededModel(type, seed, training);
  mkdirSync(dir, { recursive: true });
  await saveModel(m, dir);
  return m;
}

export { ARCHITECTURES };

/** Raw CSV rows (header first) over FEATURES' columns and the labels: ids, some empty, heavy-tailed and negative numbers, epoch seconds with milliseconds. */
export function csvRows(n: number, seed = 3): string {
  const rng = new Rng(seed);
  const clock = new Rng(seed + 1000); // its own generator: the other columns stay what they were before ts
  const lines = ['user,item,prev_item,device,price,views,age,hour,click,conversion,watch_seconds,ts'];
  const id = (prefix: string, k: number) => (rng.next() < 0.08 ? '' : `${prefix}${rng.int(k)}`);
  for (let i = 0; i < n; i++) {
    const views = rng.next() < 0.1 ? -rng.int(5) : Math.floor(Math.exp(rng.next() * 9));
    const hour = rng.next() < 0.1 ? '' : String(rng.int(24));
    const price = (rng.normal() * 3).toFixed(3);
    const age = (18 + rng.next() * 60).toFixed(1);
    const click = rng.next() < 0.3 ? 1 : 0;
    lines.push([id('u', 200), id('i', 80), id('i', 80), id('d', 6), price, views, age, hour, click, click && rng.next() < 0.3 ? 1 : 0, (rng.next() * 300).toFixed(1), (1700000000 + clock.next() * 604800).toFixed(3)].join(','));
  }
  return `${lines.join('\n')}\n`;
}

export type Row = Record<string, string>;

/** The batch `mmoe predict` encodes for rows: bucket ids and transformed numerics. */
export function batchOf(m: MultiTaskModel, rs: Row[]): Batch {
  const { categorical, numeric } = m.spec;
  const cat = new Int32Array(rs.length * categorical.length);
  const num = new Float32Array(rs.length * numeric.length);
  const bucket = categorical.map((c) => (c.boundaries ? (s: string) => new Bucketizer(c.boundaries!).bucket(s) : (s: string) => hashToBucket(s, c.buckets)));
  rs.forEach((r, i) => {
    categorical.forEach((c, j) => (cat[i * categorical.length + j] = bucket[j]!(r[c.column]!)));
    numeric.forEach((n, j) => (num[i * numeric.length + j] = transformNumeric(n, rawNumeric(n, r))));
  });
  return { size: rs.length, cat, num, labels: new Float32Array(rs.length * m.spec.tasks.length), weights: null };
}

/** A row's raw value of a numeric as training reads it: the double of its cell, fillEmpty for a blank. */
export function rawNumeric(n: NumericSpec, r: Row): number {
  const s = r[n.column]!;
  return s.trim() === '' ? n.fillEmpty! : Number(s);
}

/** The float32 values training gives the network for raw values of a numeric (-0 as 0: the graphs need not keep its sign). */
export function trainingColumn(n: NumericSpec, raw: number[]): number[] {
  return raw.map((x) => Math.fround(transformNumeric(n, x)) + 0);
}

/**
 * Raw numerics where float32 arithmetic would part from training's: epoch seconds (a float32
 * holds them to 128), values below log1p's precision in log(1 + x) (1e-12), zeros, signs. The
 * exported graphs must turn each into training's float32 value exactly, for every transform. No
 * value gives a subnormal float32: TensorFlow's Cast on CPU flushes those to zero (1e-40 comes
 * out 0), which matters to no network.
 */
export const NUMERIC_EDGES = [0, -0, 5e-324, 1e-12, -3e-9, 1e-7, 0.1, -2.5, 12, 1234.5678, 1700000000, 1700274607.531, 1700604800.001, -1700274607.531, 1e12];


export function assertClose(got: number, want: number, what: string): void {
  // Probabilities to 1e-5; regression values on the original scale to 1e-5 of their size.
  assert.ok(Math.abs(got - want) <= 1e-5 * Math.max(1, Math.abs(want)), `${what}: got ${got}, expected ${want}`);
}
