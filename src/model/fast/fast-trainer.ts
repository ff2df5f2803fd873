// The fast training path seen from the model: compiles the tfjs training graph into kernel
// programs (describe.ts, plan.ts), keeps the dense weights and their optimizer state in a shared
// wasm memory, starts the worker threads, and runs whole steps. The tfjs variables stay the model
// that is validated and exported: weights go back to them on demand (pushWeights) and come from
// them after a restore (pullWeights); optimizer state converts to and from DenseOptimizer's layout.
import { MessageChannel, type MessagePort, Worker } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import type { TrainingSection } from '../../config/schema.js';
import type { Batch, RowColumns } from '../../data/batch.js';
import type { FeatureSpec } from '../../data/feature-spec.js';
import type { DenseNet } from '../dense-net.js';
import type { EmbeddingTables } from '../embeddings.js';
import type { BlockLayout } from '../layout.js';
import { adamStepSize, optimizerSlots, type SparseOptimizer, type SparseOptimizerName } from '../sparse-optimizer.js';
import { fromFailure } from '../../util/thread-failure.js';
import { type KernelModule, kernelModule, sharedMemory, writeInstructions } from '../wasm/training-kernels.js';
import { describeNet } from './describe.js';
import { goneThread } from './os-threads.js';
import { combineLosses, type LossTask, lossTasks } from './loss.js';
import { compilePlan, type Matrix, PHASES, type Plan } from './plan.js';
import { runPhases, ShardRunner } from './shard.js';
import { COMMAND_STEP, COMMAND_STOP, type StepParams, StepSync } from './step-sync.js';

export interface FastTrainerParts {
  net: DenseNet;
  spec: FeatureSpec;
  layout: BlockLayout;
  tables: EmbeddingTables;
  training: TrainingSection;
  logVariances: tf.Variable[] | null;
  /** The model's embedding optimizer: the main thread updates its rows with it and keeps its step count. */
  sparse: SparseOptimizer;
  threads: number;
  /** Most rows a batch can have. */
  batchRows: number;
  /** false: the kernels without fused multiply-adds even where the engine has them. */
  fma?: boolean;
}

/** What a worker thread is started with (all of it crosses threads by structured clone; the memory and the tables are shared). */
export interface WorkerInit {
  thread: number;
  memory: WebAssembly.Memory;
  plan: Plan;
  layout: BlockLayout;
  stores: Float32Array[];
  slotsPerWeight: number;
  tasks: LossTask[];
  dims: { nCat: number; nNum: number; nTasks: number; weighted: boolean };
  denseOptimizer: SparseOptimizerName;
  sparseOptimizer: SparseOptimizerName;
  kernels: KernelModule;
  /** Where the tables whose rows steps name arrive (TableMessage), read synchronously when a step names a new one. */
  tablePort: MessagePort;
  /** Each thread's id in the OS (os-threads.ts), written by the thread as it starts; 0 where unknown. */
  osThreads: Int32Array;
}

/** A table of rows in shared memory that steps from now on name by `version` (StepParams.table). */
export interface TableMessage {
  version: number;
  columns: RowColumns;
}

/** Losses of a step and the gradients it computed (what the probe compares with tfjs). */
export interface FastGradients {
  loss: number;
  taskLosses: number[];
  /** In DenseOptimizer's order: the model's trainable weights, then the log variances. */
  dense: Float32Array[];
  /** The input block's gradient [rows, width]; null where the fast path computes none (no embedding rows to update: numeric features only). */
  dx: Float32Array | null;
}

function inSharedMemory(t: RowColumns): boolean {
  return [t.cat, t.num, t.labels, t.weights ?? t.cat].every((a) => a.buffer instanceof SharedArrayBuffer);
}

/** Training threads started and not yet exited, in this process. */
let running = 0;

/** Training threads (workers of the fast path) alive in this process: 0 once every model that started some is disposed and they have exited. */
export function trainingThreadsRunning(): number {
  return running;
}

/** Waiting longer than this for the worker threads to start means they will not. */
const START_TIMEOUT_MS = 60_000;

export class FastTrainer {
  /** Dense learning rate (the trainer's schedule sets it). */
  learningRate: number;
  /** Dense optimizer steps taken (Adam's bias correction). */
  steps = 0;
  /** Whether the products run with fused multiply-adds. */
  readonly fma: boolean;
  private readonly memory: WebAssembly.Memory;
  private readonly sync: StepSync;
  private readonly runner: ShardRunner;
  private readonly workers: Worker[] = [];
  private readonly f32: Float32Array;
  private readonly tasks: LossTask[];
  private readonly tablePorts: MessagePort[] = [];
  /** The table the threads copy rows from, as last sent to them (its arrays are replaced when it grows). */
  private table: TableMessage | null = null;

