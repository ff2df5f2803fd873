// Compiles a Net into the memory layout and kernel programs of the fast training path: one copy of
// the weights, the optimizer slots and the threads' gradients, then per thread its activations,
// gradients of activations and four programs (forward, backward, gradient reduction, optimizer
// update) that training.wat runs with one call each.
//
// Layout rules (training.wat relies on them): every matrix row is a whole number of 16-byte
// vectors, and pad columns of weights, weight gradients and activation gradients stay zero.
import { ACCUMULATE, ACTIVATION_CODES, type Instruction, INSTRUCTION_BYTES, RELU, ROWS } from '../wasm/training-kernels.js';
import type { Net, NetOp } from './net.js';
import { CONTROL_BYTES } from './step-sync.js';

/** Phases of a step each thread times (docs/benchmarks.md splits a step into them). */
export const PHASES = ['gather', 'compute', 'wait', 'reduce', 'update', 'sparse', 'finish'] as const;

export interface PlanOptions {
  threads: number;
  /** Most rows one thread takes of a batch. */
  rowsPerThread: number;
  optimizer: 'adam' | 'adagrad';
  /** Learned log variances (uncertainty weighting): one per task, or 0. */
  logVariances: number;
  /** Whether the gradient of the input block is needed (embedding rows to update). */
  inputGrad: boolean;
  tasks: number;
  /** Columns of a batch (the batch area holds the whole batch: threads * rowsPerThread rows). */
  batch: { nCat: number; nNum: number; weighted: boolean };
}

/** Where the current batch sits, column arrays row-major like Batch. */
export interface BatchArea {
  rows: number;
  /** Uint32 per row: the row of the source table each batch row is (steps whose threads copy their rows from a table). */
  index: number;
  cat: number;
  num: number;
  labels: number;
  weights: number;
}

/** A [rows, cols] matrix at byte address `at`, rows `ld` floats apart. */
export interface Matrix {
  at: number;
  ld: number;
  cols: number;
}

export interface Range {
  pc: number;
  end: number;
}

export interface ThreadPlan {
  forward: Range;
  backward: Range;
  reduce: Range;
  update: Range;
  block: Matrix;
  dblock: Matrix | null;
  logits: { name: string; value: Matrix; grad: Matrix }[];
  /** f32 scalars of the optimizer update (adam: lr_t, b1, 1 - b1, b2, 1 - b2, eps, clip; adagrad: lr, init + eps, clip). */
  scalars: number;
  /** Each reduce instruction's f64 pair (sum g^2, sum w^2) and the L2 factor of its range. */
  reduceOut: { at: number; l2: number }[];
  /** f64 per task: this thread's sum over its rows of row weight x row loss. */
  lossOut: number;
  /** f64 per phase (shard.ts PHASES): this thread's seconds in each, summed over steps. */
  clock: number;
}

export interface Plan {
  bytes: number;
  /** Instructions to write into the memory before the first step, at their byte addresses. */
  programs: { at: number; list: Instruction[] }[];
  /** The threads' hand-offs (step-sync.ts). */
  control: number;
  /** Floats of weights (and of each slot array, and of each thread's gradients). */
  size: number;
  weights: number;
  /** One array per optimizer slot (adam: m, v; adagrad: accumulator), `size` floats each. */
  slots: number[];
  /** Thread t's weight gradients start at grads + t * gradStride. */
  grads: number;
  gradStride: number;
  /** Where each Net param sits (weights; the same offsets in slots and gradients). */
  params: Matrix[];
  logVariances: { at: number; count: number } | null;
  batch: BatchArea;
  threads: ThreadPlan[];
}

const ALIGN = 64;

const round4 = (n: number) => Math.ceil(n / 4) * 4;

