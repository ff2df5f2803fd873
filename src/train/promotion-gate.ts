// The promotion gate of `mmoe train --gate max-auc-drop=D`: the model just trained and the one
// `latest` points at are scored on the same rows by the eval machinery, and the new one may move
// `latest` only when no binary task's AUC drops by more than D (the rule of `mmoe eval
// --max-auc-drop`, quality-gate.ts: an AUC that cannot be computed refuses).
import { join } from 'node:path';
import type { Config } from '../config/schema.js';
import { type MemoryBudget, MemoryBudgetError } from '../data/memory-budget.js';
import { findPartitions, type DataSource } from '../data/partitions.js';
import { MmoeError, UsageError } from '../errors.js';
import { BaselineDataError, runEval } from '../eval/eval-job.js';
import { inputBytes, openModel, type OpenedModel } from '../scoring/model-dir.js';
import { aucGate, type AucCheck } from '../eval/quality-gate.js';
import type { Logger } from '../logger.js';
import { danglingLatest, latestName } from '../model-root/links.js';
import { readTrainedOn } from '../model-root/trained-on.js';
import { describeRows, type GateRows, type GateRule, planGateRows } from './gate-rows.js';

export type { GateRows } from './gate-rows.js';

export interface GateJob {
  maxAucDrop: number;
  rows: GateRows;
  maxBadRows: number;
}

/**
 * The decision recorded in the model's metadata.json (`promotion`) and in status.json: promoted,
 * refused by the gate, or not promoted because latest is a newer day's model (a rerun or backfill).
 */
export interface Promotion {
  status: 'promoted' | 'refused' | 'not-promoted';
  reason: string;
  /** The model `latest` pointed at when this one was judged. */
  against: string | null;
  gate: {
    maxAucDrop: number;
    passed: boolean;
    /** What the rows were, in words: dates, whether only their hold-out, what latest trained on and was left out. */
    on: string;
    /** How many rows both models were scored on. */
    rows: number;
    /** The same as `on`, as data. */
    rule: GateRule;
    checks: AucCheck[];
  } | null;
  /** What the operator should know about the decision (also logged as warnings). */
  warnings?: string[];
  decidedAt: string;
}

/** One line per binary task: both AUCs, the drop, and the verdict. */
export function comparisonLines(gate: NonNullable<Promotion['gate']>, against: string): string[] {
  const fmt = (x: number | null) => (x === null ? 'undefined' : x.toFixed(6));
  return gate.checks.map(
    (c) =>
      `task '${c.task}': AUC ${fmt(c.auc)} (new) vs ${fmt(c.baselineAuc)} (latest = ${against}), drop ${c.drop === null ? 'n/a' : c.drop.toFixed(6)}: ` +
      (c.passed ? 'ok' : `refused (${c.reason})`),
  );
}

/** The --cur-date latest's model was made for (its metadata, else its directory's name), if known. */
function curDateOf(modelRoot: string, name: string): string | undefined {
  const facts = readTrainedOn(join(modelRoot, name));
  return typeof facts === 'string' ? /^\d{8}/.exec(name)?.[0] : facts.curDate;
}

/**
 * Judges the model in `newDir` (not yet published), made for `curDate`, against `<modelRoot>/latest`.
 * A model for a day older than latest's (a rerun or a backfill) is never promoted automatically:
 * latest would move back in time. Without a gate, or without a latest model (the first night, or a
 * latest whose directory was deleted: the new model repairs serving), it passes. A current model that cannot be opened, or cannot read the gate's rows, cannot be
 * compared, so the new one is refused (promote it by hand with `mmoe promote`); so are rows whose
 * scores would not fit `limits.memoryBudget`. `limits.signal` stops the gate's read at its next chunk
 * (InterruptedError).
 */
