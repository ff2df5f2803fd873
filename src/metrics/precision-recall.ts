// Precision and recall over every threshold, from one sweep of the rows in score order: average
// precision (scikit-learn's average_precision_score, weighted rows included), a thinned curve for
// plotting, the F1-maximising threshold, and operating points at given shares of rows predicted
// positive. At 3-20% positives this is the curve that matters (ROC flatters rare classes).
import { defined, undefinedMetric, type MetricValue } from './metric-value.js';
import { newTieGroup, type SortedRows, tieGroup } from './sort.js';

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
 * One sweep from the highest score down: average precision = sum over thresholds of
 * (R_k - R_{k-1}) * P_k, as scikit-learn computes it (no interpolation; undefined without positive
 * weight), the thinned curve, the F1-maximising threshold, and the operating points at `shares`
 * of rows predicted positive. Scores must not be NaN (they sort last and are skipped).
 */
export function rankingCurves(sorted: SortedRows, options: { maxPoints?: number; shares?: readonly number[] } = {}): PrecisionRecall & { sweep: OperatingPoint[] } {
  const step = 1 / (options.maxPoints ?? 200);
  const want = [...(options.shares ?? [])].sort((a, b) => a - b);
  const { P, N } = totals(sorted);
  const total = P + N;
  const { scores } = sorted;
  const curve: PrPoint[] = [];
  const sweep: OperatingPoint[] = [];
  let tp = 0;
  let fp = 0;
  let ap = 0;
  let lastRecall = 0;
  let keptRecall = -1;
  let keptPrecision = -1;
  let bestF1 = -1;
  let best: { tp: number; fp: number; threshold: number } | null = null;
  let k = 0;
  let i = scores.length - 1;
  while (i >= 0 && scores[i] !== scores[i]) i--;
  const g = newTieGroup();
  while (i >= 0) {
    const s = scores[i]!;
    i = tieGroup(sorted, i, -1, -1, g);
    tp += g.positive;
    fp += g.negative;
    const next = i >= 0 ? scores[i] : undefined;
    // Until some weight is predicted positive there is no precision (rows of zero weight only).
    if (P > 0 && tp + fp > 0) {
      const recall = tp / P;
      const precision = tp / (tp + fp);
      ap += (recall - lastRecall) * precision;
      lastRecall = recall;
      if (Math.abs(recall - keptRecall) + Math.abs(precision - keptPrecision) >= step || next === undefined) {
        curve.push({ recall, precision, threshold: s });
        keptRecall = recall;
        keptPrecision = precision;
      }
      const f1 = (2 * tp) / (tp + fp + P);
      if (f1 > bestF1) {
        bestF1 = f1;
        best = { tp, fp, threshold: cutBelow(s, next) };
      }
    }
    while (k < want.length && total > 0 && (tp + fp) / total >= want[k]! - 1e-12) {
      sweep.push(point(cutBelow(s, next), tp, fp, P, N));
      k++;
    }
  }
  if (P === 0) return { averagePrecision: undefinedMetric('average precision is undefined: no positive rows'), curve: [], bestF1: null, sweep };
  return { averagePrecision: defined(ap), curve, bestF1: best && point(best.threshold, best.tp, best.fp, P, N), sweep };
}

/** Average precision, the precision-recall curve and the F1-maximising threshold (rankingCurves). */
export function precisionRecall(sorted: SortedRows, options: { maxPoints?: number } = {}): PrecisionRecall {
  const { sweep: _, ...pr } = rankingCurves(sorted, options);
  return pr;
}

/**
 * Operating points where the top `share` of rows (by weight) is predicted positive, one per share,
 * each at a distinct-score boundary (ties may take a little more than the share).
 */
export function operatingPointsAtShares(sorted: SortedRows, shares: readonly number[]): OperatingPoint[] {
  return rankingCurves(sorted, { shares }).sweep;
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
