// Precision and recall over every threshold, from one sweep of the rows in score order: average
// precision (scikit-learn's average_precision_score, weighted rows included), a thinned curve for
// plotting, the F1-maximising threshold, and operating points at given shares of rows predicted
// positive. At 3-20% positives this is the curve that matters (ROC flatters rare classes).
import { defined, undefinedMetric, type MetricValue } from './metric-value.js';
import type { SortedRows } from './sort.js';

export interface PrPoint {
  recall: number;
  precision: number;
  /** Rows scoring at or above this are predicted positive at this point. */
  threshold: number;
}

/** One operating point: predicted positive when score > threshold (the convention of binary.ts). */
export interface OperatingPoint {
  threshold: number;
  /** Weighted share of rows predicted positive. */
  predictedShare: number;
  tp: number;
  fp: number;
  fn: number;
  tn: number;
  precision: number;
  recall: number;
  f1: number;
}

export interface PrecisionRecall {
  averagePrecision: MetricValue;
  /** From the highest threshold down; empty without positives. */
  curve: PrPoint[];
  /** The threshold that maximises F1 (null without positives). */
  bestF1: OperatingPoint | null;
}

/**
 * Calls `visit` for each distinct-score group from the highest score down with its score, its
 * positive and negative weight and the next lower score (a plain loop: this runs over millions
 * of rows). NaN scores, which sort last, are skipped; callers report them instead.
 */
function forGroupsDescending(sorted: SortedRows, visit: (score: number, pos: number, neg: number, next: number | undefined) => void): void {
  const { scores, positive, weights } = sorted;
  let i = scores.length - 1;
  while (i >= 0 && scores[i] !== scores[i]) i--;
  while (i >= 0) {
    const s = scores[i]!;
    let pos = 0;
    let neg = 0;
    do {
      if (positive[i]) pos += weights[i]!;
      else neg += weights[i]!;
      i--;
    } while (i >= 0 && scores[i] === s);
    visit(s, pos, neg, i >= 0 ? scores[i] : undefined);
  }
}

function totals(sorted: SortedRows): { P: number; N: number } {
  let P = 0;
  let N = 0;
  for (let i = 0; i < sorted.scores.length; i++) {
    if (sorted.positive[i]) P += sorted.weights[i]!;
    else N += sorted.weights[i]!;
  }
  return { P, N };
}

/** A threshold between a group's score and the next lower one: exactly the rows down to the group score above it. */
function cutBelow(score: number, next: number | undefined): number {
  return next === undefined ? score - 1e-7 * Math.max(1, Math.abs(score)) : (score + next) / 2;
}

function point(threshold: number, tp: number, fp: number, P: number, N: number): OperatingPoint {
  const fn = P - tp;
  const tn = N - fp;
  return {
    threshold,
    predictedShare: P + N > 0 ? (tp + fp) / (P + N) : Number.NaN,
    tp,
    fp,
    fn,
    tn,
    precision: tp + fp > 0 ? tp / (tp + fp) : Number.NaN,
    recall: P > 0 ? tp / P : Number.NaN,
    f1: 2 * tp + fp + fn > 0 ? (2 * tp) / (2 * tp + fp + fn) : Number.NaN,
  };
}

/**
 * Average precision = sum over thresholds (descending) of (R_k - R_{k-1}) * P_k, as scikit-learn
 * computes it (no interpolation); undefined without positive weight. Scores must not be NaN.
 */
export function precisionRecall(sorted: SortedRows, options: { maxPoints?: number } = {}): PrecisionRecall {
  const maxPoints = options.maxPoints ?? 200;
  const { P, N } = totals(sorted);
  if (P === 0) return { averagePrecision: undefinedMetric('average precision is undefined: no positive rows'), curve: [], bestF1: null };
  const curve: PrPoint[] = [];
  let tp = 0;
  let fp = 0;
  let ap = 0;
  let lastRecall = 0;
  let kept: PrPoint | undefined;
  let best: OperatingPoint | null = null;
  const step = 1 / maxPoints;
  let bestF1 = -1;
  forGroupsDescending(sorted, (score, pos, neg, next) => {
    tp += pos;
    fp += neg;
    const recall = tp / P;
    const precision = tp / (tp + fp);
    ap += (recall - lastRecall) * precision;
    lastRecall = recall;
    if (!kept || Math.abs(recall - kept.recall) + Math.abs(precision - kept.precision) >= step || next === undefined) curve.push((kept = { recall, precision, threshold: score }));
    const f1 = (2 * tp) / (tp + fp + P);
    if (f1 > bestF1) {
      bestF1 = f1;
      best = point(cutBelow(score, next), tp, fp, P, N);
    }
  });
  return { averagePrecision: defined(ap), curve, bestF1: best };
}

/**
 * Operating points where the top `share` of rows (by weight) is predicted positive, one per share,
 * each at a distinct-score boundary (ties may take a little more than the share).
 */
export function operatingPointsAtShares(sorted: SortedRows, shares: readonly number[]): OperatingPoint[] {
  const { P, N } = totals(sorted);
  const total = P + N;
  const want = [...shares].sort((a, b) => a - b);
  const out: OperatingPoint[] = [];
  let tp = 0;
  let fp = 0;
  let k = 0;
  forGroupsDescending(sorted, (score, pos, neg, next) => {
    tp += pos;
    fp += neg;
    while (k < want.length && total > 0 && (tp + fp) / total >= want[k]! - 1e-12) {
      out.push(point(cutBelow(score, next), tp, fp, P, N));
      k++;
    }
  });
  return out;
}

/** The operating point of a fixed threshold (predicted positive when score > threshold). */
export function operatingPointAt(sorted: SortedRows, threshold: number): OperatingPoint {
  const { P, N } = totals(sorted);
  let tp = 0;
  let fp = 0;
  const { scores, positive, weights } = sorted;
  for (let i = scores.length - 1; i >= 0 && scores[i]! > threshold; i--) {
    if (positive[i]) tp += weights[i]!;
    else fp += weights[i]!;
  }
  return point(threshold, tp, fp, P, N);
}
