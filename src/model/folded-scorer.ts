// Fast scoring for eval and predict: the same network as MultiTaskModel.predict, with the layers
// that read the input block computed by FoldedFirstLayer and the rest of the graph (activations,
// gates, mixtures, towers) rebuilt from the model's own layers on the pre-activations. Scores
// agree with the plain graph to float32 rounding (test/model/folded-scorer.test.ts). Training
// never uses it: projected rows are computed once, for fixed weights.
import * as tf from '@tensorflow/tfjs';
import type { Batch } from '../data/batch.js';
import { Rng } from '../util/random.js';
import type { FeatureSpec } from '../data/feature-spec.js';
import { blockInput } from './dense-net.js';
import { call } from './blocks.js';
import { FoldedFirstLayer } from './folded-first-layer.js';
import { disposeFolded, foldTables, type FoldedTables, type FoldSummary } from './folded-tables.js';
import { FLOATS_PER_VECTOR } from './wasm/scoring-kernels.js';
import { type TfjsHeap, tfjsHeap } from './wasm/tfjs-heap.js';
import type { GateMatrix, MultiTaskModel } from './multi-task-model.js';

/** What eval and predict score with: a MultiTaskModel, or a FoldedScorer built from one. */
export interface Scorer {
  readonly spec: FeatureSpec;
  predict(batch: Batch): Record<string, Float32Array>;
  predictWithGates(batch: Batch): { scores: Record<string, Float32Array>; gates: Record<string, GateMatrix> };
}

/** Default cap on the projected tables: the default model needs about 150 MiB of it. */
export const DEFAULT_FOLD_BUDGET_MIB = 512;

/** Float32 sums in another order differ by about 1e-7 relative; 1e-4 means a broken scorer. */
const SELF_CHECK_TOLERANCE = 1e-4;

interface Tail {
  /** Each first layer's output (before its activation unless that is ReLU) -> serving outputs, then the distinct gates. */
  model: tf.LayersModel;
  firsts: FirstLayer[];
  gateKeys: { key: string; output: number; experts: number }[];
}

interface FirstLayer {
  layer: tf.layers.Layer;
  units: number;
  /** ReLU runs in the gather kernel; other activations in the graph. */
  relu: boolean;
  input: tf.SymbolicTensor;
  /** The input through the layer's activation (the Dense layer's own output). */
  output: tf.SymbolicTensor;
}

export class FoldedScorer implements Scorer {
  readonly spec: FeatureSpec;
  private readonly first: FoldedFirstLayer;

  private constructor(
    private readonly model: MultiTaskModel,
    private readonly tail: Tail,
    private readonly folded: FoldedTables,
    heap: TfjsHeap,
  ) {
    this.spec = model.spec;
    this.first = new FoldedFirstLayer(model.layout, model.tables, folded, heap);
  }

  get summary(): FoldSummary {
    return this.folded.summary;
  }

  /**
   * A scorer for `model`, or the reason there is none: the backend is not tfjs wasm (tfjs-node's
   * native matrix products need no folding), or something other than a Dense layer reads the
   * input block (none of the built-in architectures does).
   */
  static build(model: MultiTaskModel, budgetBytes = DEFAULT_FOLD_BUDGET_MIB * 2 ** 20): FoldedScorer | { reason: string } {
    const heap = tfjsHeap();
    if (!heap) return { reason: `folding is for the tfjs wasm backend; this one is ${tf.getBackend()}` };
    const tail = wireTail(model, heap);
    if ('reason' in tail) return tail;
    const weights = tail.firsts.map((f) => {
      const [kernel, bias] = f.layer.getWeights().map((t) => t.dataSync() as Float32Array);
      return { kernel: kernel!, bias: bias!, units: f.units, relu: f.relu };
    });
    const scorer = new FoldedScorer(model, tail, foldTables(model.layout, model.tables, weights, budgetBytes), heap);
    let deviation: number;
    try {
      deviation = scorer.selfCheck();
    } catch (err) {
      scorer.dispose();
      return { reason: `self-check failed: ${(err as Error).message}` };
    }
    if (!(deviation <= SELF_CHECK_TOLERANCE)) {
      scorer.dispose();
      return { reason: `self-check failed: folded scores differ from the plain graph's by ${deviation} on a probe batch` };
    }
    return scorer;
  }

  /**
   * Largest difference from the plain graph (scores and gates; relative to each output's largest
   * magnitude on the probe when that is above 1, as for regression heads) on a probe batch
   * of pseudo-random buckets, empty values and numerics: a guard against a tfjs version whose
   * heap does not work as folded-first-layer.ts expects. Run by build() before the scorer is used.
   */
  selfCheck(rows = 64): number {
    const spec = this.model.spec;
    const rng = new Rng(20240101);
    const nCat = spec.categorical.length;
    const nNum = spec.numeric.length;
    const batch: Batch = {
      size: rows,
      cat: Int32Array.from({ length: rows * nCat }, (_, i) => rng.int(spec.categorical[i % nCat]!.buckets + 1)),
      num: Float32Array.from({ length: rows * nNum }, () => rng.normal()),
      labels: new Float32Array(rows * spec.tasks.length),
      weights: null,
    };
    const plain = this.model.predictWithGates(batch);
    const folded = this.predictWithGates(batch);
    let worst = 0;
    const compare = (a: Float32Array | undefined, b: Float32Array): void => {
      if (!a || a.length !== b.length) return void (worst = Number.POSITIVE_INFINITY);
      let scale = 1;
      for (let i = 0; i < b.length; i++) scale = Math.max(scale, Math.abs(b[i]!));
      for (let i = 0; i < b.length; i++) {
        const d = Math.abs(a[i]! - b[i]!) / scale;
        worst = Number.isNaN(d) ? Number.POSITIVE_INFINITY : Math.max(worst, d);
      }
    };
    for (const [k, v] of Object.entries(plain.scores)) compare(folded.scores[k], v);
    for (const [k, g] of Object.entries(plain.gates)) compare(folded.gates[k]?.weights, g.weights);
    return worst;
  }

