// Scores batches with a model and accumulates everything a report needs: per-task metrics,
// gate statistics and task relatedness. Used by training validation and by `mmoe eval`.
import type { Task } from '../config/schema.js';
import type { Batch } from '../data/batch.js';
import { inverseLabel } from '../data/feature-spec.js';
import { calibrationBeforeAfter } from '../data/negative-sampling.js';
import { EvalAccumulator } from '../metrics/accumulator.js';
import type { BinaryReport, BinaryReportOptions } from '../metrics/binary-report.js';
import { averageRanks, pearson, spearman } from '../metrics/correlation.js';
import { type GateStats, GateStatsAccumulator } from '../metrics/gate.js';
import { type GateWarning, gateVerdict } from '../metrics/gate-verdict.js';
import type { MetricValue } from '../metrics/metric-value.js';
import type { RegressionMetrics } from '../metrics/regression.js';
import type { FeatureSpec } from '../data/feature-spec.js';
import type { Scorer } from '../model/folded-scorer.js';
import { type Scored, scoreNow } from '../scoring/batch-scorer.js';

export interface TaskReport {
  task: string;
  type: Task['type'];
  binary?: BinaryReport;
  /** Regression: on the original label scale (inverse transform) and on the trained one. */
  regression?: { original: RegressionMetrics; transformed: RegressionMetrics };
  /** The task's negatives were sampled in training: the rate and calibration (mean score / label rate) without and with the model's correction. */
  sampling?: { rate: number; calibrationBefore: number | null; calibrationAfter: number | null };
}

export interface PairCorrelation {
  a: string;
  b: string;
  pearson: number;
  spearman: number;
}

export interface EvalReport {
  rows: number;
  tasks: TaskReport[];
  /** Gate statistics per gate key (task, or `<task>_l<k>` for earlier levels); empty for ungated models. */
  gates: Record<string, GateStats>;
  gateWarnings: GateWarning[];
  relatedness: { labels: PairCorrelation[]; scores: PairCorrelation[] };
}

export interface EvaluatorOptions {
  /** Rows carry a group key (for group AUC). */
  grouped?: boolean;
  /** Collect gate statistics (one more forward pass per batch). Default true. */
  gates?: boolean;
  /** Batches carry row weights (default: when the spec has a row weight column). */
  weighted?: boolean;
}

/** Milliseconds spent in each part of add(), for throughput profiles. */
export interface EvaluatorTimings {
  predictMs: number;
  gateMs: number;
  /** Copying scores, labels and group keys into the accumulators. */
  accumulateMs: number;
}

export class Evaluator {
  private readonly acc: EvalAccumulator[];
  private readonly gateAcc = new Map<string, GateStatsAccumulator>();
  private readonly tasks: Task[];
  private readonly sampling: FeatureSpec['negativeSampling'];
  readonly timings: EvaluatorTimings = { predictMs: 0, gateMs: 0, accumulateMs: 0 };

  /** `scorer`: what add() scores with; callers that score elsewhere pass accumulate() the results. */
  constructor(
    spec: FeatureSpec,
    private readonly options: EvaluatorOptions = {},
    private readonly scorer?: Scorer,
  ) {
    this.tasks = spec.tasks;
    this.sampling = spec.negativeSampling;
    const weighted = options.weighted ?? spec.rowWeight !== undefined;
    this.acc = this.tasks.map(() => new EvalAccumulator({ weighted, grouped: options.grouped }));
  }

  get rows(): number {
    return this.acc[0]!.size;
  }

  /**
   * Bytes held per row until report(): every task's score and label (float32), its weight and
   * group id when used, twice over for the arrays' growth by doubling; report() adds one task's
   * sort (21 bytes per row) and, with two or more tasks, every task's score ranks (8 each).
   */
  get bytesPerRow(): number {
    const k = this.tasks.length;
    const stored = k * (8 + (this.acc[0]!.weighted ? 4 : 0) + (this.options.grouped ? 4 : 0));
    return 2 * stored + 21 + (k >= 2 ? 8 * k : 0);
  }

  /** Whether accumulate() wants gate weights. */
  get wantsGates(): boolean {
    return this.options.gates !== false;
  }

  /** Scores one batch with the evaluator's scorer and accumulates it. */
  add(batch: Batch, groups?: readonly string[]): void {
    const t0 = performance.now();
    const scored = scoreNow(this.scorer!, batch, this.wantsGates);
    this.timings.predictMs += performance.now() - t0;
    this.accumulate(batch, scored, groups);
  }