  private constructor(
    private readonly parts: FastTrainerParts,
    private readonly plan: Plan,
    private readonly variables: tf.LayerVariable[],
  ) {
    const { training, spec } = parts;
    this.learningRate = training.optimizer.learningRate;
    this.memory = sharedMemory(plan.bytes);
    this.f32 = new Float32Array(this.memory.buffer);
    for (const p of plan.programs) writeInstructions(this.memory, p.at, p.list);
    this.tasks = lossTasks(spec.tasks, parts.net.losses, parts.net.logitNames);
    this.sync = new StepSync(this.memory.buffer, plan.control, plan.threads.length);
    const dims = { nCat: spec.categorical.length, nNum: spec.numeric.length, nTasks: spec.tasks.length, weighted: spec.rowWeight !== undefined };
    const kernels = kernelModule({ fma: parts.fma });
    this.fma = kernels.fma;
    const tableFor = () => this.table!.columns;
    const osThreads = new Int32Array(new SharedArrayBuffer(4 * plan.threads.length));
    this.runner = new ShardRunner({ plan, thread: 0, memory: this.memory, tables: parts.tables, tasks: this.tasks, dims, denseOptimizer: training.optimizer.name, sparse: parts.sparse, kernels, tableFor });
    this.pullWeights();
    for (let t = 1; t < plan.threads.length; t++) {
      const { port1, port2 } = new MessageChannel();
      this.tablePorts.push(port1);
      const init: WorkerInit = {
        thread: t,
        memory: this.memory,
        plan,
        layout: parts.layout,
        stores: parts.tables.stores(),
        slotsPerWeight: optimizerSlots(parts.sparse.name),
        tasks: this.tasks,
        dims,
        denseOptimizer: training.optimizer.name,
        sparseOptimizer: parts.sparse.name,
        kernels,
        tablePort: port2,
        osThreads,
      };
      const w = new Worker(new URL('./train-worker.js', import.meta.url), { workerData: init, transferList: [port2] });
      w.unref();
      running++;
      w.once('exit', () => running--);
      // A thread's uncaught error reaches the main thread as an event: without a listener it
      // would end the process with a stack trace. Its failure is in the shared memory (sync).
      w.on('error', () => {});
      this.workers.push(w);
    }
    const ready = this.sync.waitReady(this.workers.length, START_TIMEOUT_MS);
    const failed = this.sync.failure();
    if (!ready || failed) {
      this.dispose();
      throw new Error(failed ? `training thread ${failed.thread} did not start: ${failed.failure.message}` : `the training threads did not start within ${START_TIMEOUT_MS / 1000} s`);
    }
    // A thread that dies in a step (out of its heap, an error outside the step's phases) never
    // reaches the next barrier: the main thread learns it from the OS within a second.
    this.sync.watch = () => {
      const gone = goneThread(osThreads);
      return gone === null ? null : `training thread ${gone} ended in the middle of a step (its thread is gone: out of its JavaScript heap, or an error outside the step)`;
    };
  }

  /** Compiles the model's training graph; throws UnsupportedGraph for what the kernels do not cover. */
  static create(parts: FastTrainerParts): FastTrainer {
    const { net, variables } = describeNet(parts.net);
    const threads = Math.max(1, Math.min(parts.threads, parts.batchRows));
    const plan = compilePlan(net, {
      threads,
      rowsPerThread: Math.ceil(parts.batchRows / threads),
      optimizer: parts.training.optimizer.name,
      logVariances: parts.logVariances?.length ?? 0,
      inputGrad: parts.layout.fields.length > 0,
      tasks: parts.spec.tasks.length,
      batch: { nCat: parts.spec.categorical.length, nNum: parts.spec.numeric.length, weighted: parts.spec.rowWeight !== undefined },
    });
    return new FastTrainer(parts, plan, variables);
  }

  get threads(): number {
    return this.plan.threads.length;
  }

  /** Most rows a step takes. */
  get capacity(): number {
    return this.plan.batch.rows;
  }

  /** One training step on every thread: losses, gradients, dense and sparse updates (none when a loss is not finite). */
  step(batch: Batch): { loss: number; taskLosses: number[] } {
    const p = this.params(batch, true);
    const lv = this.runner.logVariances()?.slice() ?? null;
    if (this.workers.length) this.sync.publish(COMMAND_STEP, p);
    const r = runPhases(this.runner, 0, this.workers.length ? this.sync : null, p);
    const failed = this.sync.failure();
    if (failed) throw fromFailure(failed.failure, (message) => new Error(`training thread ${failed.thread}: ${message}`));
    if (r.applied) this.steps++;
    const penalty = r.applied ? this.runner.reduced().penalty : 0;
    return { loss: Math.fround(combineLosses(this.tasks, r.losses, lv).total + penalty), taskLosses: r.losses };
  }

