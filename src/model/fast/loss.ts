// The losses of the fast path, per shard of a batch, in float64: the same objective as losses.ts
// (BCE from a logit, squared error, ESMM's cross-entropy of pCTR x pCVR, row weights, loss
// weights, learned uncertainty weights) and its gradient with respect to each logit row. A loss
// is a mean over the whole batch, so a shard only needs the batch's row count to contribute.
import type { Task } from '../../config/schema.js';
import type { LossSource } from '../architecture.js';

/** Keeps log(1 - p) finite when a product of probabilities rounds to 1 (losses.ts). */
const MAX_LOG_P = -1e-7;

export interface LossTask {
  type: Task['type'];
  lossWeight: number;
  /** Index into the logits: the task's own, or ESMM's two factors. */
  source: { logit: number } | { product: [number, number] };
}

/** A logit column of a shard: value[r * ld] and grad[r * ld] for row r. */
export interface LogitColumn {
  value: Float32Array;
  grad: Float32Array;
  ld: number;
}

export function lossTasks(tasks: Task[], sources: Record<string, LossSource>, logitNames: string[]): LossTask[] {
  const at = (name: string) => {
    const i = logitNames.indexOf(name);
    if (i < 0) throw new Error(`loss reads logit ${name}, which the network does not output`);
    return i;
  };
  return tasks.map((t) => {
    const s = sources[t.name]!;
    return { type: t.type, lossWeight: t.lossWeight, source: 'product' in s ? { product: [at(s.product[0]), at(s.product[1])] } : { logit: at(s.logit) } };
  });
}

const softplus = (x: number) => (x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x)));
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/**
 * Adds each task's sum over the shard of (row weight x row loss) into `sums`, and writes the
 * gradient of the objective w.r.t. every logit row: coef[t] x row weight x dloss/dlogit / batchRows,
 * where coef[t] is d objective / d task loss (loss weight, times exp(-s) with uncertainty weighting).
 */
export function shardLoss(
  tasks: LossTask[],
  logits: LogitColumn[],
  labels: Float32Array,
  weights: Float32Array | null,
  rows: number,
  batchRows: number,
  coef: number[],
  sums: Float64Array,
): void {
  const k = tasks.length;
  for (const l of logits) for (let r = 0; r < rows; r++) l.grad[r * l.ld] = 0;
  tasks.forEach((task, t) => {
    const c = coef[t]! / batchRows;
    let sum = 0;
    const src = task.source;
    if ('product' in src) {
      const [a, b] = [logits[src.product[0]]!, logits[src.product[1]]!];
      for (let r = 0; r < rows; r++) {
        const w = weights ? weights[r]! : 1;
        const za = a.value[r * a.ld]!;
        const zb = b.value[r * b.ld]!;
        const y = labels[r * k + t]!;
        const s = -softplus(-za) - softplus(-zb);
        const logP = Math.min(s, MAX_LOG_P);
        const oneMinusP = -Math.expm1(logP);
        sum += w * -(y * logP + (1 - y) * Math.log(oneMinusP));
        // tf.minimum passes the gradient to its first input when it is the smaller or equal one.
        const dlogP = s <= MAX_LOG_P ? -y + ((1 - y) * Math.exp(logP)) / oneMinusP : 0;
        const g = c * w * dlogP;
        a.grad[r * a.ld] += g * sigmoid(-za);
        b.grad[r * b.ld] += g * sigmoid(-zb);
      }
    } else {
      const l = logits[src.logit]!;
      const binary = task.type === 'binary';
      for (let r = 0; r < rows; r++) {
        const w = weights ? weights[r]! : 1;
        const z = l.value[r * l.ld]!;
        const y = labels[r * k + t]!;
        if (binary) {
          sum += w * (Math.max(z, 0) - z * y + Math.log1p(Math.exp(-Math.abs(z))));
          l.grad[r * l.ld] += c * w * (sigmoid(z) - y);
        } else {
          sum += w * (z - y) * (z - y);
          l.grad[r * l.ld] += c * w * 2 * (z - y);
        }
      }
    }
    sums[t] += sum;
  });
}

/** d objective / d task loss for each task: the loss weight, times exp(-s) with uncertainty weighting. */
export function taskCoefficients(tasks: LossTask[], logVariances: ArrayLike<number> | null): number[] {
  return tasks.map((t, i) => t.lossWeight * (logVariances ? Math.exp(-logVariances[i]!) : 1));
}

/** The objective from the batch's task losses (means), and d objective / d s for each log variance. */
export function combineLosses(tasks: LossTask[], losses: number[], logVariances: ArrayLike<number> | null): { total: number; dLogVariances: number[] } {
  let total = 0;
  const dLogVariances: number[] = [];
  tasks.forEach((t, i) => {
    const l = losses[i]!;
    if (logVariances) {
      const s = logVariances[i]!;
      total += t.lossWeight * (Math.exp(-s) * l + s);
      dLogVariances.push(t.lossWeight * (1 - Math.exp(-s) * l));
    } else total += t.lossWeight * l;
  });
  return { total, dLogVariances };
}
