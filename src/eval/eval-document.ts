// The one structure every eval output is rendered from (`--format json` prints it as is): a stable,
// versioned schema documented field by field in docs/eval.md. Internal report types may change;
// this shape changes only with schemaVersion.
import type { BadRowSummary } from '../data/bad-rows.js';
import type { BinaryReport } from '../metrics/binary-report.js';
import type { GateStats } from '../metrics/gate.js';
import type { GateWarning } from '../metrics/gate-verdict.js';
import type { MetricValue } from '../metrics/metric-value.js';
import type { RegressionMetrics } from '../metrics/regression.js';
import type { OperatingPoint } from '../metrics/precision-recall.js';
import type { EvalOutcome, EvalTimings, ThresholdChoice } from './eval-job.js';
import type { PairCorrelation, TaskReport } from './evaluator.js';
import type { ModelInfo } from '../scoring/model-dir.js';
import type { QualityGateResult } from './quality-gate.js';

/** 2: per-task thresholds (`threshold`, `thresholdRule`, `options.threshold` may be "auto"), confusion matrix, average precision, PR curve, threshold sweep, AUC interval, `model.training`. */
export const EVAL_SCHEMA_VERSION = 2;

/** A metric that may be undefined: value null and a reason instead of a number. */
export interface JsonMetric {
  value: number | null;
  reason?: string;
}

export interface BinaryResult {
  count: number;
  positives: number;
  weight: number;
  labelRate: number;
  meanScore: number;
  auc: JsonMetric;
  logLoss: JsonMetric;
  calibration: JsonMetric;
  /** DeLong's 95% confidence interval of the AUC (null when it cannot be estimated). */
  aucInterval: { lower: number; upper: number; level: number; se: number; method: 'DeLong' } | null;
  /** scikit-learn's average_precision_score. */
  averagePrecision: JsonMetric;
  /** Predicted positive when score > threshold; `thresholdRule` says how it was chosen. */
  threshold: number;
  thresholdRule: ThresholdChoice['rule'];
  accuracy: JsonMetric;
  precision: JsonMetric;
  recall: JsonMetric;
  f1: JsonMetric;
  /** Weighted confusion matrix at `threshold`. */
  confusion: { tp: number; fp: number; fn: number; tn: number };
  groupAuc: { value: JsonMetric; groupsUsed: number; groupsSkipped: number; rowsUsed: number } | null;
  roc: { fpr: number; tpr: number; threshold: number | null }[];
  /** Precision-recall curve from the highest threshold down (thinned for plotting). */
  pr: { recall: number; precision: number; threshold: number }[];
  /** Operating points where the top 1%, 2%, 5%, 10%, 20%, 30%, 50% of rows are predicted positive. */
  sweep: OperatingPoint[];
  calibrationBins: { lower: number; upper: number; meanScore: number; labelRate: number; count: number; weight: number }[];
  histogram: { edges: number[]; positive: number[]; negative: number[] };
}

export interface RegressionScale {
  count: number;
  weight: number;
  mse: JsonMetric;
  mae: JsonMetric;
  r2: JsonMetric;
  meanPrediction: number;
  meanLabel: number;
}

export interface TaskMetrics {
  binary: BinaryResult | null;
  regression: { original: RegressionScale; transformed: RegressionScale } | null;
  /** Only for the task whose negatives the model was trained on a sample of: the rate, and calibration without and with the model's correction. */
  sampling?: { rate: number; calibrationBefore: number | null; calibrationAfter: number | null };
}

export interface TaskResult extends TaskMetrics {
  name: string;
  type: 'binary' | 'regression';
  label: string;
  /** The baseline's metrics for the task of the same name and type, on the same rows. */
  baseline: TaskMetrics | null;
  /** Model minus baseline for each headline metric; null where either side is undefined. */
  delta: Record<string, number | null> | null;
}

export interface EvalDocument {
  schemaVersion: typeof EVAL_SCHEMA_VERSION;
  generatedAt: string;
  mmoeVersion: string;
  model: ModelInfo;
  baseline: (ModelInfo & { sameSpec: boolean }) | null;
  data: {
    dataDir: string;
    dates: string[];
    files: { path: string; day: string; rows: number; badRows: number }[];
    rowsRead: number;
    rowsUsed: number;
    rowsEvaluated: number;
    badRows: BadRowSummary;
    baselineBadRows: BadRowSummary | null;
  };
  options: { threshold: number | 'auto'; groupBy: string | null; maxAucDrop: number | null };
  tasks: TaskResult[];
  gates: Record<string, GateStats>;
  gateWarnings: GateWarning[];
  relatedness: { labels: PairCorrelation[]; scores: PairCorrelation[] };
  qualityGate: QualityGateResult | null;
  timings: EvalTimings;
}

function metric(m: MetricValue): JsonMetric {
  return m.value === undefined ? { value: null, reason: m.reason } : { value: m.value };
}

