// Regression metrics (weighted like scikit-learn's sample_weight): MSE, MAE and R^2.
import { checkLengths, countNonFinite, defined, undefinedMetric, weightAt, type MetricValue } from './metric-value.js';

export interface RegressionMetrics {
  count: number;
  weight: number;
  mse: MetricValue;
  mae: MetricValue;
  /** 1 - SS_res / SS_tot; undefined for constant labels, where any prediction error is "infinitely" bad. */
  r2: MetricValue;
  meanPrediction: number;
  meanLabel: number;
}

export function regressionMetrics(rows: {
  predictions: ArrayLike<number>;
  labels: ArrayLike<number>;
  weights?: ArrayLike<number> | null;
}): RegressionMetrics {
  const { predictions, labels, weights } = rows;
  const n = predictions.length;
  checkLengths(n, { labels, weights });
  let weight = 0;
  let se = 0;
  let ae = 0;
  let py = 0;
  let sy = 0;
  for (let i = 0; i < n; i++) {
    const w = weightAt(weights, i);
    const d = predictions[i]! - labels[i]!;
    weight += w;
    se += w * d * d;
    ae += w * Math.abs(d);
    py += w * predictions[i]!;
    sy += w * labels[i]!;
  }
  if (weight === 0) {
    const none = undefinedMetric('undefined: no rows (or all weights are zero)');
    return { count: n, weight, mse: none, mae: none, r2: none, meanPrediction: Number.NaN, meanLabel: Number.NaN };
  }
  // A non-finite prediction or label makes the sums non-finite: only then are they counted.
  const nonFinite = Number.isFinite(se + py + sy) ? 0 : countNonFinite(predictions, n) + countNonFinite(labels, n);
  if (nonFinite > 0) {
    const none = undefinedMetric(`undefined: ${nonFinite} predictions or labels are not finite`);
    return { count: n, weight, mse: none, mae: none, r2: none, meanPrediction: py / weight, meanLabel: sy / weight };
  }
  const meanLabel = sy / weight;
  let ssTot = 0;
  for (let i = 0; i < n; i++) {
    const d = labels[i]! - meanLabel;
    ssTot += weightAt(weights, i) * d * d;
  }
  return {
    count: n,
    weight,
    mse: defined(se / weight),
    mae: defined(ae / weight),
    r2: ssTot === 0 ? undefinedMetric('R^2 is undefined: the labels are constant') : defined(1 - se / ssTot),
    meanPrediction: py / weight,
    meanLabel,
  };
}
