// Point metrics of a binary task: AUC, log loss, calibration and the confusion-matrix metrics at a
// threshold, all weighted by the optional row weights, as the reference job reports them.
import { rocAuc, type ScoredRows } from './auc.js';
import type { SortedRows } from './sort.js';
import { countNaN, countNonFinite, defined, isPositive, ratio, undefinedMetric, weightAt, type MetricValue } from './metric-value.js';

/** scikit-learn's clipping (before 1.3): probabilities are clipped to [eps, 1 - eps]. */
export const LOG_LOSS_EPS = 1e-15;

export interface BinaryMetrics {
  /** Rows evaluated. */
  count: number;
  /** Rows with a positive label. */
  positives: number;
  /** Sum of row weights (equals count when unweighted). */
  weight: number;
  auc: MetricValue;
  logLoss: MetricValue;
  /** Weighted mean score. */
  meanScore: number;
  /** Weighted fraction of positive labels. */
  labelRate: number;
  /** meanScore / labelRate: 1 is calibrated, above 1 over-predicts. */
  calibration: MetricValue;
  /** A row is predicted positive when its score is above this (as Keras' metrics do). */
  threshold: number;
  accuracy: MetricValue;
  precision: MetricValue;
  recall: MetricValue;
  f1: MetricValue;
  /** Weighted confusion matrix at `threshold`. */
  confusion: Confusion;
}

export interface Confusion {
  tp: number;
  fp: number;
  tn: number;
  fn: number;
}

/** Weighted confusion matrix; predicted positive means score > threshold. */
export function confusionAt(rows: ScoredRows, threshold: number): Confusion {
  const { scores, labels, weights } = rows;
  const c: Confusion = { tp: 0, fp: 0, tn: 0, fn: 0 };
  for (let i = 0; i < scores.length; i++) {
    const w = weightAt(weights, i);
    const predicted = scores[i]! > threshold;
    if (isPositive(labels[i]!)) {
      if (predicted) c.tp += w;
      else c.fn += w;
    } else if (predicted) c.fp += w;
    else c.tn += w;
  }
  return c;
}

export function thresholdMetrics(c: Confusion): Pick<BinaryMetrics, 'accuracy' | 'precision' | 'recall' | 'f1'> {
  return {
    accuracy: ratio(c.tp + c.tn, c.tp + c.tn + c.fp + c.fn, 'accuracy is undefined: no rows'),
    precision: ratio(c.tp, c.tp + c.fp, 'precision is undefined: no row scored above the threshold'),
    recall: ratio(c.tp, c.tp + c.fn, 'recall is undefined: no positive rows'),
    f1: ratio(2 * c.tp, 2 * c.tp + c.fp + c.fn, 'F1 is undefined: no positive rows and none predicted'),
  };
}

/** Weighted mean binary cross-entropy with clipped probabilities (natural log). */
export function logLoss(rows: ScoredRows, eps = LOG_LOSS_EPS): MetricValue {
  const { scores, labels, weights } = rows;
  const n = scores.length;
  if (n === 0) return undefinedMetric('log loss is undefined: no rows');
  const nan = countNaN(scores, n);
  if (nan > 0) return undefinedMetric(`log loss is undefined: ${nan} of ${n} scores are NaN`);
  let sum = 0;
  let total = 0;
  for (let i = 0; i < n; i++) {
    const p = Math.min(Math.max(scores[i]!, eps), 1 - eps);
    const y = labels[i]!;
    const w = weightAt(weights, i);
    // One logarithm for hard labels (the common case), both for soft ones.
    sum -= w * (y === 1 ? Math.log(p) : y === 0 ? Math.log(1 - p) : y * Math.log(p) + (1 - y) * Math.log(1 - p));
    total += w;
  }
  return ratio(sum, total, 'log loss is undefined: all row weights are zero');
}

/** Every point metric of a binary task; `sorted` (from sortRows) avoids a second sort. */
export function binaryMetrics(rows: ScoredRows, options: { threshold?: number; sorted?: SortedRows } = {}): BinaryMetrics {
  const threshold = options.threshold ?? 0.5;
  const { scores, labels, weights } = rows;
  const n = scores.length;
  let positives = 0;
  let weight = 0;
  let scoreSum = 0;
  let positiveWeight = 0;
  for (let i = 0; i < n; i++) {
    const w = weightAt(weights, i);
    weight += w;
    scoreSum += w * scores[i]!;
    if (isPositive(labels[i]!)) {
      positives++;
      positiveWeight += w;
    }
  }
  const meanScore = weight > 0 ? scoreSum / weight : Number.NaN;
  const confusion = confusionAt(rows, threshold);
  const labelRate = weight > 0 ? positiveWeight / weight : Number.NaN;
  // A non-finite score makes the sum non-finite: only then are they counted (for the reason).
  const nonFinite = Number.isFinite(scoreSum) ? 0 : countNonFinite(scores, n);
  return {
    count: n,
    positives,
    weight,
    auc: rocAuc(rows, options.sorted),
    logLoss: logLoss(rows),
    meanScore,
    labelRate,
    calibration:
      nonFinite > 0
        ? undefinedMetric(`calibration is undefined: ${nonFinite} of ${n} scores are not finite`)
        : weight > 0 && positiveWeight > 0
          ? defined(meanScore / labelRate)
          : undefinedMetric('calibration is undefined: no positive labels'),
    threshold,
    ...thresholdMetrics(confusion),
    confusion,
  };
}
