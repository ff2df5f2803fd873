// `mmoe eval` core: streams the days through a model's own feature spec (and a baseline's, on the
// very same rows, in the same single read of the data) and returns the evaluation reports.
import { join } from 'node:path';
import type { DataAccount } from '../data/account.js';
import type { Batch } from '../data/batch.js';
import { BadRowTally, type BadRowSummary } from '../data/bad-rows.js';
import { encodeRows, newAccounting } from '../data/encode-rows.js';
import { Encoder, type FileEncoder } from '../data/encoder.js';
import { estimateInput, type MemoryBudget, MemoryBudgetError, mib } from '../data/memory-budget.js';
import { type DataSource, findPartitions } from '../data/partitions.js';
import { DataError } from '../errors.js';
import type { Logger } from '../logger.js';
import { InOrder, labelsOf, type Scored } from '../scoring/batch-scorer.js';
import { type EvalReport, Evaluator } from './evaluator.js';
import { type ModelInfo, type OpenedModel } from '../scoring/model-dir.js';
import { RowBatcher, SCORING_BATCH_ROWS } from '../scoring/row-batcher.js';

export interface EvalJob {
  model: OpenedModel;
  baseline?: OpenedModel;
  source: DataSource;
  maxBadRows: number;
  /**
   * Predicted positive when score > threshold (accuracy, precision, recall, F1, confusion matrix):
   * one threshold for every task, or `auto`: each model's own per-task threshold (thresholdsFor).
   */
  threshold: number | 'auto';
  /** Column whose value groups rows for group AUC. */
  groupBy?: string;
  /** Gate statistics cost a second forward pass; off skips it. Default on. */
  gates?: boolean;
  batchSize?: number;
  /** Scores only the rows this accepts: per file (path relative to the data directory), a test of the line (e.g. the hold-out of training days). */
  rows?: (relPath: string) => (line: number) => boolean;
  /** Aborted on SIGINT/SIGTERM: the read stops at its next chunk (exit 130). */
  signal?: AbortSignal;
  /** What the metric buffers may hold: checked against an estimate before reading (unless `rows` picks some), and as rows come. */
  memoryBudget?: MemoryBudget;
  /** What to do about a refusal by the memory budget (default: eval's flags). */
  overBudgetAdvice?: string;
}

/** Seconds spent per stage (they add up to about `total`). */
export interface EvalTimings {
  total: number;
  /** Reading, decompressing, parsing and encoding the CSV rows. */
  readEncode: number;
  predict: number;
  gates: number;
  /** Copying rows into batches and scores into the metric accumulators. */
  accumulate: number;
  /** Sorting and computing every metric at the end. */
  metrics: number;
}

/** A binary task's threshold and why it is that one. */
export interface ThresholdChoice {
  value: number;
  /** `validation-f1`: maximises F1 on the model's validation rows (recorded at training); `given`: --threshold; `default`: 0.5, no validation threshold recorded. */
  rule: 'validation-f1' | 'given' | 'default';
}

/** Per binary task: the given threshold, or with `auto` the model's validation-F1 threshold (0.5 where none is recorded). */
export function thresholdsFor(flag: number | 'auto', m: Pick<OpenedModel, 'spec' | 'thresholds'>): Record<string, ThresholdChoice> {
  const out: Record<string, ThresholdChoice> = {};
  for (const t of m.spec.tasks) {
    if (t.type !== 'binary') continue;
    const recorded = m.thresholds[t.name];
    out[t.name] = flag !== 'auto' ? { value: flag, rule: 'given' } : recorded !== undefined ? { value: recorded, rule: 'validation-f1' } : { value: 0.5, rule: 'default' };
  }
  return out;
}

export interface EvalOutcome {
  model: ModelInfo;
  report: EvalReport;
  /** The threshold of each binary task of the model, and of the baseline (its own). */
  thresholds: { model: Record<string, ThresholdChoice>; baseline: Record<string, ThresholdChoice> | null };
  baseline: {
    model: ModelInfo;
    report: EvalReport;
    /** Both models share one feature spec, so each row was encoded once for both. */
    sameSpec: boolean;
    /** Rows good under the model's spec that the baseline's spec rejects (skipped for both). */
    badRows: BadRowSummary;
  } | null;
  data: DataAccount;
  /** Rows scored by every model (rows used minus rows only the baseline rejected). */
  rows: number;
  timings: EvalTimings;
}

/**
 * The baseline cannot read rows the model reads (a column its spec needs is gone, or it rejects too
 * many rows): the data may be fine for the model, so the message names the baseline, and a caller
 * comparing the two (the promotion gate) can tell this from bad data.
 */
