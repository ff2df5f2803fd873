// Chooses what trains the dense network, once, on the first batch: the fast path when it covers
// the model and a probe step computed both ways agrees with the tfjs graph, else tfjs with the
// reason (as the folded scorer does for scoring). The probe compares losses and every gradient;
// nothing is updated by it.
import type { Batch } from '../../data/batch.js';
import { FastTrainer, type FastGradients, type FastTrainerParts } from './fast-trainer.js';

/** Which code trains the dense network, and why (run log, metadata.json). */
export interface TrainingPath {
  kernels: 'fast' | 'tfjs';
  threads: number;
  /** The fast path's products use fused multiply-adds (relaxed SIMD). */
  fma?: boolean;
  reason: string;
  /** Largest deviation of the fast path from tfjs on the probe step (each array relative to its largest magnitude; see deviations). */
  probeDeviation?: number;
}

/** Float32 sums in another order differ by about 1e-6 of an array's scale; 1e-4 means broken kernels. */
export const PROBE_TOLERANCE = 1e-4;
/** Rows of the first batch the probe uses. */
const PROBE_ROWS = 256;
/** Arrays whose largest magnitude is below this count as zero (relative differences of noise). */
const FLOOR = 1e-6;

export function chooseTrainingPath(
  parts: FastTrainerParts,
  batch: Batch,
  reference: (probe: Batch) => FastGradients,
  tolerance = PROBE_TOLERANCE,
): { trainer: FastTrainer | null; path: TrainingPath } {
  let trainer: FastTrainer;
  try {
    trainer = FastTrainer.create(parts);
  } catch (err) {
    return { trainer: null, path: { kernels: 'tfjs', threads: 1, reason: `the fast path does not cover this model: ${(err as Error).message}` } };
  }
  try {
    const { spec } = parts;
    const dims = { nCat: spec.categorical.length, nNum: spec.numeric.length, nTasks: spec.tasks.length };
    const probe = head(batch, Math.min(batch.size, PROBE_ROWS, Math.floor(trainer.capacity / trainer.threads)), dims);
    const deviation = compare(trainer.gradients(probe), reference(probe));
    if (!(deviation <= tolerance)) {
      trainer.dispose();
      return { trainer: null, path: { kernels: 'tfjs', threads: 1, reason: `probe step: the fast path deviates from tfjs by ${deviation.toExponential(2)} (tolerance ${tolerance})`, probeDeviation: deviation } };
    }
    return { trainer, path: { kernels: 'fast', threads: trainer.threads, fma: trainer.fma, reason: `probe step agrees with tfjs (deviation ${deviation.toExponential(2)})`, probeDeviation: deviation } };
  } catch (err) {
    trainer.dispose();
    return { trainer: null, path: { kernels: 'tfjs', threads: 1, reason: `probe step failed: ${(err as Error).message}` } };
  }
}

/** The first `rows` rows of a batch, as views. */
export function head(b: Batch, rows: number, dims: { nCat: number; nNum: number; nTasks: number }): Batch {
  return {
    size: rows,
    cat: b.cat.subarray(0, rows * dims.nCat),
    num: b.num.subarray(0, rows * dims.nNum),
    labels: b.labels.subarray(0, rows * dims.nTasks),
    weights: b.weights ? b.weights.subarray(0, rows) : null,
  };
}

/**
 * A gradient array a hundred times smaller than the step's largest is compared at that scale:
 * gradients that are sums of cancelling terms (a bias whose rows nearly balance) carry float32
 * noise of 1e-5 to 1e-4 of their own size even between two tfjs backends (measured: wasm against
 * cpu, up to 4e-4 on a sigmoid tower's bias).
 */
const SMALL_ARRAY = 1e-2;

/** The deviation of each loss and gradient array from the reference, named. */
export function deviations(fast: FastGradients, ref: FastGradients): { what: string; deviation: number }[] {
  if (fast.dense.length !== ref.dense.length) return [{ what: 'number of weights', deviation: Number.POSITIVE_INFINITY }];
  const largest = Math.max(...ref.dense.map((g) => g.reduce((m, v) => Math.max(m, Math.abs(v)), 0)));
  return [
    { what: 'loss', deviation: deviation([fast.loss], [ref.loss]) },
    { what: 'task losses', deviation: deviation(fast.taskLosses, ref.taskLosses) },
    ...fast.dense.map((g, i) => ({ what: `gradient of weight ${i}`, deviation: deviation(g, ref.dense[i]!, Math.max(FLOOR, SMALL_ARRAY * largest)) })),
    // Without embedding rows to update the fast path needs no input gradient and computes none.
    ...(fast.dx ? [{ what: 'input block gradient', deviation: ref.dx ? deviation(fast.dx, ref.dx) : Number.POSITIVE_INFINITY }] : []),
  ];
}

/** Largest deviation over the losses and the gradient arrays (see deviations). */
export function compare(fast: FastGradients, ref: FastGradients): number {
  return Math.max(...deviations(fast, ref).map((d) => d.deviation));
}

/** max |a - b| relative to b's largest magnitude (at least `floor`). */
export function deviation(a: ArrayLike<number>, b: ArrayLike<number>, floor = FLOOR): number {
  if (a.length !== b.length) return Number.POSITIVE_INFINITY;
  let scale = floor;
  for (let i = 0; i < b.length; i++) scale = Math.max(scale, Math.abs(b[i]!));
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!) / scale;
    if (Number.isNaN(d)) return Number.POSITIVE_INFINITY;
    worst = Math.max(worst, d);
  }
  return worst;
}
