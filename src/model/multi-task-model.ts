// A trainable multi-task model: embedding tables in JS (sparse updates), the dense network in
// tfjs. One training step: gather the block, forward, gradients of the dense weights AND of the
// block, dense optimizer step, then lazy updates of only the embedding rows the batch touched.
// The step runs on the fast path (fast/: wasm SIMD kernels, worker threads) when it covers the
// model and agrees with tfjs on a probe step, else on the tfjs graph; the tfjs variables stay the
// model that is validated, saved and exported, brought up to date whenever they are read.
import * as tf from '@tensorflow/tfjs';
import type { ModelSection, TrainingSection } from '../config/schema.js';
import type { Batch } from '../data/batch.js';
import type { FeatureSpec } from '../data/feature-spec.js';
import { Rng } from '../util/random.js';
import { buildDenseNet, type DenseNet } from './dense-net.js';
import { DenseOptimizer } from './dense-optimizer.js';
import { EmbeddingTables } from './embeddings.js';
import { blockLayout, type BlockLayout } from './layout.js';
import { combine, l2Penalty, taskLoss } from './losses.js';
import { getArchitecture } from './registry.js';
import type { FastGradients } from './fast/fast-trainer.js';
import type { FastTrainer } from './fast/fast-trainer.js';
import { chooseTrainingPath, PROBE_TOLERANCE, type TrainingPath } from './fast/probe.js';
import { optimizerSlots, SparseOptimizer } from './sparse-optimizer.js';
import { useFastWasmKernels } from './wasm-kernels.js';

export interface StepResult {
  /** The minimised objective: weighted task losses (+ uncertainty terms) + L2. NaN/inf = diverged. */
  loss: number;
  /** Each task's mean loss on the batch (BCE or squared error), before weighting. */
  taskLosses: Record<string, number>;
}

/** Gate softmax of one gate for a batch: row-major [rows, experts], each row sums to 1. */
export interface GateMatrix {
  experts: number;
  weights: Float32Array;
}

/** Both optimizers' state (moments, step counts): what a warm start continues from. */
export interface OptimizerState {
  dense: { name: string; steps: number; slots: Float32Array };
  embeddings: { name: string; steps: number; tables: Map<string, Float32Array> };
}

/** Every weight of a model, as plain arrays (for "keep the best weights"). */
export interface ModelState {
  dense: Float32Array[];
  tables: Map<string, Float32Array>;
  logVariances: number[];
}

export interface ModelOptions {
  /** For scoring only: embedding tables without optimizer slots (a third of an Adam model's table memory); training throws. */
  inferenceOnly?: boolean;
  /** Training threads of the fast path (the embedding tables are then shared memory). Default 1. */
  threads?: number;
  /** `tfjs`: never the fast path. Default `auto`: the fast path when it covers the model and its probe agrees. */
  kernels?: 'auto' | 'tfjs';
  /** Largest deviation the probe step accepts (tests force a fallback with a negative one). */
  probeTolerance?: number;
  /** false: the fast path's kernels without fused multiply-adds even where the engine has them. */
  fma?: boolean;
}

export class MultiTaskModel {
  readonly layout: BlockLayout;
  readonly tables: EmbeddingTables;
  private readonly dense: DenseNet;
  private readonly logVars: tf.Variable[] | null;
  private readonly denseOptimizer: DenseOptimizer;
  private readonly sparseOptimizer: SparseOptimizer;
  /** Embedding learning rate / dense learning rate, kept when the trainer decays the rate. */
  private readonly sparseRatio: number;
  private learningRate: number;
  private block = new Float32Array(0);
  /** The dense side of the checkpoint (checkpoint()); the tables keep their own. */
  private kept: { dense: Float32Array[]; logVariances: number[]; optimizer: { steps: number; slots: Float32Array }; embeddingSteps: number } | null = null;
  /** Chosen at the first training step. */
  private path: TrainingPath | undefined;
  private fast: FastTrainer | null = null;
  /** The fast path has trained since the tfjs variables were last written. */
  private stale = false;
  /** The training graph's dropout layers, each drawing a step's masks from (seed, step, layer). */
  private readonly dropouts: tf.layers.Layer[];
  private readonly seed: number;