  /** Losses and gradients of a batch that fits one thread's shard, on the main thread, nothing updated. */
  gradients(batch: Batch): FastGradients {
    const p = this.params(batch, false);
    if (batch.size > this.plan.batch.rows / this.threads) throw new RangeError(`a gradient check takes at most ${this.plan.batch.rows / this.threads} rows`);
    const me = this.plan.threads[0]!;
    const lv = this.runner.logVariances()?.slice() ?? null;
    this.runner.compute(p.rows, this.runner.batchView(0, batch.size));
    // Only thread 0's shard ran: its sums are the batch's.
    const own = Array.from(new Float64Array(this.memory.buffer, me.lossOut, this.tasks.length), (v) => v / Math.max(batch.size, 1));
    const { total, dLogVariances } = combineLosses(this.tasks, own, lv);
    const grads = this.plan.grads;
    const dense = this.plan.params.map((m, i) => {
      const g = this.unpad(grads + (m.at - this.plan.weights), this.variables[i]!.shape, m);
      const l2 = this.l2Of(i);
      if (l2 > 0) {
        const w = this.unpad(m.at, this.variables[i]!.shape, m);
        for (let k = 0; k < g.length; k++) g[k]! += 2 * l2 * w[k]!;
      }
      return g;
    });
    let penalty = 0;
    this.plan.params.forEach((m, i) => {
      const l2 = this.l2Of(i);
      if (l2 > 0) for (const w of this.unpad(m.at, this.variables[i]!.shape, m)) penalty += l2 * w * w;
    });
    const dxm = me.dblock;
    const width = this.parts.layout.width;
    const dx = dxm ? new Float32Array(batch.size * width) : null;
    if (dxm && dx) for (let r = 0; r < batch.size; r++) dx.set(this.f32.subarray(dxm.at / 4 + r * dxm.ld, dxm.at / 4 + r * dxm.ld + width), r * width);
    return { loss: total + penalty, taskLosses: own, dense: [...dense, ...dLogVariances.map((d) => Float32Array.of(d))], dx };
  }

  /** Seconds each thread spent in each phase of the steps so far (plan.ts PHASES), or resets them. */
  phaseSeconds(reset = false): Record<(typeof PHASES)[number], number>[] {
    return this.plan.threads.map((t) => {
      const clock = new Float64Array(this.memory.buffer, t.clock, PHASES.length);
      const out = Object.fromEntries(PHASES.map((p, i) => [p, clock[i]!])) as Record<(typeof PHASES)[number], number>;
      if (reset) clock.fill(0);
      return out;
    });
  }

  /** Writes the fast path's weights into the tfjs variables (and log variances). */
  pushWeights(): void {
    this.plan.params.forEach((m, i) => {
      const v = this.variables[i]!;
      const t = tf.tensor(this.unpad(m.at, v.shape, m), v.shape as number[]);
      v.write(t);
      t.dispose();
    });
    const lv = this.runner.logVariances();
    this.parts.logVariances?.forEach((v, i) => tf.tidy(() => v.assign(tf.scalar(lv![i]!))));
  }

  /** Reads the weights from the tfjs variables (after a restore or a warm start). */
  pullWeights(): void {
    this.plan.params.forEach((m, i) => this.pad(this.variables[i]!.read().dataSync() as Float32Array, m.at, m));
    const lv = this.runner.logVariances();
    this.parts.logVariances?.forEach((v, i) => (lv![i] = v.dataSync()[0]!));
  }

  /** The dense optimizer's state in DenseOptimizer's layout: steps, and per slot all weights in its order. */
  optimizerState(): { steps: number; slots: Float32Array } {
    const out = new Float32Array(this.denseSize() * this.plan.slots.length);
    let o = 0;
    for (const base of this.plan.slots) o = this.eachDense(base, o, (at, n, a) => out.set(a(), at));
    return { steps: this.steps, slots: out };
  }

  setOptimizerState(s: { steps: number; slots: Float32Array }): void {
    if (s.slots.length !== this.denseSize() * this.plan.slots.length) throw new RangeError(`dense optimizer state has ${s.slots.length} values, expected ${this.denseSize() * this.plan.slots.length}`);
    let o = 0;
    for (const base of this.plan.slots) o = this.eachDense(base, o, undefined, s.slots);
    this.steps = s.steps;
  }

  /** Fresh optimizer state: zero slots, no steps. */
  resetOptimizer(): void {
    for (const base of this.plan.slots) this.f32.fill(0, base / 4, base / 4 + this.plan.size);
    this.steps = 0;
  }

  dispose(): void {
    if (this.workers.length) this.sync.publish(COMMAND_STOP);
    for (const w of this.workers) void w.terminate();
    this.workers.length = 0;
    for (const port of this.tablePorts) port.close();
    this.tablePorts.length = 0;
  }