export class BaselineDataError extends DataError {}

/** The baseline's encoder when its spec differs: it re-encodes the raw records the model accepted. */
class SecondEncoder {
  private file = -1;
  private fe: FileEncoder | null = null;
  private readonly encoder: Encoder;
  readonly bad: BadRowTally;

  constructor(
    private readonly opened: OpenedModel,
    readonly batcher: RowBatcher<string>,
    logger: Logger,
  ) {
    this.encoder = new Encoder(opened.spec);
    this.bad = new BadRowTally(logger);
  }

  /** Runs `f`, saying that a data error it throws is the baseline's. */
  private own<T>(f: () => T): T {
    try {
      return f();
    } catch (err) {
      if (!(err instanceof DataError)) throw err;
      throw new BaselineDataError(`the baseline ${this.opened.info.path} cannot read rows the model reads: ${err.message}`, {}, { cause: err });
    }
  }

  /** Fails when the baseline's spec rejected too many of the rows read so far. */
  check(rowsRead: number, maxBadRows: number): void {
    this.own(() => this.bad.check(rowsRead, maxBadRows));
  }

  /** Encodes a record into the batcher's next slot; false (and counted) when the baseline rejects it. */
  encode(fileIndex: number, path: string, header: string[], record: string[], line: number): boolean {
    if (fileIndex !== this.file) {
      this.file = fileIndex;
      this.fe = this.own(() => this.encoder.forFile(path, header));
    }
    const fe = this.fe!;
    const reason = fe.encode(record, this.batcher.target, this.batcher.size);
    if (reason === null) return true;
    this.bad.add(reason, () => ({
      file: path,
      line,
      ...(fe.badColumn ? { column: fe.badColumn, value: fe.badValue } : {}),
      detail: `rejected by the baseline's feature spec${fe.badDetail ? `: ${fe.badDetail}` : ''}`,
    }));
    return false;
  }
}

function sameSpec(a: OpenedModel, b: OpenedModel): boolean {
  return JSON.stringify(a.spec) === JSON.stringify(b.spec);
}