  constructor(
    readonly spec: FeatureSpec,
    readonly model: ModelSection,
    readonly training: TrainingSection,
    seed = training.seed,
    readonly options: ModelOptions = {},
  ) {
    useFastWasmKernels();
    this.layout = blockLayout(spec);
    const arch = getArchitecture(model.type);
    this.dense = buildDenseNet(arch, { spec, model }, this.layout.width, seed);
    this.seed = seed;
    this.dropouts = this.dense.train.layers.filter((l) => l.getClassName() === 'Dropout');
    const o = training.optimizer;
    const e = { ...o, ...training.embeddingOptimizer };
    const shared = (options.threads ?? 1) > 1 && !options.inferenceOnly;
    this.tables = new EmbeddingTables(this.layout, options.inferenceOnly ? 0 : optimizerSlots(e.name), new Rng(seed).fork(1), { shared });
    this.sparseOptimizer = new SparseOptimizer(e.name, e.learningRate);
    this.sparseRatio = e.learningRate / o.learningRate;
    this.learningRate = o.learningRate;
    this.logVars = training.uncertaintyWeighting ? spec.tasks.map(() => tf.variable(tf.scalar(0))) : null;
    this.denseOptimizer = new DenseOptimizer(this.denseVariables(), o.name, o.learningRate, o.clipNorm);
  }

  /** The dense network's tfjs graphs and layers, with the weights the fast path trained. */
  get net(): DenseNet {
    this.syncWeights();
    return this.dense;
  }

  /** Learned uncertainty log variances (uncertainty weighting), up to date. */
  get logVariances(): tf.Variable[] | null {
    this.syncWeights();
    return this.logVars;
  }

  /** Seconds each fast-path thread spent in each phase of its steps (null on the tfjs path); `reset` zeroes them. */
  trainingPhases(reset = false): Record<string, number>[] | null {
    return this.fast?.phaseSeconds(reset) ?? null;
  }

  /** What trains the dense network (known after the first training step). */
  get trainingPath(): TrainingPath | undefined {
    return this.path;
  }

  /** Writes the fast path's weights into the tfjs variables when it has trained since. */
  private syncWeights(): void {
    if (!this.stale || !this.fast) return;
    this.stale = false;
    this.fast.pushWeights();
  }

  get taskNames(): string[] {
    return this.spec.tasks.map((t) => t.name);
  }

  /** Sets the dense learning rate; the embedding rate follows in its configured proportion. */
  setLearningRate(lr: number): void {
    this.learningRate = lr;
    this.denseOptimizer.learningRate = lr;
    this.sparseOptimizer.learningRate = lr * this.sparseRatio;
    if (this.fast) this.fast.learningRate = lr;
  }

  trainStep(batch: Batch): StepResult {
    if (this.options.inferenceOnly) throw new Error('this model was opened for scoring only (no optimizer state): it cannot train');
    if (batch.size === 0) return this.noLoss();
    if (!this.path) this.choosePath(batch);
    if (this.fast) {
      // The threads update the rows they own: the rows a checkpoint must keep are saved here first.
      this.tables.saveForCheckpoint(batch);
      const r = this.fast.step(batch);
      this.stale = true;
      return { loss: r.loss, taskLosses: Object.fromEntries(this.spec.tasks.map((t, i) => [t.name, r.taskLosses[i]!])) };
    }
    const g = this.gradients(batch);
    // A diverged step changes nothing, so the caller still holds the last good weights.
    if (Number.isFinite(g.result.loss) && Object.values(g.result.taskLosses).every(Number.isFinite)) {
      this.denseOptimizer.apply(g.dense);
      this.tables.accumulate(batch, g.dx, this.block);
      this.tables.apply(this.sparseOptimizer);
    }
    tf.dispose(Object.values(g.dense));
    return g.result;
  }

  /** The objective on a batch without training: no dropout, no update (validation loss). */
  evaluate(batch: Batch): StepResult {
    if (batch.size === 0) return this.noLoss();
    let result: StepResult | undefined;
    tf.tidy(() => {
      const { total, losses } = this.objective(this.logits(this.net.evalLogits, this.blockTensor(batch)), batch);
      result = this.readLosses(total, losses);
    });
    return result!;
  }

  /** Starts the fast path when it covers the model and its probe step agrees with tfjs on `batch`. */
  private choosePath(batch: Batch): void {
    if (this.options.kernels === 'tfjs') {
      this.path = { kernels: 'tfjs', threads: 1, reason: 'the fast path is turned off (kernels "tfjs")' };
      return;
    }
    const parts = {
      net: this.dense,
      spec: this.spec,
      layout: this.layout,
      tables: this.tables,
      training: this.training,
      logVariances: this.logVars,
      sparse: this.sparseOptimizer,
      threads: this.options.threads ?? 1,
      batchRows: Math.max(batch.size, this.training.batchSize),
      fma: this.options.fma,
    };
    const chosen = chooseTrainingPath(parts, batch, (probe) => this.referenceGradients(probe), this.options.probeTolerance ?? PROBE_TOLERANCE);
    this.path = chosen.path;
    this.fast = chosen.trainer;
    if (this.fast) {
      this.fast.learningRate = this.learningRate;
      this.fast.setOptimizerState(this.denseOptimizer.getState());
    }
  }

