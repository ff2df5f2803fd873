// Everything eval shows for a binary task, from one sort of the scores.
import type { ScoredRows } from './auc.js';
import { binaryMetrics, type BinaryMetrics } from './binary.js';
import { calibrationBins, rocCurve, scoreHistogram, type Binning, type CalibrationBin, type RocPoint, type ScoreHistogram } from './curves.js';
import { groupAuc, type GroupAuc } from './group-auc.js';
import { type SortedRows, sortRows } from './sort.js';

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
}

export function binaryReport(rows: ScoredRows, options: BinaryReportOptions = {}, sorted: SortedRows = sortRows(rows)): BinaryReport {
  const report: BinaryReport = {
    metrics: binaryMetrics(rows, { threshold: options.threshold, sorted }),
    roc: rocCurve(rows, { maxPoints: options.maxRocPoints, sorted }),
    calibration: calibrationBins(rows, { bins: options.calibrationBins, binning: options.binning, sorted }),
    histogram: scoreHistogram(rows, { bins: options.histogramBins }),
  };
  if (options.groups) report.groupAuc = groupAuc(rows, options.groups, sorted);
  return report;
}
