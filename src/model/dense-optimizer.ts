// Adam / Adagrad for the dense weights, run in JS on one flat copy of them. tfjs's optimizers
// spend ~15 small kernels per variable per step, each with a fixed dispatch cost that exceeds the
// arithmetic for weights this small; here a step is one read of each gradient, the update (the
// same code as the embedding rows: all dense weights are one row), and one write per variable.
// (Reading the gradients through one tf.concat is slower: wasm's Concat of 1-D pieces took 14 ms.)
import * as tf from '@tensorflow/tfjs';
import { optimizerSlots, SparseOptimizer, type SparseOptimizerName } from './sparse-optimizer.js';

export class DenseOptimizer {
  private readonly rule: SparseOptimizer;
  private readonly size: number;
  /** [weights | optimizer slots], each `size` long. */
  private readonly store: Float32Array;
  private readonly row = Int32Array.of(0);
  private readonly grads: Float32Array;

  constructor(
    private readonly variables: tf.Variable[],
    name: SparseOptimizerName,
    learningRate: number,
    /** Global gradient norm limit; 0 disables clipping. */
    private readonly clipNorm: number,
  ) {
    this.rule = new SparseOptimizer(name, learningRate);
    this.size = variables.reduce((s, v) => s + v.size, 0);
    this.store = new Float32Array(this.size * (1 + optimizerSlots(name)));
    this.grads = new Float32Array(this.size);
    this.reload();
  }

  set learningRate(lr: number) {
    this.rule.learningRate = lr;
  }

  /** The optimizer's state: its steps and a copy of its slots ([size x slots]). */
  getState(): { name: SparseOptimizerName; steps: number; slots: Float32Array } {
    return { name: this.rule.name, steps: this.rule.steps, slots: this.store.slice(this.size) };
  }

  /** A fresh optimizer: zero slots, no steps. */
  reset(): void {
    this.store.fill(0, this.size);
    this.rule.steps = 0;
  }

  setState(s: { steps: number; slots: Float32Array }): void {
    if (s.slots.length !== this.store.length - this.size) throw new RangeError(`dense optimizer state has ${s.slots.length} values, expected ${this.store.length - this.size}`);
    this.store.set(s.slots, this.size);
    this.rule.steps = s.steps;
  }

  /** Re-reads the weights after they were replaced from outside (restored state, warm start). */
  reload(): void {
    let o = 0;
    for (const v of this.variables) {
      this.store.set(v.dataSync() as Float32Array, o);
      o += v.size;
    }
  }

  /** One update from gradients keyed by variable name (a missing one counts as zero). */
  apply(grads: tf.NamedTensorMap): void {
    const flat = this.grads;
    let o = 0;
    for (const v of this.variables) {
      const g = grads[v.name];
      if (g) flat.set(g.dataSync() as Float32Array, o);
      else flat.fill(0, o, o + v.size);
      o += v.size;
    }
    if (this.clipNorm > 0) {
      let sq = 0;
      for (let i = 0; i < flat.length; i++) sq += flat[i] * flat[i];
      const norm = Math.sqrt(sq);
      if (norm > this.clipNorm) for (let i = 0; i < flat.length; i++) flat[i] *= this.clipNorm / norm;
    }
    this.rule.nextStep();
    this.rule.apply(this.store, this.store.length, this.size, { rows: this.row, grads: flat, count: 1 });
    o = 0;
    for (const v of this.variables) {
      const t = tf.tensor(this.store.subarray(o, o + v.size), v.shape, 'float32');
      v.assign(t);
      t.dispose();
      o += v.size;
    }
  }
}
