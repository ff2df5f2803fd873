// One training thread's part of a fast step, the same code on the main thread and in workers:
// gather its rows of the batch into its input block, forward, loss, backward (its gradients);
// then, once every thread is done, the reduction and update of its share of the dense weights and
// the lazy update of the embedding rows it owns. No tfjs here.
import type { Batch, RowColumns } from '../../data/batch.js';
import { copyRows } from '../../data/encoded-table.js';
import type { EmbeddingTables, ShardGradient } from '../embeddings.js';
import { ADAGRAD_INITIAL, BETA1, BETA2, EPSILON, type SparseOptimizer } from '../sparse-optimizer.js';
import { type KernelModule, TrainingKernels } from '../wasm/training-kernels.js';
import { combineLosses, type LogitColumn, type LossTask, shardLoss, taskCoefficients } from './loss.js';
import { PHASES, type Plan, type ThreadPlan } from './plan.js';
import type { StepParams, StepSync } from './step-sync.js';

const [GATHER, COMPUTE, WAIT, REDUCE, UPDATE, SPARSE, FINISH] = PHASES.map((_, i) => i) as number[] as [number, number, number, number, number, number, number];

export interface ShardSetup {
  plan: Plan;
  thread: number;
  memory: WebAssembly.Memory;
  tables: EmbeddingTables;
  tasks: LossTask[];
  dims: { nCat: number; nNum: number; nTasks: number; weighted: boolean };
  denseOptimizer: 'adam' | 'adagrad';
  /** This thread's embedding optimizer (its rate and step count are set from each step's parameters). */
  sparse: SparseOptimizer;
  /** The kernels every thread of a model runs (one variant for all, so threads agree). */
  kernels: KernelModule;
  /** The table a step's `table` version names (steps whose threads copy their own rows: StepParams.table). */
  tableFor?: (version: number) => RowColumns;
}

export class ShardRunner {
  readonly kernels: TrainingKernels;
  private readonly me: ThreadPlan;
  private readonly buf: ArrayBufferLike;
  private readonly clock: Float64Array;
  private last = 0;
  /** The whole batch area, and the source row of each batch row. */
  private readonly area: Batch;
  private readonly index: Uint32Array;
  private table: { version: number; columns: RowColumns } | null = null;

  constructor(private readonly s: ShardSetup) {
    this.kernels = new TrainingKernels(s.memory, s.kernels);
    this.me = s.plan.threads[s.thread]!;
    this.buf = s.memory.buffer;
    this.clock = new Float64Array(this.buf, this.me.clock, PHASES.length);
    this.area = this.batchView(0, s.plan.batch.rows);
    this.index = new Uint32Array(this.buf, s.plan.batch.index, s.plan.batch.rows);
  }

  /**
   * Copies this thread's shard of the step's rows from the table into the batch area (when the
   * step names a table: StepParams.table), so that the threads share the copy, not the main thread.
   */
  fill(p: StepParams): void {
    if (p.table === 0) return;
    if (this.table?.version !== p.table) this.table = { version: p.table, columns: this.s.tableFor!(p.table) };
    const [a, b] = ShardRunner.shard(p.rows, this.s.thread, this.s.plan.threads.length);
    copyRows(this.table.columns, this.index, a, b, this.area, this.s.dims);
  }

  /** Rows [start, end) of a batch of `rows` rows are thread t's. */
  static shard(rows: number, t: number, threads: number): [number, number] {
    return [Math.floor((rows * t) / threads), Math.floor((rows * (t + 1)) / threads)];
  }

  /** Rows [start, end) of the batch in the shared batch area, as a Batch of views. */
  batchView(start: number, end: number): Batch {
    const { cat, num, labels, weights } = this.s.plan.batch;
    const { nCat, nNum, nTasks, weighted } = this.s.dims;
    return {
      size: end - start,
      cat: new Int32Array(this.buf, cat + start * nCat * 4, (end - start) * nCat),
      num: new Float32Array(this.buf, num + start * nNum * 4, (end - start) * nNum),
      labels: new Float32Array(this.buf, labels + start * nTasks * 4, (end - start) * nTasks),
      weights: weighted ? new Float32Array(this.buf, weights + start * 4, end - start) : null,
    };
  }

  /** Learned log variances (null without uncertainty weighting), read from the shared weights. */
  logVariances(): Float32Array | null {
    const lv = this.s.plan.logVariances;
    return lv ? new Float32Array(this.buf, lv.at, lv.count) : null;
  }

  /** Gather, forward, loss and backward of this thread's rows of a batch of `rows` rows. */
  compute(rows: number, shard: Batch = this.batchView(...ShardRunner.shard(rows, this.s.thread, this.s.plan.threads.length))): void {
    const { me, s } = this;
    const n = shard.size;
    s.tables.gather(shard, new Float32Array(this.buf, me.block.at, Math.max(n, 1) * me.block.ld), me.block.ld);
    this.lap(GATHER);
    this.kernels.run(me.forward.pc, me.forward.end, n);
    const sums = new Float64Array(this.buf, me.lossOut, s.tasks.length).fill(0);
    const logits: LogitColumn[] = me.logits.map((l) => ({
      value: new Float32Array(this.buf, l.value.at, Math.max(n, 1) * l.value.ld),
      grad: new Float32Array(this.buf, l.grad.at, Math.max(n, 1) * l.grad.ld),
      ld: l.value.ld,
    }));
    shardLoss(s.tasks, logits, shard.labels, shard.weights, n, rows, taskCoefficients(s.tasks, this.logVariances()), sums);
    this.kernels.run(me.backward.pc, me.backward.end, n);
    this.lap(COMPUTE);
  }