export async function judgeModel(
  newDir: string,
  modelRoot: string,
  curDate: string,
  gate: GateJob | undefined,
  logger: Logger,
  limits: { signal?: AbortSignal; memoryBudget?: MemoryBudget } = {},
): Promise<Promotion> {
  const decidedAt = () => new Date().toISOString();
  const gone = danglingLatest(modelRoot);
  const against = gone === undefined ? (latestName(modelRoot) ?? null) : null;
  if (gone !== undefined) {
    const warning = `latest pointed at ${gone}, which no longer exists in ${modelRoot}: no model to compare with, so this one is promoted (repairing what serving reads)`;
    logger.warn({ latest: gone }, warning);
    return { status: 'promoted', reason: warning, against, gate: null, warnings: [warning], decidedAt: decidedAt() };
  }
  const latestDate = against === null ? undefined : curDateOf(modelRoot, against);
  if (latestDate !== undefined && latestDate > curDate)
    return {
      status: 'not-promoted',
      reason: `not promoted: latest (${against}) is newer than ${curDate} (made for ${latestDate}), and a rerun or backfill never moves latest back in time`,
      against,
      gate: null,
      decidedAt: decidedAt(),
    };
  if (!gate) return { status: 'promoted', reason: 'no promotion gate (--gate or publish.gate)', against, gate: null, decidedAt: decidedAt() };
  if (against === null)
    return { status: 'promoted', reason: `the first model of ${modelRoot}: no latest model to compare with`, against, gate: null, decidedAt: decidedAt() };
  // A current model that cannot be compared (damaged files of any kind, a spec that needs a column
  // the data no longer has, no record of what it trained on) refuses the new one, which is kept:
  // never a lost model.
  const uncompared = (why: string, result: Promotion['gate'] = null, warnings?: string[]): Promotion => ({
    status: 'refused',
    reason: `the current model ${join(modelRoot, against)} ${why}; promote the new model by hand if it should serve`,
    against,
    gate: result,
    ...(warnings ? { warnings } : {}),
    decidedAt: decidedAt(),
  });
  const trainedOn = readTrainedOn(join(modelRoot, against));
  if (typeof trainedOn === 'string')
    return uncompared(`does not say which rows it trained on (${trainedOn}), so the gate cannot keep them out of the comparison`);
  const plan = planGateRows(gate.rows, trainedOn, against, await findPartitions(gate.rows.source));
  const { on, rule } = plan;
  const warnings = plan.leftOut ? [`the promotion gate leaves out rows latest trained on, which would favour it: ${plan.leftOut}`] : undefined;
  for (const w of warnings ?? []) logger.warn({ against, rule }, w);
  const noRows = (why: string) =>
    uncompared(
      `leaves the gate no row that neither model trained on (${why}), so no comparison would be fair; pass --gate-dates with days neither trained on`,
      { maxAucDrop: gate.maxAucDrop, passed: false, on, rows: 0, rule, checks: [] },
      warnings,
    );
  if (plan.source.dates.length === 0) return noRows(plan.leftOut!);
  logger.info({ against, rows: on, rule }, `promotion gate: scoring the new model and latest (${against}) on ${on}`);
  const bytes = inputBytes((await findPartitions(plan.source)).flatMap((p) => p.files));
  const opened: OpenedModel[] = [];
  try {
    opened.push(await openModel(newDir, 'the new model', { inputBytes: bytes }));
    try {
      opened.push(await openModel(join(modelRoot, 'latest'), 'latest', { inputBytes: bytes }));
    } catch (err) {
      return uncompared(`cannot be opened to compare with (${err instanceof MmoeError ? err.message : `${(err as Error)?.message ?? String(err)}`})`);
    }
    const [model, baseline] = opened as [OpenedModel, OpenedModel];
    let run;
    try {
      run = await runEval(
        {
          model,
          baseline,
          source: plan.source,
          maxBadRows: gate.maxBadRows,
          threshold: 0.5,
          gates: false,
          signal: limits.signal,
          memoryBudget: limits.memoryBudget,
          overBudgetAdvice: 'pass --gate-dates with fewer rows, or raise --memory-budget',
          ...(plan.rows ? { rows: plan.rows } : {}),
        },
        logger,
      );
    } catch (err) {
      if (err instanceof MemoryBudgetError)
        return {
          status: 'refused',
          reason: `the promotion gate cannot score ${on} within the memory budget (${err.message}); promote the new model by hand if it should serve`,
          against,
          gate: { maxAucDrop: gate.maxAucDrop, passed: false, on, rows: 0, rule, checks: [] },
          ...(warnings ? { warnings } : {}),
          decidedAt: decidedAt(),
        };
      if (!(err instanceof BaselineDataError)) throw err;
      return uncompared(`cannot score the gate's rows (${err.message})`);
    }
    if (run.rows === 0) return noRows(`${on}: no row is both`);
    const r = aucGate(run.report, run.baseline!.report, gate.maxAucDrop);
    const result = { maxAucDrop: gate.maxAucDrop, passed: r.passed, on, rows: run.rows, rule, checks: r.checks };
    const lines = comparisonLines(result, against);
    const reason = r.passed
      ? `passed the promotion gate (max AUC drop ${gate.maxAucDrop}) against ${against} on ${run.rows} rows`
      : r.checks.length === 0
        ? `refused: latest (${against}) has no binary task, so max-auc-drop has nothing to compare`
        : `refused by the promotion gate (max AUC drop ${gate.maxAucDrop}) against ${against} on ${run.rows} rows`;
    for (const line of lines) logger.info(line);
    return { status: r.passed ? 'promoted' : 'refused', reason, against, gate: result, ...(warnings ? { warnings } : {}), decidedAt: decidedAt() };
  } finally {
    for (const m of opened) await m.close();
  }
}

/**
 * The gate's rows by the new model's rule: `--gate-dates` (days it does not train on), else the
 * validation day, else the hold-out of the training days. judgeModel then leaves out what latest
 * trained on (gate-rows.ts).
 */
export function gateRowsFor(cfg: Config, source: DataSource, gateDates: string[] | undefined): GateRows {
  if (!cfg.tasks.some((t) => t.type === 'binary'))
    throw new UsageError('the promotion gate compares AUCs, and the config has no binary task; drop --gate / publish.gate');
  if (gateDates) {
    const trained = gateDates.filter((d) => source.dates.includes(d));
    if (trained.length)
      throw new UsageError(`--gate-dates ${trained.join(', ')}: the new model trains on these days, which would favour it; compare on days it does not train on`);
    return { source: { ...source, dates: gateDates } };
  }
  const validDate = cfg.training.validation.date;
  if (validDate) return { source: { ...source, dates: [validDate] } };
  const { validRatio } = cfg.training.validation;
  if (validRatio <= 0)
    throw new UsageError('the promotion gate has no rows to compare on: training.validation.validRatio is 0 and there is no validation date; set one, or pass --gate-dates');
  return { source, holdout: { validRatio, seed: cfg.training.seed } };
}