function binaryResult(b: BinaryReport, threshold: ThresholdChoice | undefined): BinaryResult {
  const m = b.metrics;
  const ci = b.aucInterval;
  return {
    count: m.count,
    positives: m.positives,
    weight: m.weight,
    labelRate: m.labelRate,
    meanScore: m.meanScore,
    auc: metric(m.auc),
    logLoss: metric(m.logLoss),
    calibration: metric(m.calibration),
    aucInterval: ci ? { lower: ci.lower, upper: ci.upper, level: ci.level, se: ci.se, method: ci.method } : null,
    averagePrecision: metric(b.pr.averagePrecision),
    threshold: m.threshold,
    thresholdRule: threshold?.rule ?? 'given',
    accuracy: metric(m.accuracy),
    precision: metric(m.precision),
    recall: metric(m.recall),
    f1: metric(m.f1),
    confusion: { ...m.confusion },
    groupAuc: b.groupAuc ? { value: metric(b.groupAuc.gauc), groupsUsed: b.groupAuc.groupsUsed, groupsSkipped: b.groupAuc.groupsSkipped, rowsUsed: b.groupAuc.rowsUsed } : null,
    roc: b.roc.map((p) => ({ fpr: p.fpr, tpr: p.tpr, threshold: Number.isFinite(p.threshold) ? p.threshold : null })),
    pr: b.pr.curve.map((p) => ({ ...p })),
    sweep: b.sweep.map((p) => ({ ...p })),
    calibrationBins: b.calibration.map((c) => ({ ...c })),
    histogram: { edges: [...b.histogram.edges], positive: [...b.histogram.positive], negative: [...b.histogram.negative] },
  };
}

function regressionScale(r: RegressionMetrics): RegressionScale {
  return { count: r.count, weight: r.weight, mse: metric(r.mse), mae: metric(r.mae), r2: metric(r.r2), meanPrediction: r.meanPrediction, meanLabel: r.meanLabel };
}

function taskMetrics(t: TaskReport, thresholds: Record<string, ThresholdChoice> | null): TaskMetrics {
  return {
    binary: t.binary ? binaryResult(t.binary, thresholds?.[t.task]) : null,
    regression: t.regression ? { original: regressionScale(t.regression.original), transformed: regressionScale(t.regression.transformed) } : null,
    ...(t.sampling ? { sampling: { ...t.sampling } } : {}),
  };
}

/** The metrics a delta is shown for: binary headline metrics, and regression on the original scale. */
export function headlineMetrics(m: TaskMetrics): Record<string, JsonMetric> {
  if (m.binary) {
    const b = m.binary;
    return {
      auc: b.auc,
      averagePrecision: b.averagePrecision,
      logLoss: b.logLoss,
      calibration: b.calibration,
      accuracy: b.accuracy,
      precision: b.precision,
      recall: b.recall,
      f1: b.f1,
      ...(b.groupAuc ? { groupAuc: b.groupAuc.value } : {}),
    };
  }
  const o = m.regression!.original;
  return { mse: o.mse, mae: o.mae, r2: o.r2 };
}

function delta(cur: TaskMetrics, base: TaskMetrics): Record<string, number | null> {
  const b = headlineMetrics(base);
  return Object.fromEntries(
    Object.entries(headlineMetrics(cur)).map(([k, v]) => [k, v.value !== null && b[k]?.value != null ? v.value - b[k]!.value! : null]),
  );
}

export function toEvalDocument(
  run: EvalOutcome,
  opts: { threshold: number | 'auto'; groupBy?: string; maxAucDrop?: number; qualityGate: QualityGateResult | null; mmoeVersion: string; now?: Date },
): EvalDocument {
  const baseTasks = new Map(run.baseline?.report.tasks.map((t) => [t.task, t]) ?? []);
  const tasks = run.report.tasks.map((t): TaskResult => {
    const info = run.model.tasks.find((x) => x.name === t.task)!;
    const cur = taskMetrics(t, run.thresholds.model);
    const b = baseTasks.get(t.task);
    const base = b && b.type === t.type ? taskMetrics(b, run.thresholds.baseline) : null;
    return { name: t.task, type: t.type, label: info.label, ...cur, baseline: base, delta: base ? delta(cur, base) : null };
  });
  const d = run.data;
  return {
    schemaVersion: EVAL_SCHEMA_VERSION,
    generatedAt: (opts.now ?? new Date()).toISOString(),
    mmoeVersion: opts.mmoeVersion,
    model: run.model,
    baseline: run.baseline ? { ...run.baseline.model, sameSpec: run.baseline.sameSpec } : null,
    data: {
      dataDir: d.dataDir,
      dates: d.dates,
      files: d.files.map((f) => ({ path: f.path, day: f.day, rows: f.rows, badRows: f.badRows })),
      rowsRead: d.rowsRead,
      rowsUsed: d.rowsUsed,
      rowsEvaluated: run.rows,
      badRows: d.badRows,
      baselineBadRows: run.baseline?.badRows ?? null,
    },
    options: { threshold: opts.threshold, groupBy: opts.groupBy ?? null, maxAucDrop: opts.maxAucDrop ?? null },
    tasks,
    gates: run.report.gates,
    gateWarnings: run.report.gateWarnings,
    relatedness: run.report.relatedness,
    qualityGate: opts.qualityGate,
    timings: run.timings,
  };
}
