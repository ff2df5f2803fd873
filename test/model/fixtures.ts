// Tiny specs and synthetic batches for the model tests: a few small tables (one shared, one
// cross), two numerics, labels with a learnable signal.
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { modelSection, trainingSection, type ModelSection, type Task, type TrainingSection } from '../../src/config/schema.js';
import type { Batch } from '../../src/data/batch.js';
import { type FeatureSpec, upgradeSpec } from '../../src/data/feature-spec.js';
import { Rng } from '../../src/util/random.js';

export const CTR_TASKS: Task[] = [
  { name: 'ctr', label: 'click', type: 'binary', labelTransform: 'none', lossWeight: 1 },
  { name: 'ctcvr', label: 'conversion', type: 'binary', labelTransform: 'none', lossWeight: 1 },
];

/** Written as a version 1 spec (identifier names, no columns), which upgradeSpec reads as older models are read. */
export function tinySpec(tasks: Task[] = CTR_TASKS): FeatureSpec {
  return upgradeSpec({
    version: 1,
    hash: {
      function: 'farmhash.fingerprint64 % buckets (TensorFlow to_hash_bucket_fast)',
      emptyValue: 'bucket == buckets (tables have buckets + 1 rows)',
    },
    categorical: [
      { name: 'user', buckets: 40, embeddingDim: 4, table: 'user' },
      { name: 'item', buckets: 30, embeddingDim: 4, table: 'item' },
      { name: 'prev_item', buckets: 30, embeddingDim: 4, table: 'item' },
      { name: 'device', buckets: 5, embeddingDim: 3, table: 'device' },
    ],
    numeric: [
      { name: 'x1', transform: 'none' },
      { name: 'x2', transform: 'none' },
    ],
    crosses: [{ name: 'user_x_item', fields: ['user', 'item'] }],
    tasks,
  });
}

export function tinyModel(over: Partial<ModelSection> & { type: ModelSection['type'] }): ModelSection {
  return modelSection.parse({ experts: { count: 3, units: [6] }, towers: { units: [4] }, ...over });
}

export function tinyTraining(over: Record<string, unknown> = {}): TrainingSection {
  return trainingSection.parse({ seed: 7, optimizer: { learningRate: 0.02 }, ...over });
}

/** Rows whose click depends on user parity and x1; conversion = click and a low item id. */
export function syntheticBatch(spec: FeatureSpec, size: number, seed = 1): Batch {
  const rng = new Rng(seed);
  const nCat = spec.categorical.length;
  const nTasks = spec.tasks.length;
  const b: Batch = { size, cat: new Int32Array(size * nCat), num: new Float32Array(size * 2), labels: new Float32Array(size * nTasks), weights: null };
  for (let i = 0; i < size; i++) {
    // One id in ten is the empty value (bucket == buckets).
    spec.categorical.forEach((c, j) => (b.cat[i * nCat + j] = rng.next() < 0.1 ? c.buckets : rng.int(c.buckets)));
    const x1 = rng.normal();
    b.num[i * 2] = x1;
    b.num[i * 2 + 1] = rng.normal();
    const user = b.cat[i * nCat];
    const click = rng.next() < 1 / (1 + Math.exp(-(user % 2 === 0 ? 2 : -2) - x1)) ? 1 : 0;
    const label = [click, click && b.cat[i * nCat + 1] < 15 ? 1 : 0];
    spec.tasks.forEach((t, k) => (b.labels[i * nTasks + k] = t.type === 'binary' ? label[k % 2] : x1 + 0.5 * label[0]));
  }
  return b;
}

/** Inputs of the exported model for a batch, in the model's input order, by input name. */
export function portableInputs(inputNames: string[], spec: FeatureSpec, b: Batch): tf.Tensor[] {
  const nCat = spec.categorical.length;
  return inputNames.map((name) => {
    if (name === 'numeric') return tf.tensor2d(b.num.subarray(0, b.size * spec.numeric.length), [b.size, spec.numeric.length]);
    const j = spec.categorical.findIndex((c) => c.name === name);
    return tf.tensor2d(Int32Array.from({ length: b.size }, (_, i) => b.cat[i * nCat + j]), [b.size, 1], 'int32');
  });
}

/** Largest absolute difference between two arrays of the same length. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}
