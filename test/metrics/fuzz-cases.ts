// Property checks of every metric loop on hostile inputs (NaN of either sign, +-Infinity, -0,
// heavy ties, one class, zero weights, empty and one-row inputs). Run by metric-fuzz.test.ts in a
// worker thread, so that a loop that never ends is a failed test rather than a hung suite.
import { EvalAccumulator } from '../../src/metrics/accumulator.js';
import { rocAuc } from '../../src/metrics/auc.js';
import { binaryMetrics, logLoss } from '../../src/metrics/binary.js';
import { binaryReport } from '../../src/metrics/binary-report.js';
import { averageRanks, pearson, spearman } from '../../src/metrics/correlation.js';
import { calibrationBins, rocCurve, scoreHistogram } from '../../src/metrics/curves.js';
import { aucInterval } from '../../src/metrics/auc-interval.js';
import { gatePartial } from '../../src/metrics/gate.js';
import { operatingPointAt, rankingCurves } from '../../src/metrics/precision-recall.js';
import { groupAuc } from '../../src/metrics/group-auc.js';
import type { MetricValue } from '../../src/metrics/metric-value.js';
import { regressionMetrics } from '../../src/metrics/regression.js';
import { sortRows } from '../../src/metrics/sort.js';
import { Rng } from '../../src/util/random.js';

/** x86's default NaN: the sign bit set. Stored in a Float32Array it keeps its bits. */
const NEGATIVE_NAN = new Float32Array(new Uint32Array([0xffc00000]).buffer)[0]!;

export interface FuzzCase {
  seed: number;
  scores: Float32Array | Float64Array | number[];
  labels: Float32Array;
  weights: Float64Array | null;
  groups: Uint32Array;
}

/** Seed -1: the reproduction of issue 10, a 10-row score list with one NaN. */
export function fuzzCase(seed: number): FuzzCase {
  if (seed === -1) {
    const scores = new Float32Array([0.1, 0.9, Number.NaN, 0.4, 0.4, 0.7, 0.2, 0.3, 0.8, 0.6]);
    return { seed, scores, labels: new Float32Array([0, 1, 1, 0, 1, 1, 0, 0, 1, 0]), weights: null, groups: new Uint32Array(10) };
  }
  const rng = new Rng(seed);
  const n = [0, 1, 2, 3, 5, 10, 33, 200][rng.int(8)]!;
  // A few distinct values make ties; the specials come with a per-case probability.
  const pool = [0.5, 0.25, 1, 0, -0, 1e-30, 1e30, rng.next(), rng.next()];
  const special = [Number.NaN, NEGATIVE_NAN, Infinity, -Infinity];
  const pSpecial = [0, 0.02, 0.2, 0.9][rng.int(4)]!;
  const continuous = rng.next() < 0.3;
  const raw = Array.from({ length: n }, () =>
    rng.next() < pSpecial ? special[rng.int(special.length)]! : continuous ? rng.normal() : pool[rng.int(pool.length)]!,
  );
  const kind = rng.int(3);
  const scores = kind === 0 ? Float32Array.from(raw) : kind === 1 ? Float64Array.from(raw) : raw;
  const labelMode = rng.int(4); // all negative, all positive, mixed, soft
  const labels = Float32Array.from({ length: n }, () => (labelMode === 0 ? 0 : labelMode === 1 ? 1 : labelMode === 2 ? rng.int(2) : rng.next()));
  const weights = rng.next() < 0.5 ? null : Float64Array.from({ length: n }, () => [0, 0.5, 1, 3][rng.int(4)]!);
  const groups = Uint32Array.from({ length: n }, () => rng.int(3));
  return { seed, scores, labels, weights, groups };
}

function fail(c: FuzzCase, what: string): never {
  throw new Error(`seed ${c.seed}: ${what} (scores ${JSON.stringify(Array.from(c.scores, String))}, labels ${JSON.stringify(Array.from(c.labels))}, weights ${JSON.stringify(c.weights && Array.from(c.weights))})`);
}

/** A metric is a finite number or undefined with a reason: never NaN, never infinite. */
function checkMetric(c: FuzzCase, name: string, m: MetricValue): void {
  if (m.value === undefined ? !(typeof m.reason === 'string' && m.reason.length > 0) : !Number.isFinite(m.value)) fail(c, `${name} is ${JSON.stringify(m)}`);
}

