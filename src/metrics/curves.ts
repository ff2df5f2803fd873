// Data for plots: a downsampled ROC curve, calibration bins and score histograms by label.
// Plots need a few hundred points; the exact AUC comes from auc.ts over every row.
import type { ScoredRows } from './auc.js';
import { finiteRange, newTieGroup, sortRows, type SortedRows, tieGroup } from './sort.js';
import { isPositive, weightAt } from './metric-value.js';

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
  const sorted = options.sorted ?? sortRows(rows);
  const { scores, positive, weights } = sorted;
  const n = scores.length;
  if (n > 0 && scores[n - 1] !== scores[n - 1]) return []; // NaN sorts last
  let P = 0;
  let N = 0;
  for (let i = 0; i < n; i++) {
    if (positive[i]) P += weights[i]!;
    else N += weights[i]!;
  }
  if (P === 0 || N === 0) return [];
  const points: RocPoint[] = [{ fpr: 0, tpr: 0, threshold: Number.POSITIVE_INFINITY }];
  const step = 2 / maxPoints;
  let tp = 0;
  let fp = 0;
  let lastKept = 0;
  const g = newTieGroup();
  for (let i = n - 1; i >= 0; ) {
    const s = scores[i]!;
    i = tieGroup(sorted, i, -1, -1, g);
    tp += g.positive;
    fp += g.negative;
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
  /** Adds `rows` rows of score s, weight w, of which weight y positive, to a bin. */
  const put = (bin: number, s: number, y: number, w: number, rows: number): void => {
    const b = acc[bin]!;
    b.lower = Math.min(b.lower, s);
    b.upper = Math.max(b.upper, s);
    b.s += w * s;
    b.y += y;
    b.count += rows;
    b.weight += w;
  };
  if ((options.binning ?? 'quantile') === 'uniform') {
    const { scores, labels, weights } = rows;
    for (let i = 0; i < scores.length; i++) {
      const s = scores[i]!;
      if (!Number.isFinite(s)) continue;
      const w = weightAt(weights, i);
      put(Math.min(nBins - 1, Math.max(0, Math.floor(s * nBins))), s, isPositive(labels[i]!) ? w : 0, w, 1);
    }
  } else {
    const sorted = options.sorted ?? sortRows(rows);
    const { scores, weights } = sorted;
    const { lo, hi } = finiteRange(scores);
    let total = 0;
    for (let i = lo; i < hi; i++) total += weights[i]!;
    let before = 0;
    const g = newTieGroup();
    for (let i = lo; i < hi; ) {
      const s = scores[i]!;
      // A tie group goes where its first row falls, so equal scores never straddle bins.
      const bin = total > 0 ? Math.min(nBins - 1, Math.floor((before / total) * nBins)) : 0;
      i = tieGroup(sorted, i, hi, 1, g);
      put(bin, s, g.positive, g.positive + g.negative, g.rows);
      before += g.positive + g.negative;
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