  predict(batch: Batch): Record<string, Float32Array> {
    return this.predictWithGates(batch).scores;
  }

  predictWithGates(batch: Batch): { scores: Record<string, Float32Array>; gates: Record<string, GateMatrix> } {
    const names = this.model.net.outputNames;
    const outs = this.run(batch);
    return {
      scores: Object.fromEntries(names.map((n, i) => [n, outs[i]!])),
      gates: Object.fromEntries(this.tail.gateKeys.map((g) => [g.key, { experts: g.experts, weights: outs[g.output]! }])),
    };
  }

  dispose(): void {
    disposeFolded(this.folded);
  }

  private run(batch: Batch): Float32Array[] {
    const m = this.tail.model;
    if (batch.size === 0) return m.outputs.map(() => new Float32Array(0));
    // Read outside tidy (see MultiTaskModel.run).
    const outs = tf.tidy(() => {
      const out = m.apply(this.first.forward(batch)) as tf.Tensor | tf.Tensor[];
      return Array.isArray(out) ? out : [out];
    });
    try {
      return outs.map((t) => t.dataSync() as Float32Array);
    } finally {
      tf.dispose(outs);
    }
  }
}

/**
 * MMoE's gate-weighted sum of experts in one kernel call (wasm/scoring.wat `mixture`) instead of
 * a broadcast Multiply, a mean over experts and a rescale: the same sum, about 4x faster on wasm.
 * Inference only: it has no gradient and is never saved.
 */
class HeapMixture extends tf.layers.Layer {
  static readonly className = 'MmoeHeapMixture';

  constructor(
    private readonly heap: TfjsHeap,
    name: string,
  ) {
    super({ name, trainable: false });
  }

  override computeOutputShape(shapes: tf.Shape[]): tf.Shape {
    const bank = shapes[1]!;
    return [bank[0]!, bank[2]!];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const [g, bank] = inputs as tf.Tensor[];
    const [rows, experts, units] = bank!.shape as [number, number, number];
    const at = [this.heap.address(g!), this.heap.address(bank!)] as const;
    return this.heap.output([rows, units], (out) => this.heap.kernels.mixture(at[0], at[1], out, rows, experts, units / FLOATS_PER_VECTOR));
  }
}

/**
 * The model's inference graph wired again on the outputs of the Dense layers that read the input
 * block, which FoldedFirstLayer computes: the same layers (and weights) from the model's cache.
 */
function wireTail(model: MultiTaskModel, heap: TfjsHeap): Tail | { reason: string } {
  const firsts: FirstLayer[] = [];
  const block = blockInput(model.layout.width, 'folded_block');
  const replace = (layer: tf.layers.Layer, activation: string): tf.SymbolicTensor => {
    let f = firsts.find((x) => x.layer === layer);
    if (!f) {
      const units = (layer.getConfig() as { units: number }).units;
      const relu = activation === 'relu';
      const input = tf.input({ shape: [units], name: `${layer.name}_${relu ? 'output' : 'preactivation'}` });
      const inGraph = activation !== 'linear' && !relu;
      const output = inGraph ? call(tf.layers.activation({ activation: activation as 'elu', name: `${layer.name}_activation` }), input) : input;
      firsts.push((f = { layer, units, relu, input, output }));
    }
    return f.output;
  };
  const mixture = (g: tf.SymbolicTensor, bank: tf.SymbolicTensor, name: string): tf.SymbolicTensor | undefined =>
    (bank.shape[2] as number) % FLOATS_PER_VECTOR === 0 ? call(new HeapMixture(heap, `${name}_heap`), [g, bank]) : undefined;
  const net = model.net;
  const wired = net.arch.wire(block, { layers: net.layers, training: false, folded: { block, replace, mixture } }, { spec: model.spec, model: model.model });
  const distinct = [...new Set(Object.values(wired.gates))];
  let tail: tf.LayersModel;
  try {
    tail = tf.model({ inputs: firsts.map((f) => f.input), outputs: [...net.outputNames.map((n) => wired.outputs[n]!), ...distinct], name: `${net.arch.name}_folded` });
  } catch (err) {
    return { reason: `the graph reads the input block other than through Dense layers (${(err as Error).message.split('\n')[0]})` };
  }
  const gateKeys = Object.entries(wired.gates).map(([key, g]) => ({ key, output: net.outputNames.length + distinct.indexOf(g), experts: g.shape[1] as number }));
  return { model: tail, firsts, gateKeys };
}
