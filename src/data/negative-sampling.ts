// Negative downsampling (training.negativeSampling): every row whose task label is 1 is kept, and
// a row whose label is 0 is kept when a hash of (its file's path relative to the data directory,
// its line, the seed) falls below `rate`, so a rerun keeps the same rows whatever the read order.
//
// A model trained on the kept rows predicts p on odds inflated by 1/rate. The probability on the
// full population is q = p / (p + (1 - p) / rate), which is sigmoid(logit(p) + ln(rate)): the
// published graph adds ln(rate) to the task's logit (a built-in Rescaling layer), so serving
// gets q with no extra step. Metrics over kept rows weigh each kept negative 1/rate, which makes
// them unbiased estimates of the same metrics on all rows.
import farmhash from 'farmhash';
import { holdoutDraw } from './holdout.js';
import type { EncodedTable } from './encoded-table.js';
import type { FeatureSpec } from './feature-spec.js';

export interface NegativeSampling {
  /** Index of the sampled task in spec.tasks. */
  task: number;
  rate: number;
  seed: number;
}

/** The sampling a spec was trained under (its seed from the config), or undefined. */
export function samplingOf(spec: FeatureSpec, seed: number): NegativeSampling | undefined {
  const ns = spec.negativeSampling;
  if (!ns) return undefined;
  return { task: spec.tasks.findIndex((t) => t.name === ns.task), rate: ns.rate, seed };
}

/** Per-file part of the hash: independent of the hold-out's (another key for the same path). */
export function samplingFileKey(relPath: string, seed: number): number {
  return farmhash.fingerprint32(`negatives:${seed}:${relPath}`) >>> 0;
}

/** Whether the negative row at `line` of the file with `fileKey` is kept. */
export function keepsNegative(fileKey: number, line: number, rate: number): boolean {
  return holdoutDraw(fileKey, line) < rate;
}

/** The full-population probability of a score p from a model trained with negatives kept at `rate`. */
export function corrected(p: number, rate: number): number {
  return p / (p + (1 - p) / rate);
}

/** The inverse: the score the uncorrected model gave, from a corrected probability q. */
export function uncorrected(q: number, rate: number): number {
  return q / (q + rate * (1 - q));
}

/** What the exported graph adds to the task's logit: logit(q) = logit(p) + ln(rate). */
export function logitOffset(rate: number): number {
  return Math.log(rate);
}

/** Inference graphs add these offsets to the named tasks' logits (empty without sampling). */
export function logitOffsets(spec: FeatureSpec): Record<string, number> {
  const ns = spec.negativeSampling;
  return ns && ns.rate < 1 ? { [ns.task]: logitOffset(ns.rate) } : {};
}

/** Weight of a kept row in the metrics: 1/rate for a negative of the sampled task, else 1. */
export function samplingWeight(label: number, rate: number): number {
  return label === 0 ? 1 / rate : 1;
}

/**
 * Mean score over label rate before and after the correction, from the corrected scores q the
 * published model gives (weighted when the rows were sampled). 1 is perfect calibration.
 */
export function calibrationBeforeAfter(
  scores: ArrayLike<number>,
  labels: ArrayLike<number>,
  weights: ArrayLike<number> | null,
  rate: number,
): { before: number | null; after: number | null } {
  let w = 0;
  let y = 0;
  let q = 0;
  let p = 0;
  for (let i = 0; i < scores.length; i++) {
    const wi = weights ? weights[i]! : 1;
    w += wi;
    y += wi * labels[i]!;
    q += wi * scores[i]!;
    p += wi * uncorrected(scores[i]!, rate);
  }
  if (w === 0 || y === 0) return { before: null, after: null };
  return { before: p / y, after: q / y };
}

/**
 * Gives a table of sampled rows its metric weights: row weight (or 1) x samplingWeight, scaled so
 * the sampling weights average 1 over the rows. Weighted metrics are ratios and do not see the
 * scale; the validation loss, a weighted mean over the row count, then estimates the population's
 * mean loss instead of growing with 1/rate.
 */
export function weighSampled(table: EncodedTable, sampling: NegativeSampling): void {
  const w = new Float32Array(table.size);
  const k = table.nTasks;
  let sum = 0;
  for (let r = 0; r < table.size; r++) {
    const s = samplingWeight(table.labels[r * k + sampling.task]!, sampling.rate);
    sum += s;
    w[r] = (table.weights ? table.weights[r]! : 1) * s;
  }
  const scale = sum > 0 ? table.size / sum : 1;
  for (let r = 0; r < table.size; r++) w[r]! *= scale;
  table.weights = w;
}
