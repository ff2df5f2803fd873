// Per-task losses on logits (numerically stable), their weighted sum with optional learned
// uncertainty weights (Kendall et al. 2018), and the L2 penalty on Dense kernels.
import * as tf from '@tensorflow/tfjs';
import type { Task } from '../config/schema.js';
import type { LossSource } from './architecture.js';

/** Keeps log(1 - p) finite when a product of probabilities rounds to 1. */
const MAX_LOG_P = -1e-7;

/** Binary cross-entropy from a logit: max(z, 0) - z*y + log(1 + exp(-|z|)). */
function bceFromLogit(z: tf.Tensor, y: tf.Tensor): tf.Tensor {
  return tf.sub(tf.add(tf.relu(z), tf.softplus(tf.neg(tf.abs(z)))), tf.mul(z, y));
}

/**
 * log(sigmoid(z)) = -softplus(-z). Not tf.logSigmoid: its custom gradient reads its input from a
 * closure, and inside tf.variableGrads that intermediate tensor is already freed on wasm.
 */
function logSigmoid(z: tf.Tensor): tf.Tensor {
  return tf.neg(tf.softplus(tf.neg(z)));
}

/** Cross-entropy of p = sigmoid(a) * sigmoid(b) (ESMM's CTCVR), computed in log space. */
function bceOfProduct(a: tf.Tensor, b: tf.Tensor, y: tf.Tensor): tf.Tensor {
  const logP = tf.minimum(tf.add(logSigmoid(a), logSigmoid(b)), MAX_LOG_P);
  const log1mP = tf.log(tf.neg(tf.expm1(logP)));
  return tf.neg(tf.add(tf.mul(y, logP), tf.mul(tf.sub(1, y), log1mP)));
}

/**
 * Mean loss of one task over the batch: BCE for binary tasks, squared error for regression.
 * Row weights scale each row's loss (the mean still divides by the row count, as Keras does).
 */
export function taskLoss(task: Task, src: LossSource, logits: Record<string, tf.Tensor>, y: tf.Tensor, rowWeights: tf.Tensor | null): tf.Scalar {
  let per: tf.Tensor; // [batch, 1]
  if ('product' in src) per = bceOfProduct(logits[src.product[0]], logits[src.product[1]], y);
  else if (task.type === 'binary') per = bceFromLogit(logits[src.logit], y);
  else per = tf.square(tf.sub(logits[src.logit], y));
  return tf.mean(rowWeights ? tf.mul(per, rowWeights) : per);
}

/**
 * Sum of lossWeight x loss. With uncertainty weighting each task also has a learned log variance s:
 * exp(-s) x loss + s, so noisier tasks are down-weighted without hand tuning.
 */
export function combine(losses: tf.Scalar[], tasks: Task[], logVariances: tf.Variable[] | null): tf.Scalar {
  const terms = losses.map((l, i) => {
    const s = logVariances?.[i];
    const t = s ? tf.add(tf.mul(tf.exp(tf.neg(s)), l), s) : l;
    return tf.mul(t, tasks[i].lossWeight);
  });
  return tf.addN(terms) as tf.Scalar;
}

/** sum over kernels of l2 x sum(kernel^2). */
export function l2Penalty(kernels: { kernel: tf.Tensor; l2: number }[]): tf.Scalar | null {
  if (kernels.length === 0) return null;
  return tf.addN(kernels.map((k) => tf.mul(tf.sum(tf.square(k.kernel)), k.l2))) as tf.Scalar;
}