export function compilePlan(net: Net, o: PlanOptions): Plan {
  let top = ALIGN;
  const alloc = (bytes: number): number => {
    const at = top;
    top = Math.ceil((top + Math.max(bytes, 16)) / ALIGN) * ALIGN;
    return at;
  };
  const control = alloc(CONTROL_BYTES);
  // Weights: log variances first (thread 0 owns them in the update), then the params.
  let floats = round4(o.logVariances);
  const offsets = net.params.map((p) => {
    const at = floats;
    floats += p.rows * round4(p.cols);
    return at;
  });
  const size = Math.max(floats, 4);
  const weights = alloc(size * 4);
  const slots = Array.from({ length: o.optimizer === 'adam' ? 2 : 1 }, () => alloc(size * 4));
  const gradStride = Math.ceil((size * 4) / ALIGN) * ALIGN;
  const grads = alloc(gradStride * o.threads);
  const params = net.params.map((p, i): Matrix => ({ at: weights + offsets[i]! * 4, ld: round4(p.cols), cols: p.cols }));
  const entries = [
    ...(o.logVariances ? [{ offset: 0, floats: round4(o.logVariances), l2: 0 }] : []),
    ...net.params.map((p, i) => ({ offset: offsets[i]!, floats: p.rows * round4(p.cols), l2: p.l2 })),
  ];
  const logVariances = o.logVariances ? { at: weights, count: o.logVariances } : null;
  const rows = o.threads * o.rowsPerThread;
  const batch: BatchArea = {
    rows,
    index: alloc(rows * 4),
    cat: alloc(rows * o.batch.nCat * 4),
    num: alloc(rows * o.batch.nNum * 4),
    labels: alloc(rows * o.tasks * 4),
    weights: alloc(o.batch.weighted ? rows * 4 : 0),
  };

  const threads = Array.from({ length: o.threads }, (_, t) => {
    const R = o.rowsPerThread;
    const needsGrad = (i: number) => i !== 0 || o.inputGrad;
    const value = net.cols.map((c): Matrix => ({ at: alloc(R * round4(c) * 4), ld: round4(c), cols: c }));
    const grad = net.cols.map((c, i): Matrix | null => (needsGrad(i) ? { at: alloc(R * round4(c) * 4), ld: round4(c), cols: c } : null));
    const g0 = grads + t * gradStride;
    const forward: Instruction[] = [];
    const backward: Instruction[] = [];
    // Per op, extra buffers: swish keeps its pre-activation, a Dense with an input gradient a W^T.
    const extra = net.ops.map((op) => {
      if (op.kind !== 'dense') return {};
      const kin = net.cols[op.input]!;
      return {
        z: op.activation === 'swish' ? alloc(R * round4(op.units) * 4) : undefined,
        wt: needsGrad(op.input) ? alloc(op.units * round4(kin) * 4) : undefined,
      };
    });
    net.ops.forEach((op, i) => forward.push(...forwardOf(op, value, params, extra[i]!.z)));
    const written = new Set<number>(net.logits.map((l) => l.tensor));
    const gradOf = (p: Matrix) => g0 + (p.at - weights);
    for (let i = net.ops.length - 1; i >= 0; i--) backward.push(...backwardOf(net.ops[i]!, value, grad, params, gradOf, extra[i]!, written));

    // This thread's share of the weights for reduction and update: contiguous, whole vectors.
    const cut = (k: number) => (k === 0 ? 0 : k === o.threads ? size : Math.max(round4(o.logVariances), round4(Math.floor((size * k) / o.threads))));
    const [lo, hi] = [cut(t), cut(t + 1)];
    const reduceOut: ThreadPlan['reduceOut'] = [];
    const reduce: Instruction[] = [];
    for (const e of entries) {
      const a = Math.max(lo, e.offset);
      const b = Math.min(hi, e.offset + e.floats);
      if (a >= b) continue;
      const out = alloc(16);
      reduceOut.push({ at: out, l2: e.l2 });
      reduce.push({ op: 'reduce', args: [grads + a * 4, gradStride, o.threads, weights + a * 4, b - a, { f32: e.l2 }, out] });
    }
    const scalars = alloc(32);
    const update: Instruction[] = [];
    if (hi > lo) {
      const at = (base: number) => base + lo * 4;
      update.push(
        o.optimizer === 'adam'
          ? { op: 'adam', args: [at(weights), at(slots[0]!), at(slots[1]!), at(grads), hi - lo, scalars] }
          : { op: 'adagrad', args: [at(weights), at(slots[0]!), at(grads), hi - lo, scalars] },
      );
    }
    const logits = net.logits.map((l) => ({ name: l.name, value: value[l.tensor]!, grad: grad[l.tensor]! }));
    const clock = alloc(PHASES.length * 8);
    return { forward, backward, reduce, update, block: value[0]!, dblock: grad[0], logits, scalars, reduceOut, lossOut: alloc(o.tasks * 8), clock };
  });
  // Programs last, once every address they name is known.
  const programs: Plan['programs'] = [];
  const place = (list: Instruction[]): Range => {
    const pc = alloc(list.length * INSTRUCTION_BYTES);
    programs.push({ at: pc, list });
    return { pc, end: pc + list.length * INSTRUCTION_BYTES };
  };
  const placed = threads.map((t) => ({ forward: place(t.forward), backward: place(t.backward), reduce: place(t.reduce), update: place(t.update) }));
  return {
    bytes: top,
    programs,
    control,
    size,
    weights,
    slots,
    grads,
    gradStride,
    params,
    logVariances,
    batch,
    threads: threads.map((t, i) => ({ ...t, ...placed[i]! })),
  };
}