const isNaNValue = (v: number) => v !== v;
const positive = (l: number) => l > 0.5;

/** Weighted Mann-Whitney AUC by brute force over every pair (ties count half). */
function bruteAuc(c: FuzzCase): number | undefined {
  let num = 0;
  let P = 0;
  let N = 0;
  const w = (i: number) => (c.weights ? c.weights[i]! : 1);
  for (let i = 0; i < c.labels.length; i++) (positive(c.labels[i]!) ? (P += w(i)) : (N += w(i)));
  for (let i = 0; i < c.labels.length; i++)
    for (let j = 0; j < c.labels.length; j++) {
      if (!positive(c.labels[i]!) || positive(c.labels[j]!)) continue;
      const a = c.scores[i]!;
      const b = c.scores[j]!;
      num += w(i) * w(j) * (a > b ? 1 : a === b ? 0.5 : 0);
    }
  return P > 0 && N > 0 ? num / (P * N) : undefined;
}

function trapezoid(points: { fpr: number; tpr: number }[]): number {
  let area = 0;
  for (let i = 1; i < points.length; i++) area += ((points[i]!.fpr - points[i - 1]!.fpr) * (points[i]!.tpr + points[i - 1]!.tpr)) / 2;
  return area;
}

export function checkCase(c: FuzzCase): void {
  const n = c.labels.length;
  const rows = { scores: c.scores, labels: c.labels, weights: c.weights };
  const nans = Array.from(c.scores).filter(isNaNValue).length;
  const finite = Array.from(c.scores).filter((s) => Number.isFinite(s)).length;

  const sorted = sortRows(rows);
  for (let i = 1; i < n; i++) {
    const [a, b] = [sorted.scores[i - 1]!, sorted.scores[i]!];
    if (isNaNValue(a) ? !isNaNValue(b) : !isNaNValue(b) && a > b) fail(c, `sorted scores out of order at ${i}: ${a}, ${b}`);
  }

  const auc = rocAuc(rows);
  checkMetric(c, 'AUC', auc);
  const expected = nans > 0 ? undefined : bruteAuc(c);
  if (nans > 0 && !/NaN/.test(auc.reason ?? '')) fail(c, `AUC with NaN scores: ${JSON.stringify(auc)}`);
  if (expected === undefined ? auc.value !== undefined : !(Math.abs(auc.value! - expected) < 1e-9)) fail(c, `AUC ${auc.value}, brute force ${expected}`);
  checkMetric(c, 'group AUC', groupAuc(rows, c.groups).gauc);

  for (const maxPoints of [3, 200, 1e9]) {
    const roc = rocCurve(rows, { maxPoints });
    if (auc.value === undefined) {
      if (roc.length !== 0) fail(c, 'a ROC curve without a defined AUC');
      continue;
    }
    const [first, last] = [roc[0]!, roc.at(-1)!];
    if (first.fpr !== 0 || first.tpr !== 0 || Math.abs(last.fpr - 1) > 1e-12 || Math.abs(last.tpr - 1) > 1e-12) fail(c, `ROC from ${JSON.stringify(first)} to ${JSON.stringify(last)}`);
    for (let i = 1; i < roc.length; i++)
      if (!(roc[i]!.fpr >= roc[i - 1]!.fpr && roc[i]!.tpr >= roc[i - 1]!.tpr && roc[i]!.fpr <= 1 + 1e-12 && roc[i]!.tpr <= 1 + 1e-12)) fail(c, `ROC not monotone at ${i}`);
    if (maxPoints === 1e9 && !(Math.abs(trapezoid(roc) - auc.value) < 1e-9)) fail(c, `full ROC integrates to ${trapezoid(roc)}, AUC ${auc.value}`);
  }

  for (const binning of ['quantile', 'uniform'] as const) {
    const bins = calibrationBins(rows, { binning, sorted: binning === 'quantile' ? sorted : undefined });
    if (bins.reduce((s, b) => s + b.count, 0) !== finite) fail(c, `${binning} calibration bins hold ${bins.map((b) => b.count)} rows of ${finite} with a finite score`);
    for (const b of bins) {
      if (!Number.isFinite(b.lower) || !Number.isFinite(b.upper) || b.lower > b.upper) fail(c, `${binning} bin range ${b.lower}..${b.upper}`);
      if (b.weight > 0 && !(Number.isFinite(b.meanScore) && Number.isFinite(b.labelRate))) fail(c, `${binning} bin means ${b.meanScore}, ${b.labelRate}`);
    }
  }
  const h = scoreHistogram(rows);
  if ([...h.positive, ...h.negative].reduce((s, v) => s + v, 0) !== n - nans) fail(c, 'histogram row count');

  // Precision-recall, operating points and DeLong's interval: defined, finite, in range.
  const pr = rankingCurves(sorted, { shares: [0.01, 0.1, 0.5] });
  if (nans === 0) checkMetric(c, 'average precision', pr.averagePrecision);
  for (const p of pr.curve) if (!(p.recall >= 0 && p.recall <= 1 + 1e-12 && p.precision >= 0 && p.precision <= 1 + 1e-12)) fail(c, `PR point ${JSON.stringify(p)}`);
  for (const o of [...pr.sweep, operatingPointAt(sorted, 0.5)])
    for (const k of ['tp', 'fp', 'fn', 'tn'] as const) if (!Number.isFinite(o[k])) fail(c, `operating point ${k} = ${o[k]}`);
  const ci = aucInterval(sorted);
  if (ci !== null && !(ci.lower <= ci.auc + 1e-12 && ci.auc <= ci.upper + 1e-12 && Number.isFinite(ci.se) && ci.lower >= 0 && ci.upper <= 1)) fail(c, `AUC interval ${JSON.stringify(ci)}`);
  if (ci !== null && (nans > 0 || !(Math.abs(ci.auc - auc.value!) < 1e-9))) fail(c, `DeLong's AUC ${ci.auc}, AUC ${auc.value}`);

  const m = binaryMetrics(rows, { sorted });
  for (const k of ['auc', 'logLoss', 'calibration', 'accuracy', 'precision', 'recall', 'f1'] as const) checkMetric(c, k, m[k]);
  checkMetric(c, 'log loss', logLoss(rows));
  if (m.count !== n) fail(c, `count ${m.count}`);

  const ranks = averageRanks(c.scores);
  for (let i = 0; i < n; i++) {
    const s = c.scores[i]!;
    if (isNaNValue(s)) {
      if (!isNaNValue(ranks[i]!)) fail(c, `rank of a NaN is ${ranks[i]}`);
      continue;
    }
    let below = 0;
    let equal = 0;
    for (const v of Array.from(c.scores)) (v < s ? below++ : v === s ? equal++ : 0);
    if (ranks[i] !== below + (equal + 1) / 2) fail(c, `rank ${ranks[i]} at ${i}, by definition ${below + (equal + 1) / 2}`);
  }
  for (const [name, r] of [
    ['pearson', pearson(c.scores, c.labels)],
    ['spearman', spearman(c.scores, c.labels)],
  ] as const) {
    if (!(isNaNValue(r) || (r >= -1 - 1e-9 && r <= 1 + 1e-9))) fail(c, `${name} ${r}`);
    if (nans > 0 && !isNaNValue(r)) fail(c, `${name} ${r} over NaN scores`);
  }

  const reg = regressionMetrics({ predictions: c.scores, labels: c.labels, weights: c.weights });
  for (const k of ['mse', 'mae', 'r2'] as const) checkMetric(c, k, reg[k]);

  const acc = new EvalAccumulator({ weighted: c.weights !== null, grouped: true, initialCapacity: 1 });
  acc.add({ scores: Float32Array.from(c.scores), labels: c.labels, weights: c.weights, groups: Array.from(c.groups, String) }, n);
  const report = acc.binaryReport();
  checkMetric(c, 'accumulated AUC', report.metrics.auc);
  if (acc.scoreRanks().length !== n) fail(c, 'accumulator ranks');
  const full = binaryReport(rows, { groups: c.groups });
  checkMetric(c, 'report group AUC', full.groupAuc!.gauc);
  checkMetric(c, 'report average precision', full.pr.averagePrecision);

  if (n >= 3) {
    const g = gatePartial(Float32Array.from(c.scores).subarray(0, n - (n % 3)), 3);
    if (g.rows !== Math.floor(n / 3) || g.argmaxCounts.reduce((s, v) => s + v, 0) !== g.rows) fail(c, 'gate partial row counts');
  }
}
