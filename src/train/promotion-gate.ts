// The promotion gate of `mmoe train --gate max-auc-drop=D`: the model just trained and the one
// `latest` points at are scored on the same rows by the eval machinery, and the new one may move
// `latest` only when no binary task's AUC drops by more than D (the rule of `mmoe eval
// --max-auc-drop`, quality-gate.ts: an AUC that cannot be computed refuses).
import { join } from 'node:path';
import type { Config } from '../config/schema.js';
import { heldOutRows } from '../data/holdout.js';
import { findPartitions, type DataSource } from '../data/partitions.js';
import { MmoeError, UsageError } from '../errors.js';
import { BaselineDataError, runEval } from '../eval/eval-job.js';
import { inputBytes, openModel, type OpenedModel } from '../eval/model-dir.js';
import { aucGate, type AucCheck } from '../eval/quality-gate.js';
import type { Logger } from '../logger.js';
import { latestName } from '../model-root/links.js';
import { readTrainedOn } from '../model-root/trained-on.js';

/** Which rows the two models are compared on. */
export interface GateRows {
  source: DataSource;
  /** Only the hold-out of these days (the rows the training runs held out), else every row. */
  holdout?: { validRatio: number; seed: number };
}

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
    /** What the rows were: dates, and whether only their hold-out. */
    on: string;
    rows: number;
    checks: AucCheck[];
  } | null;
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

function describeRows(rows: GateRows): string {
  const days = rows.source.dates.join(', ');
  return rows.holdout ? `the hold-out (validRatio ${rows.holdout.validRatio}, seed ${rows.holdout.seed}) of ${days}` : days;
}

/** The --cur-date latest's model was made for (its metadata, else its directory's name), if known. */
function curDateOf(modelRoot: string, name: string): string | undefined {
  const facts = readTrainedOn(join(modelRoot, name));
  return typeof facts === 'string' ? /^\d{8}/.exec(name)?.[0] : facts.curDate;
}

/**
 * Judges the model in `newDir` (not yet published), made for `curDate`, against `<modelRoot>/latest`.
 * A model for a day older than latest's (a rerun or a backfill) is never promoted automatically:
 * latest would move back in time. Without a gate, or without a latest model (the first night), it
 * passes. A current model that cannot be opened, or cannot read the gate's rows, cannot be
 * compared, so the new one is refused (promote it by hand with `mmoe promote`).
 */
export async function judgeModel(newDir: string, modelRoot: string, curDate: string, gate: GateJob | undefined, logger: Logger): Promise<Promotion> {
  const decidedAt = () => new Date().toISOString();
  const against = latestName(modelRoot) ?? null;
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
  const on = describeRows(gate.rows);
  logger.info({ against, rows: on }, `promotion gate: scoring the new model and latest (${against}) on ${on}`);
  const bytes = inputBytes((await findPartitions(gate.rows.source)).flatMap((p) => p.files));
  const opened: OpenedModel[] = [];
  try {
    opened.push(await openModel(newDir, 'the new model', { inputBytes: bytes }));
    // A current model that cannot be compared (damaged files of any kind, or a spec that needs a
    // column the data no longer has) refuses the new one, which is kept: never a lost model.
    const uncompared = (why: string): Promotion => ({
      status: 'refused',
      reason: `the current model ${join(modelRoot, against)} ${why}; promote the new model by hand if it should serve`,
      against,
      gate: null,
      decidedAt: decidedAt(),
    });
    try {
      opened.push(await openModel(join(modelRoot, 'latest'), 'latest', { inputBytes: bytes }));
    } catch (err) {
      return uncompared(`cannot be opened to compare with (${err instanceof MmoeError ? err.message : `${(err as Error)?.message ?? String(err)}`})`);
    }
    const [model, baseline] = opened as [OpenedModel, OpenedModel];
    const { holdout } = gate.rows;
    let run;
    try {
      run = await runEval(
        {
          model,
          baseline,
          source: gate.rows.source,
          maxBadRows: gate.maxBadRows,
          threshold: 0.5,
          gates: false,
          ...(holdout ? { rows: heldOutRows(holdout.seed, holdout.validRatio) } : {}),
        },
        logger,
      );
    } catch (err) {
      if (!(err instanceof BaselineDataError)) throw err;
      return uncompared(`cannot score the gate's rows (${err.message})`);
    }
    const r = aucGate(run.report, run.baseline!.report, gate.maxAucDrop);
    const result = { maxAucDrop: gate.maxAucDrop, passed: r.passed, on, rows: run.rows, checks: r.checks };
    const lines = comparisonLines(result, against);
    const reason = r.passed
      ? `passed the promotion gate (max AUC drop ${gate.maxAucDrop}) against ${against} on ${run.rows} rows`
      : r.checks.length === 0
        ? `refused: latest (${against}) has no binary task, so max-auc-drop has nothing to compare`
        : `refused by the promotion gate (max AUC drop ${gate.maxAucDrop}) against ${against} on ${run.rows} rows`;
    for (const line of lines) logger.info(line);
    return { status: r.passed ? 'promoted' : 'refused', reason, against, gate: result, decidedAt: decidedAt() };
  } finally {
    for (const m of opened) await m.close();
  }
}

/**
 * The gate's rows for a run: `--gate-dates` (days neither model trained on), else the validation
 * day, else the hold-out of the training days (which every run with the same seed held out, so
 * neither model trained on those rows either).
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