function forwardOf(op: NetOp, value: Matrix[], params: Matrix[], z: number | undefined): Instruction[] {
  switch (op.kind) {
    case 'dense': {
      const x = value[op.input]!;
      const y = value[op.output]!;
      const w = params[op.kernel]!;
      const relu = op.activation === 'relu';
      const out = z ?? y.at;
      const list: Instruction[] = [{ op: 'gemm', args: [x.at, x.ld * 4, 4, w.at, w.ld * 4, out, y.ld * 4, ROWS, y.ld / 4, x.cols, relu ? RELU : 0, params[op.bias]!.at] }];
      if (!relu && op.activation !== 'linear') list.push({ op: 'actFwd', args: [out, y.at, y.ld, ACTIVATION_CODES[op.activation]!] });
      return list;
    }
    case 'concat': {
      const y = value[op.output]!;
      let col = 0;
      return op.inputs.map((i) => {
        const x = value[i]!;
        const ins: Instruction = { op: 'copy', args: [x.at, x.ld * 4, y.at + col * 4, y.ld * 4, x.cols, 0] };
        col += x.cols;
        return ins;
      });
    }
    case 'mixture': {
      const [g, bank, y] = [value[op.gate]!, value[op.bank]!, value[op.output]!];
      return [{ op: 'mixFwd', args: [g.at, g.ld * 4, bank.at, bank.ld * 4, y.at, y.ld * 4, op.experts, op.units, { f32: op.scale }] }];
    }
    case 'scale':
      return [{ op: 'scale', args: [value[op.input]!.at, value[op.output]!.at, value[op.output]!.ld, { f32: op.scale }, 0] }];
    case 'softmax': {
      const y = value[op.output]!;
      return [{ op: 'softmaxFwd', args: [value[op.input]!.at, y.at, y.ld * 4, y.cols] }];
    }
    case 'activation': {
      const y = value[op.output]!;
      return [{ op: 'actFwd', args: [value[op.input]!.at, y.at, y.ld, ACTIVATION_CODES[op.activation]!] }];
    }
  }
}

/**
 * The backward of one op: weight gradients into this thread's gradient array, input gradients
 * written by the first contribution and added by later ones (`written`, in backward order).
 */
function backwardOf(
  op: NetOp,
  value: Matrix[],
  grad: (Matrix | null)[],
  params: Matrix[],
  gradAt: (p: Matrix) => number,
  extra: { z?: number; wt?: number },
  written: Set<number>,
): Instruction[] {
  const flag = (t: number): number => {
    const f = written.has(t) ? ACCUMULATE : 0;
    written.add(t);
    return f;
  };
  const dy = grad[op.output]!;
  switch (op.kind) {
    case 'dense': {
      const x = value[op.input]!;
      const y = value[op.output]!;
      const w = params[op.kernel]!;
      const list: Instruction[] = [];
      if (op.activation !== 'linear') list.push({ op: 'actBwd', args: [dy.at, y.at, extra.z ?? y.at, y.ld, ACTIVATION_CODES[op.activation]!] });
      list.push({ op: 'gemm', args: [x.at, 4, x.ld * 4, dy.at, dy.ld * 4, gradAt(w), w.ld * 4, x.cols, w.ld / 4, ROWS, 0, 0] });
      list.push({ op: 'colsum', args: [dy.at, dy.ld * 4, w.ld / 4, gradAt(params[op.bias]!), 0] });
      const dx = grad[op.input];
      if (dx && extra.wt !== undefined) {
        list.push({ op: 'transpose', args: [w.at, w.ld * 4, x.cols, op.units, extra.wt, x.ld * 4] });
        list.push({ op: 'gemm', args: [dy.at, dy.ld * 4, 4, extra.wt, x.ld * 4, dx.at, dx.ld * 4, ROWS, x.ld / 4, op.units, flag(op.input), 0] });
      }
      return list;
    }
    case 'concat': {
      let col = 0;
      return op.inputs.flatMap((i) => {
        const dx = grad[i];
        const cols = value[i]!.cols;
        const at = col;
        col += cols;
        return dx ? [{ op: 'copy' as const, args: [dy.at + at * 4, dy.ld * 4, dx.at, dx.ld * 4, cols, flag(i)] }] : [];
      });
    }
    case 'mixture': {
      const [g, bank] = [value[op.gate]!, value[op.bank]!];
      const [dg, dbank] = [grad[op.gate]!, grad[op.bank]!];
      const flags = (flag(op.gate) ? 1 : 0) | (flag(op.bank) ? 2 : 0);
      return [{ op: 'mixBwd', args: [g.at, g.ld * 4, bank.at, bank.ld * 4, dy.at, dy.ld * 4, op.experts, op.units, { f32: op.scale }, dg.at, dbank.at, flags] }];
    }
    case 'scale': {
      const dx = grad[op.input];
      return dx ? [{ op: 'scale', args: [dy.at, dx.at, dx.ld, { f32: op.scale }, flag(op.input)] }] : [];
    }
    case 'softmax': {
      const dx = grad[op.input];
      const y = value[op.output]!;
      return dx ? [{ op: 'softmaxBwd', args: [dy.at, y.at, dx.at, y.ld * 4, y.cols, flag(op.input)] }] : [];
    }
    case 'activation': {
      const dx = grad[op.input];
      const y = value[op.output]!;
      if (!dx) return [];
      return [
        { op: 'actBwd', args: [dy.at, y.at, value[op.input]!.at, y.ld, ACTIVATION_CODES[op.activation]!] },
        { op: 'scale', args: [dy.at, dx.at, dx.ld, { f32: 1 }, flag(op.input)] },
      ];
    }
  }
}
