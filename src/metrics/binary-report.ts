// Everything eval shows for a binary task, from one sort of the scores.
import type { ScoredRows } from './auc.js';
import { type AucInterval, aucInterval } from './auc-interval.js';
import { binaryMetrics, type BinaryMetrics } from './binary.js';
import { calibrationBins, rocCurve, scoreHistogram, type Binning, type CalibrationBin, type RocPoint, type ScoreHistogram } from './curves.js';
import { groupAuc, type GroupAuc } from './group-auc.js';
import { countNaN, undefinedMetric } from './metric-value.js';
import { type OperatingPoint, type PrecisionRecall, rankingCurves } from './precision-recall.js';
import { type SortedRows, sortRows } from './sort.js';

/** Shares of rows predicted positive in the threshold sweep (top 1%, 2%, ... of scores). */
export const SWEEP_SHARES = [0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5] as const;

export interface BinaryReportOptions {
  /** Predicted positive when score > threshold. Default 0.5. */
  threshold?: number;
  /** ROC points kept for plotting. Default 200. */
  maxRocPoints?: number;
  /** Calibration bins. Default 10, quantile. */
  calibrationBins?: number;
  binning?: Binning;
  /** Score histogram bins over [0, 1]. Default 20. */
  histogramBins?: number;
  /** One group key (or interned id) per row: adds group AUC. */
  groups?: readonly string[] | Uint32Array;
}

export interface BinaryReport {
  metrics: BinaryMetrics;
  roc: RocPoint[];
  calibration: CalibrationBin[];
  histogram: ScoreHistogram;
  groupAuc?: GroupAuc;
  /** Average precision, the precision-recall curve and the F1-maximising threshold. */
  pr: PrecisionRecall;
  /** DeLong's 95% interval for the AUC (null when it cannot be estimated). */
  aucInterval: AucInterval | null;
  /** Operating points at SWEEP_SHARES of rows predicted positive. */
  sweep: OperatingPoint[];
}

export function binaryReport(rows: ScoredRows, options: BinaryReportOptions = {}, sorted: SortedRows = sortRows(rows)): BinaryReport {
  const report: BinaryReport = {
    metrics: binaryMetrics(rows, { threshold: options.threshold, sorted }),
    roc: rocCurve(rows, { maxPoints: options.maxRocPoints, sorted }),
    calibration: calibrationBins(rows, { bins: options.calibrationBins, binning: options.binning, sorted }),
    histogram: scoreHistogram(rows, { bins: options.histogramBins }),
    ...rankingExtras(rows, sorted, options.maxRocPoints),
  };
  if (options.groups) report.groupAuc = groupAuc(rows, options.groups, sorted);
  return report;
}

function rankingExtras(rows: ScoredRows, sorted: SortedRows, maxPoints?: number): Pick<BinaryReport, 'pr' | 'aucInterval' | 'sweep'> {
  const nan = countNaN(rows.scores);
  if (nan > 0)
    return { pr: { averagePrecision: undefinedMetric(`average precision is undefined: ${nan} of ${rows.scores.length} scores are NaN`), curve: [], bestF1: null }, aucInterval: null, sweep: [] };
  const { sweep, ...pr } = rankingCurves(sorted, { maxPoints, shares: SWEEP_SHARES });
  return { pr, aucInterval: aucInterval(sorted), sweep };
}