  /** Adds the time since the last lap to `phase` of this thread's clock. */
  lap(phase: number): void {
    const t = performance.now();
    this.clock[phase] += (t - this.last) / 1000;
    this.last = t;
  }

  /** Starts a step's clock. */
  startClock(): void {
    this.last = performance.now();
  }

  /**
   * Each task's mean loss over the batch: the threads' sums in thread order, over `rows`, rounded
   * to float32 as the tfjs graph computes it, so that a loss float32 cannot hold (a squared error
   * of a label near 3e38) is Infinity and the step diverges on both paths alike.
   */
  taskLosses(rows: number): number[] {
    const out = this.s.tasks.map(() => 0);
    for (const t of this.s.plan.threads) {
      const sums = new Float64Array(this.buf, t.lossOut, this.s.tasks.length);
      out.forEach((_, i) => (out[i]! += sums[i]!));
    }
    return out.map((v) => Math.fround(v / Math.max(rows, 1)));
  }

  /**
   * Sums the threads' gradients of this thread's share of the weights (thread 0 first writes the
   * log variances' gradients, which need the whole batch's losses).
   */
  reduce(losses: number[]): void {
    const lv = this.logVariances();
    if (lv && this.s.thread === 0) {
      const { dLogVariances } = combineLosses(this.s.tasks, losses, lv);
      new Float32Array(this.buf, this.s.plan.grads + (this.s.plan.logVariances!.at - this.s.plan.weights), lv.length).set(dLogVariances);
    }
    this.kernels.run(this.me.reduce.pc, this.me.reduce.end, 0);
  }

  /** Over every thread's reduce outputs in order: the squared gradient norm and the L2 penalty. */
  reduced(): { squaredNorm: number; penalty: number } {
    let squaredNorm = 0;
    let penalty = 0;
    for (const t of this.s.plan.threads)
      for (const r of t.reduceOut) {
        const [g, w] = new Float64Array(this.buf, r.at, 2);
        squaredNorm += g!;
        penalty += r.l2 * w!;
      }
    return { squaredNorm, penalty };
  }

  /** The optimizer update of this thread's share of the dense weights. */
  update(p: StepParams, clip: number): void {
    const sc = new Float32Array(this.buf, this.me.scalars, 8);
    if (this.s.denseOptimizer === 'adam') sc.set([p.denseStep, BETA1, 1 - BETA1, BETA2, 1 - BETA2, EPSILON, clip]);
    else sc.set([p.denseStep, ADAGRAD_INITIAL + EPSILON, clip]);
    this.kernels.run(this.me.update.pc, this.me.update.end, 0);
  }

  /** Lazy update of the embedding rows this thread owns, from every thread's block gradient. */
  sparse(p: StepParams): void {
    const T = this.s.plan.threads.length;
    if (!this.me.dblock) return;
    const shards: ShardGradient[] = this.s.plan.threads.map((t, i) => {
      const [a, b] = ShardRunner.shard(p.rows, i, T);
      return {
        batch: this.batchView(a, b),
        dx: new Float32Array(this.buf, t.dblock!.at, Math.max(b - a, 1) * t.dblock!.ld),
        block: new Float32Array(this.buf, t.block.at, Math.max(b - a, 1) * t.block.ld),
        stride: t.block.ld,
      };
    });
    this.s.sparse.learningRate = p.sparseRate;
    this.s.sparse.steps = p.sparseSteps - 1;
    this.s.tables.update(shards, this.s.sparse, { index: this.s.thread, of: T });
  }
}

/** The scale of a clipped gradient: clipNorm / norm above the limit, else 1 (dense-optimizer.ts). */
export function clipScale(clipNorm: number, squaredNorm: number): number {
  const norm = Math.sqrt(squaredNorm);
  return clipNorm > 0 && norm > clipNorm ? clipNorm / norm : 1;
}

/** What a thread saw of a step. */
export interface PhaseResult {
  /** Each task's mean loss over the batch. */
  losses: number[];
  /** Whether the update ran (finite losses and no failure). */
  applied: boolean;
}

/**
 * One step on one thread: its shard, then (after every thread's) the update of its share. With
 * `sync` (more than one thread) the phases are separated by barriers, and a failure is recorded
 * for the main thread instead of thrown, so that no thread is left waiting at a barrier; the
 * decision to update is taken from what every thread sees alike after the first barrier.
 */
export function runPhases(runner: ShardRunner, thread: number, sync: StepSync | null, p: StepParams): PhaseResult {
  const attempt = (f: () => void): void => {
    if (!sync) return f();
    try {
      f();
    } catch (err) {
      sync.fail(thread, err);
    }
  };
  runner.startClock();
  attempt(() => {
    runner.fill(p);
    runner.compute(p.rows);
  });
  sync?.barrier();
  runner.lap(WAIT);
  const losses = runner.taskLosses(p.rows);
  const applied = !sync?.failure() && losses.every(Number.isFinite);
  if (applied) attempt(() => runner.reduce(losses));
  if (applied && sync && p.clipNorm > 0) sync.barrier();
  runner.lap(REDUCE);
  if (applied) attempt(() => runner.update(p, p.clipNorm > 0 ? clipScale(p.clipNorm, runner.reduced().squaredNorm) : 1));
  runner.lap(UPDATE);
  if (applied) attempt(() => runner.sparse(p));
  runner.lap(SPARSE);
  sync?.barrier();
  runner.lap(FINISH);
  return { losses, applied };
}