  /** Losses and gradients of the tfjs graph on a batch, as the fast path reports them (the probe's reference); nothing is updated. */
  referenceGradients(batch: Batch): FastGradients {
    const g = this.gradients(batch);
    const dense = this.denseVariables().map((v) => {
      const t = g.dense[v.name];
      return t ? (t.dataSync() as Float32Array).slice() : new Float32Array(v.size);
    });
    tf.dispose(Object.values(g.dense));
    return { loss: g.result.loss, taskLosses: this.spec.tasks.map((t) => g.result.taskLosses[t.name]!), dense, dx: g.dx };
  }

  /** The fast path's losses and gradients on a batch (null when it does not train this model; chooses the path first); nothing is updated. */
  fastGradients(batch: Batch): FastGradients | null {
    if (!this.path) this.choosePath(batch);
    return this.fast?.gradients(batch) ?? null;
  }

  /**
   * The gradient of the objective with respect to the embedding rows a batch touches, by table
   * (rows and their summed gradients, [count, dim]); nothing is updated. For gradient checks.
   */
  embeddingGradients(batch: Batch): Map<string, { rows: Int32Array; grads: Float32Array }> {
    const g = this.gradients(batch);
    tf.dispose(Object.values(g.dense));
    const acc = this.tables.accumulate(batch, g.dx, this.block);
    return new Map([...acc].map(([k, a]) => [k, { rows: a.rows.slice(0, a.count), grads: a.grads.slice(0, (a.count * a.grads.length) / a.rows.length) }]));
  }

  /** Forward and backward on the training graph: losses, dense gradients, block gradient. */
  private gradients(batch: Batch): { result: StepResult; dense: tf.NamedTensorMap; dx: Float32Array } {
    const block = this.blockTensor(batch);
    const x = tf.variable(block); // shares the block's data
    block.dispose();
    const kept: tf.Scalar[] = [];
    const { value, grads } = this.withDropoutMasks(() =>
      tf.variableGrads(() => {
        const { total, losses } = this.objective(this.logits(this.net.train, x, true), batch);
        kept.push(...losses.map((l) => tf.keep(l)));
        return total;
      }, [...this.denseVariables(), x]),
    );
    const dx = grads[x.name];
    delete grads[x.name];
    const result = this.readLosses(value, kept);
    const dxValues = dx.dataSync() as Float32Array;
    tf.dispose([x, value, dx, ...kept]);
    return { result, dense: grads, dx: dxValues };
  }

  /**
   * Runs `f` with each dropout layer seeded from (model seed, embedding optimizer step, layer): every
   * step draws new masks, and a rerun with the same seed draws the same ones (tfjs's unseeded
   * dropout would make two runs differ; one fixed seed would drop the same units every step). The
   * seeds are cleared after the step, so model.json records none.
   */
  private withDropoutMasks<T>(f: () => T): T {
    if (this.dropouts.length === 0) return f();
    const step = this.sparseOptimizer.steps;
    this.dropouts.forEach((l, i) => ((l as unknown as { seed?: number }).seed = dropoutSeed(this.seed, step, i)));
    try {
      return f();
    } finally {
      for (const l of this.dropouts) (l as unknown as { seed?: number }).seed = undefined;
    }
  }

  /**
   * `training`: dropout layers drop units. A graph node does not keep the flag it was wired with
   * (tfjs takes it from the call), so the training graph is applied with it.
   */
  private logits(m: tf.LayersModel, x: tf.Tensor, training = false): Record<string, tf.Tensor> {
    const out = m.apply(x, training ? { training: true } : undefined) as tf.Tensor | tf.Tensor[];
    const list = Array.isArray(out) ? out : [out];
    return Object.fromEntries(this.net.logitNames.map((n, i) => [n, list[i]]));
  }

