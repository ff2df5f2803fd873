// A confidence interval for ROC AUC by DeLong's method (DeLong, DeLong & Clarke-Pearson 1988):
// the variance of the Mann-Whitney AUC from the placement values of every positive (the share of
// negatives it outranks) and every negative (the share of positives that outrank it), computed in
// one pass over the rows in score order. Row weights weigh the placements; the variance divides by
// each class's effective number of rows (Kish: (sum w)^2 / sum w^2), not by the weights' sum: a
// loss weight or the 1/rate of a sampled negative says how much a row matters, not how many rows
// were seen, so scaling every weight leaves the interval as it is.
import { newTieGroup, type SortedRows, tieGroup } from './sort.js';

export interface AucInterval {
  auc: number;
  /** Standard error of the AUC. */
  se: number;
  /** Coverage of [lower, upper], e.g. 0.95. */
  level: number;
  lower: number;
  upper: number;
  method: 'DeLong';
}

/** The standard normal quantile for a two-sided `level` (Acklam's rational approximation, |error| < 1.2e-9). */
export function normalQuantile(p: number): number {
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const lo = 0.02425;
  if (p < lo) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  }
  if (p > 1 - lo) return -normalQuantile(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) / (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1);
}

/**
 * DeLong's interval: AUC +- z * SE with SE^2 = S10 / P + S01 / N, S10 and S01 the (weighted)
 * variances of the positives' and negatives' placement values and P, N each class's effective
 * number of rows (the counts, without weights); clipped to [0, 1]. Null when a class has fewer
 * than two rows' worth (no variance to estimate) or a score is NaN.
 */
export function aucInterval(sorted: SortedRows, level = 0.95): AucInterval | null {
  const { scores, positive, weights } = sorted;
  const n = scores.length;
  let P = 0;
  let N = 0;
  let P2 = 0;
  let N2 = 0;
  for (let i = 0; i < n; i++) {
    if (scores[i] !== scores[i]) return null;
    const w = weights[i]!;
    if (positive[i]) (P += w), (P2 += w * w);
    else (N += w), (N2 += w * w);
  }
  // Effective rows of each class (Kish); the counts themselves when unweighted.
  const effP = (P * P) / P2;
  const effN = (N * N) / N2;
  if (!(effP > 1 && effN > 1)) return null;
  // Ascending: a positive group's placement = (negatives below + half the tied negatives) / N; a
  // negative group's = (positives above + half the tied positives) / P.
  let negBelow = 0;
  let posBelow = 0;
  let sum10 = 0;
  let sq10 = 0;
  let sum01 = 0;
  let sq01 = 0;
  const g = newTieGroup();
  for (let i = 0; i < n; ) {
    i = tieGroup(sorted, i, n, 1, g);
    const gp = g.positive;
    const gn = g.negative;
    const v10 = (negBelow + gn / 2) / N;
    const v01 = (P - posBelow - gp + gp / 2) / P;
    sum10 += gp * v10;
    sq10 += gp * v10 * v10;
    sum01 += gn * v01;
    sq01 += gn * v01 * v01;
    negBelow += gn;
    posBelow += gp;
  }
  const auc = sum10 / P;
  // Weighted variances with the unbiased factor of the effective count: S10 / effP unweighted.
  const s10 = Math.max(0, (sq10 / P - auc * auc) * (effP / (effP - 1)));
  const mean01 = sum01 / N;
  const s01 = Math.max(0, (sq01 / N - mean01 * mean01) * (effN / (effN - 1)));
  const se = Math.sqrt(s10 / effP + s01 / effN);
  const z = normalQuantile(0.5 + level / 2);
  return { auc, se, level, lower: Math.max(0, auc - z * se), upper: Math.min(1, auc + z * se), method: 'DeLong' };
}
