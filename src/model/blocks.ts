// The pieces every architecture is assembled from: MLP stacks, a bank of experts, a softmax gate
// with its mixture, and a task head. Only built-in tfjs layers, so a saved model loads in plain
// tfjs and converts to Keras. Layers come from a LayerCache: wiring the same architecture a second
// time (inference graph, exported graph) reuses the very same layers and weights.
import * as tf from '@tensorflow/tfjs';
import type { MlpSection, Task } from '../config/schema.js';

type ST = tf.SymbolicTensor;

export class LayerCache {
  private readonly layers = new Map<string, tf.layers.Layer>();
  /** L2 factor of each Dense kernel that has one, by layer name. */
  readonly l2 = new Map<string, number>();
  private seed: number;

  /**
   * `logitOffsets`: added to a task's logit in inference graphs (never in the training graph), as
   * the correction for negative sampling (data/negative-sampling.ts) by task name.
   */
  constructor(
    seed: number,
    readonly logitOffsets: Readonly<Record<string, number>> = {},
  ) {
    this.seed = seed >>> 0;
  }

  /** The layer called `name`, created by `make` the first time it is asked for. */
  get<L extends tf.layers.Layer>(name: string, make: () => L): L {
    let l = this.layers.get(name);
    if (!l) this.layers.set(name, (l = make()));
    return l as L;
  }

  find(name: string): tf.layers.Layer | undefined {
    return this.layers.get(name);
  }

  dense(name: string, units: number, activation: MlpSection['activation'] | 'softmax' = 'linear', l2 = 0): tf.layers.Layer {
    return this.get(name, () => {
      if (l2 > 0) this.l2.set(name, l2);
      // Seeded initialisers: the same seed builds the same model.
      const seed = (this.seed = (Math.imul(this.seed, 1664525) + 1013904223) >>> 0);
      return tf.layers.dense({ units, activation, name, kernelInitializer: tf.initializers.glorotUniform({ seed }) });
    });
  }
}

/** One wiring pass: the layers, and whether dropout is live (the training graph). */
export interface Wiring {
  layers: LayerCache;
  training: boolean;
  /**
   * Scoring graphs only (fold-scorer.ts): Dense layers applied to `inputs.block` are not called
   * but replaced by `inputs.replace`, which stands for their output computed outside the graph.
   */
  folded?: {
    block: ST;
    replace(layer: tf.layers.Layer, activation: string): ST;
    /** A faster gate-weighted sum of experts, or undefined to keep the built-in layers. */
    mixture?(g: ST, bank: ST, name: string): ST | undefined;
  };
}

export function call(layer: tf.layers.Layer, x: ST | ST[], kwargs?: Record<string, unknown>): ST {
  return layer.apply(x, kwargs) as ST;
}

/** A Dense layer (created on first use) applied to x; every Dense of every architecture goes through here. */
export function dense(w: Wiring, x: ST, name: string, units: number, activation: MlpSection['activation'] = 'linear', l2 = 0): ST {
  const layer = w.layers.dense(name, units, activation, l2);
  return w.folded && x === w.folded.block ? w.folded.replace(layer, activation) : call(layer, x);
}

function dropout(w: Wiring, x: ST, name: string, rate: number): ST {
  if (rate <= 0) return x;
  const layer = w.layers.get(name, () => tf.layers.dropout({ rate, name }));
  // The training flag is recorded on the graph node, so only the training graph drops units.
  return call(layer, x, w.training ? { training: true } : undefined);
}

/** Dense layers `<prefix>_1..n` with activation and dropout. */
export function mlp(w: Wiring, x: ST, prefix: string, s: MlpSection): ST {
  s.units.forEach((units, i) => {
    const name = `${prefix}_${i + 1}`;
    x = dense(w, x, name, units, s.activation, s.l2);
    x = dropout(w, x, `${name}_dropout`, s.dropout);
  });
  return x;
}