export async function runEval(job: EvalJob, logger: Logger): Promise<EvalOutcome> {
  const start = performance.now();
  const grouped = job.groupBy !== undefined;
  const batchSize = job.batchSize ?? SCORING_BATCH_ROWS;
  const models = [job.model, ...(job.baseline ? [job.baseline] : [])];
  const evaluators = models.map((m) => new Evaluator(m.spec, { grouped, gates: job.gates }));
  const shared = !job.baseline || sameSpec(job.model, job.baseline);
  const main = new RowBatcher<string>(job.model.spec, batchSize);
  const second = shared ? null : new SecondEncoder(job.baseline!, new RowBatcher<string>(job.baseline!.spec, batchSize), logger);
  const account = newAccounting(job.source, logger);
  let flushMs = 0;
  let waitMs = 0;

  // Batches in scoring, oldest first: reading goes on while up to 32 per scoring thread are scored
  // (deep enough to keep reading while a thread starts; each holds only labels and a promise).
  const pending = new InOrder<{ batches: Batch[]; groups?: string[]; results: Scored[] }>(
    Math.max(1, 32 * Math.max(...models.map((m) => m.scorer.threads))),
    (q) => evaluators.forEach((e, k) => e.accumulate(q.batches[k]!, q.results[k]!, q.groups)),
  );
  const flush = async (): Promise<void> => {
    const t = performance.now();
    const a = main.take();
    const views = [a.batch, ...(job.baseline ? [second ? second.batcher.take().batch : a.batch] : [])];
    const s0 = performance.now();
    // In this thread the scores are computed right here; a pool copies the features it needs.
    const scored = views.map((b, k) => models[k]!.scorer.score(b, evaluators[k]!.wantsGates));
    waitMs += performance.now() - s0;
    // The batchers reuse their buffers: what accumulate reads later (labels, weights) is copied.
    const own = labelsOf(views[0]!);
    const batches = views.map((b) => (b === views[0] ? own : labelsOf(b)));
    const groups = grouped ? a.tags : undefined;
    await pending.push(Promise.all(scored).then((results) => ({ batches, groups, results })));
    flushMs += performance.now() - t;
  };

  // Exact metrics need every score until the end: say what that takes before taking it.
  const perRow = evaluators.reduce((s, e) => s + e.bytesPerRow, 0);
  const est = await estimateInput(await findPartitions(job.source));
  const budget = job.memoryBudget;
  const advice = job.overBudgetAdvice ?? 'evaluate fewer days, leave out --group-by or --baseline, or raise --memory-budget';
  logger.info({ estimatedRows: est.rows, bytesPerRow: perRow, memoryBudgetMb: budget ? Math.round(budget.bytes / 2 ** 20) : null }, `the metrics will hold about ${mib(est.rows * perRow)} (about ${est.rows.toLocaleString('en-US')} rows x ${perRow} bytes)`);
  // The estimate counts every row of the files: only without a choice of rows is it an estimate of those kept.
  if (budget && !job.rows && est.rows * perRow > budget.bytes)
    throw new MemoryBudgetError(
      `eval would hold about ${mib(est.rows * perRow)} for its metrics (about ${est.rows.toLocaleString('en-US')} rows estimated from ${mib(est.bytes)} of CSV${est.unestimated ? `, Parquet files not counted` : ''}, ${perRow} bytes per row), over the memory budget of ${mib(budget.bytes)} (${budget.source}); ${advice}`,
      { file: job.source.dataDir },
    );
  let kept = 0;

  let fileIndex = -1;
  let path = '';
  let groupColumn = -1;
  let keep: ((line: number) => boolean) | undefined;
  const loopStart = performance.now();
  for await (const block of encodeRows(job.model.spec, job.source, { maxBadRows: job.maxBadRows, logger, account, signal: job.signal })) {
    if (block.fileIndex !== fileIndex) {
      fileIndex = block.fileIndex;
      path = join(job.source.dataDir, block.file.path);
      keep = job.rows?.(block.file.path);
      if (second) second.check(account.rowsRead, job.maxBadRows);
      if (grouped) {
        groupColumn = block.header.indexOf(job.groupBy!);
        if (groupColumn < 0)
          throw new DataError(`--group-by column '${job.groupBy}' is not in the header (${block.header.join(', ')}); pick one of those columns`, {
            file: path,
            line: 1,
            column: job.groupBy,
          });
      }
    }
    for (let r = 0; r < block.size; r++) {
      if (keep && !keep(block.lines[r]!)) continue;
      const record = block.records[block.recordIndex[r]!]!;
      if (second && !second.encode(fileIndex, path, block.header, record, block.lines[r]!)) continue;
      main.copyFrom(block, r);
      const key = grouped ? record[groupColumn]! : '';
      second?.batcher.commit(key);
      if (main.commit(key)) {
        kept += batchSize;
        if (budget && kept * perRow > budget.bytes)
          throw new MemoryBudgetError(
            `eval's metrics would need more than ${mib(kept * perRow)} by this row (${kept.toLocaleString('en-US')} rows x ${perRow} bytes; the size estimate said ${est.rows.toLocaleString('en-US')} rows), over the memory budget of ${mib(budget.bytes)} (${budget.source}); ${advice}`,
            { file: path, line: block.lines[r]! },
          );
        await flush();
      }
    }
  }
  if (main.size > 0) await flush();
  const drainStart = performance.now();
  await pending.drain();
  flushMs += performance.now() - drainStart;
  waitMs += pending.waitMs;
  for (const m of models) await m.ready();
  const loopMs = performance.now() - loopStart;
  if (second) second.check(account.rowsRead, job.maxBadRows);

  const t = performance.now();
  const chosen = models.map((m) => thresholdsFor(job.threshold, m));
  const [report, baseReport] = evaluators.map((e, i) =>
    e.report({ thresholds: Object.fromEntries(Object.entries(chosen[i]!).map(([k, c]) => [k, c.value])), learningRate: models[i]!.learningRate }),
  );
  const metricsMs = performance.now() - t;
  const sum = (k: 'gateMs' | 'accumulateMs') => evaluators.reduce((s, e) => s + e.timings[k], 0);
  const sec = (ms: number) => ms / 1000;
  return {
    model: job.model.info,
    report: report!,
    baseline: job.baseline
      ? { model: job.baseline.info, report: baseReport!, sameSpec: shared, badRows: second?.bad.summary() ?? { total: 0, byReason: {} } }
      : null,
    thresholds: { model: chosen[0]!, baseline: chosen[1] ?? null },
    data: account.toJSON(),
    rows: report!.rows,
    timings: {
      total: sec(performance.now() - start),
      readEncode: sec(loopMs - flushMs),
      predict: sec(waitMs),
      gates: sec(sum('gateMs')),
      accumulate: sec(flushMs - waitMs - sum('gateMs')),
      metrics: sec(metricsMs),
    },
  };
}
