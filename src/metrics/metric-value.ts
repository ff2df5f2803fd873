// A metric that may be undefined for its input (single-class AUC, precision with no predicted
// positives, R^2 of constant labels): callers get a reason to show instead of a NaN or a made-up 0.5.

/** The parallel per-row arrays every binary metric reads. */
export interface ScoredRows {
  scores: ArrayLike<number>;
  /** 0/1; above one half counts as positive. */
  labels: ArrayLike<number>;
  /** Optional non-negative row weights (scikit-learn's sample_weight). */
  weights?: ArrayLike<number> | null;
}

export type MetricValue = { value: number; reason?: undefined } | { value: undefined; reason: string };

export function defined(value: number): MetricValue {
  return { value };
}

export function undefinedMetric(reason: string): MetricValue {
  return { value: undefined, reason };
}

/** `a / b`, or undefined with `reason` when the denominator is zero. */
export function ratio(a: number, b: number, reason: string): MetricValue {
  return b === 0 ? undefinedMetric(reason) : defined(a / b);
}

/** Rows whose score is NaN: a metric over them means nothing, so callers report instead. */
export function countNaN(values: ArrayLike<number>, n = values.length): number {
  let bad = 0;
  for (let i = 0; i < n; i++) if (values[i] !== values[i]) bad++;
  return bad;
}

/** Values that are NaN or infinite. */
export function countNonFinite(values: ArrayLike<number>, n = values.length): number {
  let bad = 0;
  for (let i = 0; i < n; i++) if (!Number.isFinite(values[i]!)) bad++;
  return bad;
}

/** Throws when the parallel arrays of one evaluation disagree in length: a programming error. */
export function checkLengths(n: number, named: Record<string, ArrayLike<unknown> | undefined | null>): void {
  for (const [name, a] of Object.entries(named)) {
    if (a != null && a.length < n) throw new RangeError(`${name} has ${a.length} entries, expected at least ${n}`);
  }
}

/** Weight of row i: 1 when the evaluation is unweighted. */
export function weightAt(weights: ArrayLike<number> | undefined | null, i: number): number {
  return weights == null ? 1 : weights[i]!;
}

/** Labels are 0/1; anything above one half counts as a positive (soft labels round). */
export function isPositive(label: number): boolean {
  return label > 0.5;
}
