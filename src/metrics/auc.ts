// Exact ROC AUC: the Mann-Whitney statistic with tied scores counted as half, equal to
// scikit-learn's roc_auc_score (trapezoids over the full ROC curve), weighted rows included.
import { newTieGroup, sortRows, type SortedRows, tieGroup } from './sort.js';
import { checkLengths, countNaN, defined, undefinedMetric, type MetricValue, type ScoredRows } from './metric-value.js';

export type { ScoredRows };

/** Weighted positives and negatives of a range plus the AUC numerator. */
export interface AucSweep {
  area: number;
  positives: number;
  negatives: number;
}

/**
 * Sweeps sorted positions [start, end) once: each tie group adds its positive weight times the
 * negative weight below it plus half the negative weight inside the group.
 */
export function sweepAuc(sorted: SortedRows, start = 0, end = sorted.scores.length): AucSweep {
  const g = newTieGroup();
  let negBelow = 0;
  let positives = 0;
  let area = 0;
  for (let i = start; i < end; ) {
    i = tieGroup(sorted, i, end, 1, g);
    area += g.positive * (negBelow + g.negative / 2);
    negBelow += g.negative;
    positives += g.positive;
  }
  return { area, positives, negatives: negBelow };
}

/** AUC from a sweep, or undefined with the reason when one class has no (weight of) rows. */
export function aucFromSweep(s: AucSweep): MetricValue {
  if (s.positives === 0 || s.negatives === 0) {
    const missing = s.positives === 0 ? 'positive' : 'negative';
    return undefinedMetric(`AUC is undefined: no ${missing} rows (only one class present)`);
  }
  return defined(s.area / (s.positives * s.negatives));
}

/** Exact ROC AUC in O(n log n) (in practice O(n): the sort is a radix sort). */
export function rocAuc(rows: ScoredRows, sorted?: SortedRows): MetricValue {
  const n = rows.scores.length;
  checkLengths(n, { labels: rows.labels, weights: rows.weights });
  if (n === 0) return undefinedMetric('AUC is undefined: no rows');
  const nan = countNaN(rows.scores, n);
  if (nan > 0) return undefinedMetric(`AUC is undefined: ${nan} of ${n} scores are NaN`);
  return aucFromSweep(sweepAuc(sorted ?? sortRows(rows)));
}