  /** Weighted task losses (+ uncertainty terms) + L2, and the per-task losses. */
  private objective(logits: Record<string, tf.Tensor>, batch: Batch): { total: tf.Scalar; losses: tf.Scalar[] } {
    const tasks = this.spec.tasks;
    const ys = this.labelTensors(batch);
    const w = batch.weights ? tf.tensor2d(batch.weights.subarray(0, batch.size), [batch.size, 1]) : null;
    const losses = tasks.map((t, i) => taskLoss(t, this.net.losses[t.name], logits, ys[i], w));
    const penalty = l2Penalty(this.net.l2.map((k) => ({ kernel: k.kernel.read(), l2: k.l2 })));
    const total = combine(losses, tasks, this.logVariances);
    return { total: penalty ? tf.add(total, penalty) : total, losses };
  }

  /** An empty batch has nothing to learn from: zero loss rather than the NaN of an empty mean. */
  private noLoss(): StepResult {
    return { loss: 0, taskLosses: Object.fromEntries(this.spec.tasks.map((t) => [t.name, 0])) };
  }

  private readLosses(total: tf.Scalar, losses: tf.Scalar[]): StepResult {
    // One read per scalar: wasm's Pack/Concat of scalars costs more than the reads.
    return { loss: total.dataSync()[0], taskLosses: Object.fromEntries(this.spec.tasks.map((t, i) => [t.name, losses[i].dataSync()[0]])) };
  }

  /** Serving outputs by name (probabilities; regression values on the transformed label scale). */
  predict(batch: Batch): Record<string, Float32Array> {
    const outs = this.run(this.net.score, batch);
    return Object.fromEntries(this.net.outputNames.map((n, i) => [n, outs[i]]));
  }

  /** Gate softmaxes by task (last level) and `<task>_l<k>` (earlier levels); {} for ungated models. */
  gateWeights(batch: Batch): Record<string, GateMatrix> {
    if (!this.net.gates) return {};
    return this.gatesFrom(this.run(this.net.gates, batch));
  }

  /** predict() and gateWeights() from one forward pass (what eval with diagnostics needs). */
  predictWithGates(batch: Batch): { scores: Record<string, Float32Array>; gates: Record<string, GateMatrix> } {
    if (!this.net.scoreAndGates) return { scores: this.predict(batch), gates: {} };
    const outs = this.run(this.net.scoreAndGates, batch);
    const n = this.net.outputNames.length;
    return {
      scores: Object.fromEntries(this.net.outputNames.map((name, i) => [name, outs[i]])),
      gates: this.gatesFrom(outs.slice(n)),
    };
  }

  private gatesFrom(distinct: Float32Array[]): Record<string, GateMatrix> {
    return Object.fromEntries(
      this.net.gateKeys.map((k, i) => {
        const j = this.net.gateIndex[i];
        return [k, { experts: this.net.gates!.outputs[j].shape[1] as number, weights: distinct[j] }];
      }),
    );
  }

  /** Both optimizers' state, tables' slots copied (small models and tests; persist.ts streams big ones). */
  getOptimizerState(): OptimizerState {
    return {
      dense: this.denseState(),
      embeddings: {
        name: this.sparseOptimizer.name,
        steps: this.sparseOptimizer.steps,
        tables: new Map(this.layout.tables.map((t) => [t.name, this.tables.readSlots(t.name)])),
      },
    };
  }

  /** The dense optimizer's state (its slots are one copy of the dense weights' size) and the embedding optimizer's name and steps. */
  optimizerHeader(): { dense: { name: string; steps: number; slots: Float32Array }; embeddings: { name: string; steps: number } } {
    return { dense: this.denseState(), embeddings: { name: this.sparseOptimizer.name, steps: this.sparseOptimizer.steps } };
  }

  /** The dense optimizer's state, from the fast path when it trains. */
  private denseState(): { name: string; steps: number; slots: Float32Array } {
    if (this.fast) this.denseOptimizer.setState(this.fast.optimizerState());
    return this.denseOptimizer.getState();
  }

  /** Sets the dense optimizer's state and the embedding optimizer's steps; the tables' slots are set through `tables`. */
  setOptimizerHeader(dense: { steps: number; slots: Float32Array }, embeddingSteps: number): void {
    this.denseOptimizer.setState(dense);
    this.fast?.setOptimizerState(dense);
    this.sparseOptimizer.steps = embeddingSteps;
  }

  /** Fresh optimizers (after a restore that failed half way). */
  resetOptimizers(): void {
    this.denseOptimizer.reset();
    this.fast?.resetOptimizer();
    this.sparseOptimizer.steps = 0;
    this.tables.clearSlots();
  }

  /** Every weight, tables copied whole (tests and small models; fit() keeps checkpoints instead). */
  getState(): ModelState {
    return { ...this.getDenseState(), tables: new Map(this.layout.tables.map((t) => [t.name, this.tables.read(t.name)])) };
  }