/** `count` experts on x: [batch, count, units]. One-layer experts run as a single fused Dense. */
export function experts(w: Wiring, x: ST, prefix: string, count: number, s: MlpSection): ST {
  const units = s.units[s.units.length - 1];
  if (s.units.length === 1) {
    let h = dense(w, x, prefix, units * count, s.activation, s.l2); // [batch, count * units]
    h = dropout(w, h, `${prefix}_dropout`, s.dropout);
    return call(w.layers.get(`${prefix}_stack`, () => tf.layers.reshape({ targetShape: [count, units], name: `${prefix}_stack` })), h);
  }
  // Deeper experts cannot share one kernel: one MLP each, stacked along a new expert axis.
  const each = Array.from({ length: count }, (_, e) => {
    const h = mlp(w, x, `${prefix}_${e + 1}`, s); // [batch, units]
    return call(w.layers.get(`${prefix}_${e + 1}_row`, () => tf.layers.reshape({ targetShape: [1, units], name: `${prefix}_${e + 1}_row` })), h);
  });
  return concat(w, each, `${prefix}_stack`, 1);
}

/** A softmax gate over `count` experts: [batch, count], rows sum to 1. */
export function gate(w: Wiring, x: ST, name: string, count: number, temperature: number): ST {
  let z = dense(w, x, name, count); // [batch, count]
  if (temperature !== 1)
    z = call(w.layers.get(`${name}_temperature`, () => tf.layers.rescaling({ scale: 1 / temperature, offset: 0, name: `${name}_temperature` })), z);
  return call(w.layers.get(`${name}_softmax`, () => tf.layers.activation({ activation: 'softmax', name: `${name}_softmax` })), z);
}

/**
 * Gate-weighted sum of experts: [batch, count] x [batch, count, units] -> [batch, units], as a
 * broadcast Multiply, a mean over the expert axis and a rescale by count. (A Dot layer computes
 * the same as 1024 tiny matrix products per batch, several times slower on wasm.)
 */
export function mixture(w: Wiring, g: ST, bank: ST, name: string): ST {
  const fast = w.folded?.mixture?.(g, bank, name);
  if (fast) return fast;
  const count = g.shape[1] as number;
  const g3 = call(w.layers.get(`${name}_weights`, () => tf.layers.reshape({ targetShape: [count, 1], name: `${name}_weights` })), g); // [batch, count, 1]
  const weighted = call(w.layers.get(`${name}_weighted`, () => tf.layers.multiply({ name: `${name}_weighted` })), [g3, bank]); // [batch, count, units]
  const mean = call(w.layers.get(`${name}_mean`, () => tf.layers.globalAveragePooling1d({ name: `${name}_mean` })), weighted); // [batch, units]
  return call(w.layers.get(name, () => tf.layers.rescaling({ scale: count, offset: 0, name })), mean);
}

/** Joins tensors along `axis`: features (-1), or expert banks side by side (1). */
export function concat(w: Wiring, xs: ST[], name: string, axis = -1): ST {
  if (xs.length === 1) return xs[0];
  return call(w.layers.get(name, () => tf.layers.concatenate({ axis, name })), xs);
}

export interface Head {
  /**
   * Pre-activation output the loss reads: a logit (binary) or the value (regression). In inference
   * graphs it is the corrected logit, so validation losses measure the published probability.
   */
  logit: ST;
  /** Serving output named after the task: probability or value. */
  output: ST;
}

/**
 * Tower MLP `tower_<name>_*`, a one-unit `<name>_logit` and the output layer `<name>`. A task with a
 * logit offset gets `<name>_sampling_correction` (Rescaling by 1, offset ln(rate)) before its
 * sigmoid in inference graphs: the probability corrected for negative sampling.
 */
export function head(w: Wiring, x: ST, name: string, type: Task['type'], towers: MlpSection): Head {
  const h = mlp(w, x, `tower_${name}`, towers);
  const logit = dense(w, h, `${name}_logit`, 1, 'linear', towers.l2); // [batch, 1]
  const activation = type === 'binary' ? 'sigmoid' : 'linear';
  const offset = w.training ? undefined : w.layers.logitOffsets[name];
  const shifted =
    offset === undefined
      ? logit
      : call(w.layers.get(`${name}_sampling_correction`, () => tf.layers.rescaling({ scale: 1, offset, name: `${name}_sampling_correction` })), logit); // [batch, 1]
  const output = call(w.layers.get(name, () => tf.layers.activation({ activation, name })), shifted);
  return { logit: shifted, output };
}