  /**
   * A step's parameters, with its rows in place: a batch drawn from a table (Batch.source) that
   * every thread can read (its own, or shared memory) is left to the threads (`threadsCopy`),
   * each copying its shard's rows by the indices written here; any other batch is copied now.
   */
  private params(batch: Batch, threadsCopy: boolean): StepParams {
    if (batch.size > this.plan.batch.rows) throw new RangeError(`a batch of ${batch.size} rows; the fast path was built for at most ${this.plan.batch.rows}`);
    const src = batch.source;
    let table = 0;
    if (threadsCopy && src && (this.workers.length === 0 || inSharedMemory(src.table))) {
      table = this.attach(src.table);
      new Uint32Array(this.memory.buffer, this.plan.batch.index, batch.size).set(src.rows);
    } else this.copyBatch(batch);
    const sparse = this.parts.sparse;
    return {
      rows: batch.size,
      denseStep: this.denseStepSize(),
      sparseRate: sparse.learningRate,
      sparseSteps: sparse.steps + 1,
      clipNorm: this.parts.training.optimizer.clipNorm,
      table,
    };
  }

  /** The version under which the threads know `t`'s current arrays: sent to them when they changed (a new table, or one that grew). */
  private attach(t: RowColumns): number {
    const known = this.table?.columns;
    if (known && known.cat === t.cat && known.num === t.num && known.labels === t.labels && known.weights === t.weights) return this.table!.version;
    this.table = { version: (this.table?.version ?? 0) + 1, columns: { cat: t.cat, num: t.num, labels: t.labels, weights: t.weights } };
    for (const port of this.tablePorts) port.postMessage(this.table);
    return this.table.version;
  }

  /** Adam's step size with bias correction at the next step; Adagrad's rate. */
  private denseStepSize(): number {
    return this.parts.training.optimizer.name === 'adam' ? adamStepSize(this.learningRate, this.steps + 1) : this.learningRate;
  }

  private copyBatch(b: Batch): void {
    const area = this.plan.batch;
    const { nCat, nNum, nTasks } = { nCat: this.parts.spec.categorical.length, nNum: this.parts.spec.numeric.length, nTasks: this.parts.spec.tasks.length };
    const buf = this.memory.buffer;
    new Int32Array(buf, area.cat, b.size * nCat).set(b.cat.subarray(0, b.size * nCat));
    new Float32Array(buf, area.num, b.size * nNum).set(b.num.subarray(0, b.size * nNum));
    new Float32Array(buf, area.labels, b.size * nTasks).set(b.labels.subarray(0, b.size * nTasks));
    if (b.weights) new Float32Array(buf, area.weights, b.size).set(b.weights.subarray(0, b.size));
  }

  private l2Of(i: number): number {
    const k = this.parts.net.l2.find((e) => e.kernel === this.variables[i]);
    return k?.l2 ?? 0;
  }

  private denseSize(): number {
    return this.variables.reduce((s, v) => s + v.shape.reduce<number>((p, d) => p * (d as number), 1), 0) + (this.parts.logVariances?.length ?? 0);
  }

  /**
   * Walks the dense weights in DenseOptimizer's order over a region laid out like the weights
   * (`base`: a slot array), from flat offset `o`: hands each array to `read` (its flat offset,
   * length and a copy) or sets it from `from`; returns the flat offset after the last.
   */
  private eachDense(base: number, o: number, read?: (at: number, n: number, values: () => Float32Array) => void, from?: Float32Array): number {
    const shift = base - this.plan.weights;
    this.plan.params.forEach((m, i) => {
      const shape = this.variables[i]!.shape;
      const n = shape.reduce<number>((p, d) => p * (d as number), 1);
      read?.(o, n, () => this.unpad(m.at + shift, shape, m));
      if (from) this.pad(from.subarray(o, o + n), m.at + shift, m);
      o += n;
    });
    const lv = this.plan.logVariances;
    if (lv) {
      const at = (lv.at + shift) / 4;
      read?.(o, lv.count, () => this.f32.slice(at, at + lv.count));
      if (from) this.f32.set(from.subarray(o, o + lv.count), at);
      o += lv.count;
    }
    return o;
  }

  private unpad(at: number, shape: (number | null)[], m: Matrix): Float32Array {
    const rows = shape.length === 2 ? (shape[0] as number) : 1;
    const out = new Float32Array(rows * m.cols);
    for (let r = 0; r < rows; r++) out.set(this.f32.subarray(at / 4 + r * m.ld, at / 4 + r * m.ld + m.cols), r * m.cols);
    return out;
  }

  private pad(values: Float32Array, at: number, m: Matrix): void {
    const rows = values.length / m.cols;
    for (let r = 0; r < rows; r++) this.f32.set(values.subarray(r * m.cols, (r + 1) * m.cols), at / 4 + r * m.ld);
  }
}