  private getDenseState(): { dense: Float32Array[]; logVariances: number[] } {
    return {
      dense: this.net.train.weights.map((v) => (v.read().dataSync() as Float32Array).slice()),
      logVariances: this.logVariances?.map((v) => v.dataSync()[0]) ?? [],
    };
  }

  setState(s: ModelState): void {
    this.stale = false; // every weight is replaced
    this.dense.train.weights.forEach((v, i) => {
      const t = tf.tensor(s.dense[i], v.shape as number[]);
      v.write(t);
      t.dispose();
    });
    for (const [k, a] of s.tables) this.tables.write(k, a);
    this.logVars?.forEach((v, i) => tf.tidy(() => v.assign(tf.scalar(s.logVariances[i]))));
    this.denseOptimizer.reload();
    this.fast?.pullWeights();
  }

  /**
   * Keeps the current weights and optimizer state as the point restoreCheckpoint() returns to
   * (early stopping's best epoch). The dense part is copied (it is small); embedding rows are
   * saved only when a later step first changes them, so no table is copied whole.
   */
  checkpoint(): void {
    const { dense, logVariances } = this.getDenseState();
    this.kept = { dense, logVariances, optimizer: this.denseState(), embeddingSteps: this.sparseOptimizer.steps };
    this.tables.checkpoint();
  }

  /** Back to the checkpoint: weights, optimizer moments and step counts as they were. */
  restoreCheckpoint(): void {
    if (!this.kept) throw new Error('no checkpoint to restore');
    this.setState({ dense: this.kept.dense, tables: new Map(), logVariances: this.kept.logVariances });
    this.setOptimizerHeader(this.kept.optimizer, this.kept.embeddingSteps); // both paths' dense optimizer
    this.tables.rollback();
  }

  /** Forgets the checkpoint (and the rows saved for it). */
  dropCheckpoint(): void {
    this.kept = null;
    this.tables.dropCheckpoint();
  }

  dispose(): void {
    this.dropCheckpoint();
    this.fast?.dispose();
    this.fast = null;
    for (const v of this.dense.train.weights) v.dispose();
    tf.dispose(this.logVars ?? []);
  }

  private blockTensor(batch: Batch): tf.Tensor2D {
    const n = batch.size * this.layout.width;
    if (this.block.length < n) this.block = new Float32Array(n);
    this.tables.gather(batch, this.block);
    return tf.tensor2d(this.block.subarray(0, n), [batch.size, this.layout.width]);
  }

  private labelTensors(batch: Batch): tf.Tensor2D[] {
    const k = this.spec.tasks.length;
    const { labels } = batch; // once: a TableBatch hands it out through a getter
    return this.spec.tasks.map((_, j) => {
      const y = new Float32Array(batch.size);
      for (let i = 0; i < batch.size; i++) y[i] = labels[i * k + j];
      return tf.tensor2d(y, [batch.size, 1]);
    });
  }

  private denseVariables(): tf.Variable[] {
    return [...this.net.train.trainableWeights.map((v) => v.read() as tf.Variable), ...(this.logVariances ?? [])];
  }

  private run(m: tf.LayersModel, batch: Batch): Float32Array[] {
    if (batch.size === 0) return m.outputs.map(() => new Float32Array(0));
    // Read outside tidy: tidy walks every element of what it returns looking for tensors, which
    // for typed arrays of a big batch cost more than the forward pass.
    const outs = tf.tidy(() => {
      const out = m.apply(this.blockTensor(batch)) as tf.Tensor | tf.Tensor[];
      return Array.isArray(out) ? out : [out];
    });
    try {
      return outs.map((t) => t.dataSync() as Float32Array);
    } finally {
      tf.dispose(outs);
    }
  }
}

/** A dropout layer's seed at a step: a 32-bit mix of the model seed, the step and the layer's index. */
export function dropoutSeed(seed: number, step: number, layer: number): number {
  let h = Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(step + 1, 0xc2b2ae35) ^ Math.imul(layer + 1, 0x27d4eb2f);
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
  return (h ^ (h >>> 15)) >>> 0;
}

/** Builds a fresh model: architecture by model.type, random tables and weights from `seed`. */
export function buildModel(spec: FeatureSpec, model: ModelSection, training: TrainingSection, seed = training.seed, options: ModelOptions = {}): MultiTaskModel {
  return new MultiTaskModel(spec, model, training, seed, options);
}