  /** Accumulates a scored batch; `groups` gives one group key per row when the evaluator is grouped. */
  accumulate(batch: Batch, { scores, gates, gateStats }: Scored, groups?: readonly string[]): void {
    const t1 = performance.now();
    const k = this.tasks.length;
    this.tasks.forEach((t, j) => {
      this.acc[j]!.add(
        { scores: scores[t.name]!, labels: { data: batch.labels, stride: k, offset: j }, weights: batch.weights, groups },
        batch.size,
      );
    });
    const t2 = performance.now();
    this.timings.accumulateMs += t2 - t1;
    for (const [key, g] of Object.entries(gates)) this.gate(key, g.experts).add(g.weights);
    for (const [key, p] of Object.entries(gateStats ?? {})) this.gate(key, p.sums.length).merge(p);
    this.timings.gateMs += performance.now() - t2;
  }

  private gate(key: string, experts: number): GateStatsAccumulator {
    let a = this.gateAcc.get(key);
    if (!a) this.gateAcc.set(key, (a = new GateStatsAccumulator(experts)));
    return a;
  }

  /** `thresholds` gives a task its own threshold (else `threshold`, else 0.5). */
  report(options: Omit<BinaryReportOptions, 'groups'> & { learningRate?: number; thresholds?: Record<string, number> } = {}): EvalReport {
    const { thresholds, ...binary } = options;
    const tasks = this.tasks.map((t, j): TaskReport => {
      const acc = this.acc[j]!;
      if (t.type === 'binary') {
        const report = acc.binaryReport({ ...binary, threshold: thresholds?.[t.name] ?? binary.threshold });
        if (this.sampling?.task !== t.name) return { task: t.name, type: t.type, binary: report };
        const { scores, labels, weights } = acc.rows();
        const c = calibrationBeforeAfter(scores, labels, weights, this.sampling.rate);
        return { task: t.name, type: t.type, binary: report, sampling: { rate: this.sampling.rate, calibrationBefore: c.before, calibrationAfter: c.after } };
      }
      return {
        task: t.name,
        type: t.type,
        regression: { original: acc.regression((v) => inverseLabel(t, v)), transformed: acc.regression() },
      };
    });
    const gates = Object.fromEntries([...this.gateAcc].map(([k, a]) => [k, a.result()]));
    const gateWarnings = gateVerdict(
      this.tasks.flatMap((t, j) =>
        gates[t.name] ? [{ task: t.name, stats: gates[t.name]!, lossWeight: t.lossWeight, labelRate: tasks[j]!.binary?.metrics.labelRate }] : [],
      ),
      { learningRate: options.learningRate },
    );
    const relatedness = this.relatedness();
    for (const a of this.acc) a.dropSorted(); // a single task's sort is not needed for ranks either
    return { rows: this.rows, tasks, gates, gateWarnings, relatedness };
  }

  private relatedness(): EvalReport['relatedness'] {
    const labels: PairCorrelation[] = [];
    const scores: PairCorrelation[] = [];
    const rows = this.acc.map((a) => a.rows());
    // Binary tasks' scores were sorted for their report: their ranks come from that sort, which
    // is then dropped (8 bytes per row per task held here instead of a 21-byte sort).
    const ranks = this.tasks.length < 2 ? [] : this.tasks.map((t, j) => (t.type === 'binary' ? this.acc[j]!.scoreRanks() : averageRanks(rows[j]!.scores)));
    for (let i = 0; i < this.tasks.length; i++)
      for (let j = i + 1; j < this.tasks.length; j++) {
        const pair = { a: this.tasks[i]!.name, b: this.tasks[j]!.name };
        labels.push({ ...pair, pearson: pearson(rows[i]!.labels, rows[j]!.labels), spearman: spearman(rows[i]!.labels, rows[j]!.labels) });
        scores.push({ ...pair, pearson: pearson(rows[i]!.scores, rows[j]!.scores), spearman: pearson(ranks[i]!, ranks[j]!) });
      }
    return { labels, scores };
  }
}

/** A task's headline metric value: AUC for binary tasks, MSE (original scale) for regression. */
export function headline(t: TaskReport): { name: 'auc' | 'mse'; value: MetricValue } {
  return t.binary ? { name: 'auc', value: t.binary.metrics.auc } : { name: 'mse', value: t.regression!.original.mse };
}
