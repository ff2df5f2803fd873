// Every `mmoe train` that got past its flags leaves a record for monitoring, whatever its end:
// status.json in the model root and, with --metrics-file or --pushgateway, the same as Prometheus
// gauges (a push that fails is a warning in status.json: it never fails a run). Written
// under the root's lock (the run's own, or taken for the purpose, waiting a moment for a promote or
// rollback that holds it); a run refused by the lock writes nothing, since the run holding it will.
import { resolve } from 'node:path';
import { InterruptedError, LockedError, MmoeError, QualityGateError, ExitCode, WriteError } from '../errors.js';
import { acquireLockWithin } from '../model-root/lock.js';
import { writeMetricsFile } from '../model-root/metrics-file.js';
import { type PushTarget, pushMetrics } from '../model-root/pushgateway.js';
import { type RunRecord, readStatus, statusWith, writeStatus } from '../model-root/status.js';
import type { RunScope } from './nightly.js';
import type { TrainOutcome } from './train-job.js';

export interface RecordOptions {
  modelRoot: string;
  metricsFile?: string;
  /** --pushgateway (and --metrics-instance). */
  push?: PushTarget;
  curDate: string;
  dates: string[];
  /** Says that the status could not be written after the run had failed for its own reason. */
  warn: (message: string) => void;
  /** How long a run that failed before taking the root's lock waits for it to write its record (ms). */
  lockWaitMs?: number;
}

/** promote and rollback hold the lock while they load a model: seconds, a minute for a very large one. */
export const STATUS_LOCK_WAIT_MS = 60_000;

/** The parts of metadata.json a status record carries (see train-job.ts). */
interface Published {
  data?: { rowsRead?: number; badRows?: { total?: number } };
  rows?: { train?: number; valid?: number };
  timings?: RunRecord['timings'];
  bestValidation?: RunRecord['metrics'];
}

function outcomeOf(error: unknown, promotion: TrainOutcome['promotion'] | undefined): RunRecord['outcome'] {
  if (error === undefined) return promotion?.status === 'not-promoted' ? 'not-promoted' : 'promoted';
  if (error instanceof QualityGateError) return 'refused';
  if (error instanceof InterruptedError) return 'interrupted';
  return 'failed';
}

export function runRecord(opts: RecordOptions, started: Date, finished: Date, outcome: TrainOutcome | undefined, error: unknown, scope: Pick<RunScope, 'warnings' | 'retention'> = { warnings: [] }): RunRecord {
  const m = (outcome?.metadata ?? {}) as Published;
  const p = outcome?.promotion;
  return {
    command: 'train',
    curDate: opts.curDate,
    dates: opts.dates,
    startedAt: started.toISOString(),
    finishedAt: finished.toISOString(),
    durationSeconds: (finished.getTime() - started.getTime()) / 1000,
    exitCode: error === undefined ? ExitCode.ok : error instanceof MmoeError ? error.exitCode : ExitCode.unexpected,
    outcome: outcomeOf(error, p),
    reason: error === undefined ? (p?.reason ?? 'published') : ((error as Error)?.message ?? String(error)),
    modelDir: outcome ? resolve(outcome.modelDir) : null,
    rows: outcome
      ? { read: m.data?.rowsRead ?? 0, train: m.rows?.train ?? 0, valid: m.rows?.valid ?? 0, bad: m.data?.badRows?.total ?? 0 }
      : null,
    timings: m.timings ?? null,
    metrics: m.bestValidation ?? null,
    gate: p?.gate ? { ...p.gate, against: p.against } : null,
    retention: scope.retention ?? null,
    warnings: [...scope.warnings],
  };
}

/**
 * Writes status.json, then the metrics file. A metrics file that fails after status.json said
 * exit 0 fails the run (exit 1): `failed` gives the record of that ending, and status.json is
 * rewritten with it, so it never says otherwise than the process exits with.
 */
async function writeRecords(opts: RecordOptions, scope: RunScope, record: RunRecord, failed: (err: unknown) => RunRecord | undefined): Promise<void> {
  if (!scope.lock) {
    const waitMs = opts.lockWaitMs ?? STATUS_LOCK_WAIT_MS;
    scope.lock = await acquireLockWithin(opts.modelRoot, `mmoe train ${opts.curDate} (status)`, waitMs);
    // Held all that time: another train, whose record will be the newer one.
    if (!scope.lock) throw new Error(`another run held the lock of ${opts.modelRoot} for ${waitMs / 1000} s, so this run's record was not written (that run writes its own)`);
  }
  const before = readStatus(opts.modelRoot);
  let status = statusWith(opts.modelRoot, record, before);
  if (opts.push) {
    try {
      await pushMetrics(opts.push, status);
    } catch (err) {
      const warning = `could not push the metrics to the Pushgateway ${opts.push.url}: ${(err as Error)?.message ?? String(err)}`;
      opts.warn(warning);
      status = statusWith(opts.modelRoot, { ...record, warnings: [...record.warnings, warning] }, before);
    }
  }
  writeStatus(opts.modelRoot, status);
  if (!opts.metricsFile) return;
  try {
    await writeMetricsFile(opts.metricsFile, status);
  } catch (err) {
    const ending = failed(err);
    if (ending) {
      try {
        writeStatus(opts.modelRoot, statusWith(opts.modelRoot, { ...ending, warnings: status.lastAttempt?.warnings ?? ending.warnings }, before));
      } catch (again) {
        opts.warn(`status.json still says exit ${record.exitCode}: it could not be rewritten (${(again as Error)?.message ?? String(again)})`);
      }
    }
    throw err;
  }
}

/** Runs `run`, records how it ended, releases the run's locks, then returns or throws as `run` did. */
/** The failure to record a run whose model was published: exit 1 never hides that the model serves. */
function publishedAnyway(err: unknown, outcome: TrainOutcome): WriteError {
  const message = (err as Error)?.message ?? String(err);
  const where = outcome.promotion.status === 'promoted' ? `latest points at ${outcome.modelDir}` : `${outcome.modelDir} is kept (${outcome.promotion.status})`;
  return new WriteError(`${message}; the run itself succeeded and its model was published all the same: ${where}`, { cause: err });
}

export async function recordRun(opts: RecordOptions, scope: RunScope, run: () => Promise<TrainOutcome>): Promise<TrainOutcome> {
  const started = new Date();
  let outcome: TrainOutcome | undefined;
  let error: unknown;
  try {
    outcome = await run();
  } catch (err) {
    error = err;
  }
  const finished = new Date();
  const record = runRecord(opts, started, finished, outcome ?? scope.outcome, error, scope);
  // A run that succeeded fails when its metrics file cannot be written: exit 1, its model published.
  const failedAfter = (err: unknown): RunRecord | undefined => {
    if (error !== undefined || !outcome) return undefined; // the run's own error is the one reported
    const failure = publishedAnyway(err, outcome);
    return { ...record, exitCode: failure.exitCode, reason: failure.message };
  };
  try {
    if (!(error instanceof LockedError)) await writeRecords(opts, scope, record, failedAfter);
  } catch (err) {
    // A status that cannot be written fails a run that had succeeded (exit 1, though its model is
    // published: the message says so); after a failure, the run's own error is the one to report.
    if (error === undefined) error = outcome ? publishedAnyway(err, outcome) : err;
    else opts.warn(`the status could not be written: ${(err as Error)?.message ?? String(err)}`);
  } finally {
    scope.lock?.release();
    scope.runLock?.release();
  }
  if (error !== undefined) throw error;
  return outcome!;
}
