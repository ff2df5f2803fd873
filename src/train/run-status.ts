// Every `mmoe train` that got past its flags leaves a record for monitoring, whatever its end:
// status.json in the model root and, with --metrics-file or --pushgateway, the same as Prometheus
// gauges, all saying the exit code the process ends with (a push that fails is a warning in
// status.json: it never fails a run). Written
// under the root's lock (the run's own, or taken for the purpose, waiting a moment for a promote or
// rollback that holds it); a run refused by the lock writes nothing, since the run holding it will.
import { join, resolve } from 'node:path';
import { InterruptedError, LockedError, MmoeError, QualityGateError, ExitCode, WriteError } from '../errors.js';
import { acquireLockWithin } from '../model-root/lock.js';
import { writeMetricsFile } from '../model-root/metrics-file.js';
import { type PushTarget, pushMetrics } from '../model-root/pushgateway.js';
import { type RunRecord, readStatus, type Status, STATUS_FILE, statusWith, writeStatus } from '../model-root/status.js';
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
 * Writes status.json and the metrics file, then pushes the same gauges. A file that cannot be
 * written after a run that succeeded fails the run (exit 1; `failed` gives the record of that
 * ending), and every record must then say exit 1: a file written before the failure is rewritten,
 * and the push comes last, once the exit code is final. An operator alerting on the Pushgateway
 * (`mmoe_last_run_exit_code != 0`) never sees 0 for a run that exited 1, which pushing first and
 * again on failure would risk (the second push can fail); a push that fails changes no exit code,
 * only adds a warning to status.json.
 */
async function writeRecords(opts: RecordOptions, scope: RunScope, record: RunRecord, failed: (err: unknown) => RunRecord | undefined): Promise<void> {
  if (!scope.lock) {
    const waitMs = opts.lockWaitMs ?? STATUS_LOCK_WAIT_MS;
    scope.lock = await acquireLockWithin(opts.modelRoot, `mmoe train ${opts.curDate} (status)`, waitMs);
    // Held all that time: another train, whose record will be the newer one.
    if (!scope.lock) throw new Error(`another run held the lock of ${opts.modelRoot} for ${waitMs / 1000} s, so this run's record was not written (that run writes its own)`);
  }
  const before = readStatus(opts.modelRoot);
  const status = (r: RunRecord) => statusWith(opts.modelRoot, r, before);
  const files: { name: string; write: (s: Status) => Promise<void> | void }[] = [{ name: join(opts.modelRoot, STATUS_FILE), write: (s) => writeStatus(opts.modelRoot, s) }];
  if (opts.metricsFile) files.push({ name: opts.metricsFile, write: (s) => writeMetricsFile(opts.metricsFile!, s) });
  let final = record;
  let failure: unknown;
  const saidBefore: typeof files = []; // written with `record`: to be rewritten if a later one fails
  for (const f of files) {
    try {
      await f.write(status(final));
      if (final === record) saidBefore.push(f);
    } catch (err) {
      if (failure !== undefined) {
        opts.warn(`${f.name} could not be written either: ${(err as Error)?.message ?? String(err)}`);
        continue;
      }
      failure = err;
      final = failed(err) ?? record;
    }
  }
  if (final !== record)
    for (const f of saidBefore) {
      try {
        await f.write(status(final));
      } catch (again) {
        opts.warn(`${f.name} still says exit ${record.exitCode}: it could not be rewritten (${(again as Error)?.message ?? String(again)})`);
      }
    }
  if (opts.push) {
    try {
      await pushMetrics(opts.push, status(final));
    } catch (err) {
      const warning = `could not push the metrics to the Pushgateway ${opts.push.url}: ${(err as Error)?.message ?? String(err)}`;
      opts.warn(warning);
      // status.json is written first, so while `record` still stood: written iff it is in saidBefore.
      if (saidBefore[0] === files[0]) {
        try {
          writeStatus(opts.modelRoot, status({ ...final, warnings: [...final.warnings, warning] }));
        } catch (again) {
          opts.warn(`${STATUS_FILE} does not list that warning: it could not be rewritten (${(again as Error)?.message ?? String(again)})`);
        }
      }
    }
  }
  if (failure !== undefined) throw failure;
}

/** The failure to record a run whose model was published: exit 1 never hides that the model serves. */
function publishedAnyway(err: unknown, outcome: TrainOutcome): WriteError {
  const message = (err as Error)?.message ?? String(err);
  const where = outcome.promotion.status === 'promoted' ? `latest points at ${outcome.modelDir}` : `${outcome.modelDir} is kept (${outcome.promotion.status})`;
  return new WriteError(`${message}; the run itself succeeded and its model was published all the same: ${where}`, { cause: err });
}

/**
 * Runs `run`, records how it ended, releases the model root's lock, then returns or throws as the
 * run ended: as `run` did, or with exit 1 when its record could not be written. The caller ends
 * the run log (and releases the run directory's lock) after this, so its last line says so too.
 */
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
  // A run that succeeded fails when its status or metrics file cannot be written: exit 1, its model published.
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
  }
  if (error !== undefined) throw error;
  return outcome!;
}
