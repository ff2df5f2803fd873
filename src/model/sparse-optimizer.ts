// Lazy (sparse) Adam and Adagrad for embedding tables: only the rows a batch touched are read and
// updated, so a step costs the same with 10^4 or 10^6 buckets. A row's optimizer state sits right
// after its weights in one record ([w | m | v]), so an update touches one place in memory: with
// 10^6-row tables every separate array visited at a random row costs a TLB and cache miss.
import { touchRows } from './touch.js';

export type SparseOptimizerName = 'adam' | 'adagrad';

/** One table's gradient for a step: `count` distinct rows and their summed gradients [count, dim]. */
export interface SparseGradient {
  rows: Int32Array;
  grads: Float32Array;
  count: number;
}

// tfjs defaults, so dense and sparse parts of one model follow the same rule (the fast path's
// kernels too).
export const BETA1 = 0.9;
export const BETA2 = 0.999;
export const EPSILON = 1e-7;
export const ADAGRAD_INITIAL = 0.1;

/** Adam's step size at step t (1-based) with its bias correction folded in. */
export function adamStepSize(learningRate: number, t: number): number {
  const n = Math.max(t, 1);
  return (learningRate * Math.sqrt(1 - BETA2 ** n)) / (1 - BETA1 ** n);
}

/** Optimizer slots stored per weight after the weights of a row. */
export function optimizerSlots(name: SparseOptimizerName): number {
  return name === 'adam' ? 2 : 1;
}

export class SparseOptimizer {
  private step = 0;

  constructor(
    readonly name: SparseOptimizerName,
    public learningRate: number,
  ) {}

  /** Counts one training step (Adam's bias correction uses the global step, like TF's LazyAdam). */
  nextStep(): void {
    this.step++;
  }

  /** Steps taken so far (restored with the slots on a warm start, so bias correction continues). */
  get steps(): number {
    return this.step;
  }

  set steps(n: number) {
    this.step = n;
  }

  /** Updates the rows of `g` in `store`, whose records are [w (dim) | slots] of `stride` floats. */
  apply(store: Float32Array, stride: number, dim: number, g: SparseGradient): void {
    // The update's arithmetic would serialise the rows' misses: start them together (touch.ts).
    touchRows(store, stride, stride - 1, g.rows, 0, 1, g.count);
    if (this.name === 'adam') this.adam(store, stride, dim, g);
    else this.adagrad(store, stride, dim, g);
  }

  private adam(store: Float32Array, stride: number, dim: number, g: SparseGradient): void {
    const lr = adamStepSize(this.learningRate, this.step);
    for (let i = 0; i < g.count; i++) {
      const w = g.rows[i] * stride;
      const gb = i * dim;
      for (let k = 0; k < dim; k++) {
        const gi = g.grads[gb + k];
        const m = (store[w + dim + k] = BETA1 * store[w + dim + k] + (1 - BETA1) * gi);
        const v = (store[w + 2 * dim + k] = BETA2 * store[w + 2 * dim + k] + (1 - BETA2) * gi * gi);
        store[w + k] -= (lr * m) / (Math.sqrt(v) + EPSILON);
      }
    }
  }

  /** The accumulator slot holds (sum of g^2) - its initial value, so zeroed memory is a fresh row. */
  private adagrad(store: Float32Array, stride: number, dim: number, g: SparseGradient): void {
    for (let i = 0; i < g.count; i++) {
      const w = g.rows[i] * stride;
      const gb = i * dim;
      for (let k = 0; k < dim; k++) {
        const gi = g.grads[gb + k];
        const acc = (store[w + dim + k] += gi * gi);
        store[w + k] -= (this.learningRate * gi) / Math.sqrt(acc + ADAGRAD_INITIAL + EPSILON);
      }
    }
  }
}
