// Data for plots: a downsampled ROC curve, calibration bins and score histograms by label.
// Plots need a few hundred points; the exact AUC comes from auc.ts over every row.
import type { ScoredRows } from './auc.js';
import { sortRows, type SortedRows, tieEnd } from './sort.js';
import { countNaN, isPositive, weightAt } from './metric-value.js';

export interface RocPoint {
  fpr: number;
  tpr: number;
  /** Rows scoring at or above this are predicted positive at this point. */
  threshold: number;
}

/**
 * ROC points from (0,0) to (1,1) at distinct score thresholds, thinned so that consecutive kept
 * points differ by at least 2/maxPoints in fpr + tpr (which rises monotonically from 0 to 2): at
 * most about maxPoints + 2 points, dense where the curve moves. Empty when a class is missing or a
 * score is NaN (a NaN has no place on the threshold axis; the AUC is undefined then too).
 */
export function rocCurve(rows: ScoredRows, options: { maxPoints?: number; sorted?: SortedRows } = {}): RocPoint[] {
  const maxPoints = options.maxPoints ?? 200;
  if (countNaN(rows.scores) > 0) return [];
  const { scores, positive, weights } = options.sorted ?? sortRows(rows);
  let P = 0;
  let N = 0;
  for (let i = 0; i < scores.length; i++) {
    if (positive[i]) P += weights[i]!;
    else N += weights[i]!;
  }
  if (P === 0 || N === 0) return [];
  const points: RocPoint[] = [{ fpr: 0, tpr: 0, threshold: Number.POSITIVE_INFINITY }];
  const step = 2 / maxPoints;
  let tp = 0;
  let fp = 0;
  let lastKept = 0;
  for (let i = scores.length - 1; i >= 0; ) {
    const s = scores[i]!;
    const next = tieEnd(scores, i, -1, -1);
    for (; i > next; i--) {
      if (positive[i]) tp += weights[i]!;
      else fp += weights[i]!;
    }
    const fpr = fp / N;
    const tpr = tp / P;
    if (fpr + tpr - lastKept >= step || i < 0) {
      points.push({ fpr, tpr, threshold: s });
      lastKept = fpr + tpr;
    }
  }
  return points;
}

export interface CalibrationBin {
  /** Score range of the bin: [lower, upper]. */
  lower: number;
  upper: number;
  meanScore: number;
  labelRate: number;
  /** Rows in the bin, and their weight. */
  count: number;
  weight: number;
}

export type Binning = 'quantile' | 'uniform';

/**
 * Mean score against label rate per bin. 'uniform' splits [0, 1] into equal widths; 'quantile'
 * gives bins of equal weight by score order, keeping tied scores in one bin. Empty bins are dropped;
 * rows whose score is not finite are left out (a bin's mean score would mean nothing).
 */
export function calibrationBins(
  rows: ScoredRows,
  options: { bins?: number; binning?: Binning; sorted?: SortedRows } = {},
): CalibrationBin[] {
  const nBins = options.bins ?? 10;
  const acc = Array.from({ length: nBins }, () => ({ lower: Infinity, upper: -Infinity, s: 0, y: 0, count: 0, weight: 0 }));
  const put = (bin: number, s: number, positive: boolean, w: number): void => {
    const b = acc[bin]!;
    b.lower = Math.min(b.lower, s);
    b.upper = Math.max(b.upper, s);
    b.s += w * s;
    b.y += positive ? w : 0;
    b.count++;
    b.weight += w;
  };
  if ((options.binning ?? 'quantile') === 'uniform') {
    const { scores, labels, weights } = rows;
    for (let i = 0; i < scores.length; i++) {
      const s = scores[i]!;
      if (!Number.isFinite(s)) continue;
      put(Math.min(nBins - 1, Math.max(0, Math.floor(s * nBins))), s, isPositive(labels[i]!), weightAt(weights, i));
    }
  } else {
    const { scores, positive, weights } = options.sorted ?? sortRows(rows);
    let total = 0;
    for (let i = 0; i < scores.length; i++) if (Number.isFinite(scores[i]!)) total += weights[i]!;
    let before = 0;
    for (let i = 0; i < scores.length; ) {
      const s = scores[i]!;
      const next = tieEnd(scores, i, scores.length);
      if (!Number.isFinite(s)) {
        i = next;
        continue;
      }
      // A tie group goes where its first row falls, so equal scores never straddle bins.
      const bin = total > 0 ? Math.min(nBins - 1, Math.floor((before / total) * nBins)) : 0;
      for (; i < next; i++) {
        put(bin, s, positive[i] === 1, weights[i]!);
        before += weights[i]!;
      }
    }
  }
  return acc
    .filter((b) => b.count > 0)
    .map((b) => ({
      lower: b.lower,
      upper: b.upper,
      meanScore: b.weight > 0 ? b.s / b.weight : Number.NaN,
      labelRate: b.weight > 0 ? b.y / b.weight : Number.NaN,
      count: b.count,
      weight: b.weight,
    }));
}

export interface ScoreHistogram {
  /** bins + 1 edges; scores outside [min, max] land in the first or last bin. */
  edges: number[];
  /** Rows per bin among positive and negative labels. */
  positive: number[];
  negative: number[];
}

export function scoreHistogram(rows: ScoredRows, options: { bins?: number; min?: number; max?: number } = {}): ScoreHistogram {
  const { scores, labels } = rows;
  const bins = options.bins ?? 20;
  const min = options.min ?? 0;
  const max = options.max ?? 1;
  const width = (max - min) / bins;
  const positive = new Array<number>(bins).fill(0);
  const negative = new Array<number>(bins).fill(0);
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i]!;
    if (s !== s) continue;
    const b = Math.min(bins - 1, Math.max(0, Math.floor((s - min) / width)));
    if (isPositive(labels[i]!)) positive[b]!++;
    else negative[b]!++;
  }
  const edges = Array.from({ length: bins + 1 }, (_, i) => min + i * width);
  return { edges, positive, negative };
}
