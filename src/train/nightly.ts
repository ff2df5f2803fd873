// The nightly run around one training job: wait for late data, take the model root's lock, train,
// judge and publish, delete old models and logs beyond the retention, and turn a model the
// promotion gate refused into exit 4 with the per-task comparison. The lock is held for everything
// that changes the root; the caller sees it in `scope` (the status file is written under it too).
import { type DataSource, findPartitions } from '../data/partitions.js';
import { waitForPartitions } from '../data/wait-for-data.js';
import { QualityGateError } from '../errors.js';
import { acquireLock, type Lock } from '../model-root/lock.js';
import { type Pruned, pruneLogs, pruneModels, type RetentionFailure } from '../model-root/retention.js';
import type { LogFile, Logger } from '../logger.js';
import { comparisonLines } from './promotion-gate.js';
import { runTrainJob, type TrainDeps, type TrainJob, type TrainOutcome } from './train-job.js';
import { checkModelRoot } from './publish.js';

/** What a run holds while it runs: the caller releases it. */
export interface RunScope {
  lock?: Lock;
  /** The lock in the run's log directory: retention (of this or another job) leaves it alone. */
  runLock?: Lock;
  /** The run's directory and its mmoe.log, ended once the run's record is written (its exit code final). */
  runLog?: { dir: string; file: LogFile };
  /** What the job produced, also when the gate refused it. */
  outcome?: TrainOutcome;
  /** What the operator should know about a run that did not fail (status.json's `warnings`). */
  warnings: string[];
  /** What retention deleted, and what it could not (status.json's `retention`). */
  retention?: Retention;
  /**
   * The run could not use the model root (create it, write its lock, or take the lock from another
   * run): it did nothing, so its run directory goes too (the error is on stderr).
   */
  rootRefused?: boolean;
}

export interface Retention {
  deleted: { models: string[]; logs: string[] };
  failed: RetentionFailure[];
}

export interface NightlyJob extends TrainJob {
  /** --log-dir: where the run directories are (retention of logs). */
  logRoot: string;
  /** Retention after a run that trained: model and run directories kept (absent: all). */
  keepModels?: number;
  keepLogs?: number;
  /** --wait-for-data: how long to wait for missing partitions before failing (ms). */
  waitForDataMs?: number;
}

/** Every partition the run reads: the training days, the validation day, the gate's days. */
function neededData(job: NightlyJob): DataSource[] {
  const validDate = job.config.training.validation.date;
  return [job.source, ...(validDate ? [{ ...job.source, dates: [validDate] }] : []), ...(job.gate ? [job.gate.rows.source] : [])];
}

/** Housekeeping: what it cannot delete is a warning (log, status, gauge), never a failed night. */
function applyRetention(job: NightlyJob, outcome: TrainOutcome, logger: Logger, warnings: string[]): Retention {
  const none: Pruned = { deleted: [], failed: [] };
  const attempt = (root: string, prune: () => Pruned): Pruned => {
    try {
      return prune();
    } catch (err) {
      return { deleted: [], failed: [{ path: root, error: (err as Error)?.message ?? String(err) }] };
    }
  };
  const models = job.keepModels ? attempt(job.modelRoot, () => pruneModels(job.modelRoot, job.keepModels!, outcome.modelDir)) : none;
  const logs = job.keepLogs ? attempt(job.logRoot, () => pruneLogs(job.logRoot, job.keepLogs!)) : none;
  const deleted = { models: models.deleted, logs: logs.deleted };
  if (deleted.models.length + deleted.logs.length)
    logger.info(deleted, `retention: deleted model directories [${deleted.models.join(', ')}] and run directories [${deleted.logs.join(', ')}]`);
  const failed = [...models.failed, ...logs.failed];
  for (const f of failed) {
    const warning = `retention could not delete ${f.path}: ${f.error}; delete it by hand once what prevents it is fixed`;
    logger.warn(f, warning);
    warnings.push(warning);
  }
  return { deleted, failed };
}

export async function runNightly(job: NightlyJob, deps: TrainDeps, scope: RunScope): Promise<TrainOutcome> {
  const ofRoot = <T>(step: () => T): T => {
    try {
      return step();
    } catch (err) {
      scope.rootRefused = true;
      throw err;
    }
  };
  ofRoot(() => checkModelRoot(job.modelRoot));
  // Waiting holds no lock: an operator can still promote or roll back meanwhile.
  if (job.waitForDataMs) await waitForPartitions(neededData(job), { timeoutMs: job.waitForDataMs, logger: deps.logger, signal: deps.signal });
  if (job.gate) await findPartitions(job.gate.rows.source); // missing gate days fail now, not after training
  scope.lock = ofRoot(() => acquireLock(job.modelRoot, `mmoe train ${job.curDate}`));
  const outcome = await runTrainJob(job, deps);
  scope.outcome = outcome;
  // Retention runs after a refused model too: refused models take disk like any other.
  if (job.keepModels || job.keepLogs) scope.retention = applyRetention(job, outcome, deps.logger, scope.warnings);
  const p = outcome.promotion;
  scope.warnings.push(...(p.warnings ?? []));
  if (p.status === 'not-promoted') {
    const warning = `${p.reason}; the model is kept in ${outcome.modelDir}: mmoe promote ${outcome.modelDir} serves it deliberately`;
    deps.logger.warn({ modelDir: outcome.modelDir, latest: p.against }, warning);
    scope.warnings.push(warning);
  }
  if (p.status === 'refused') {
    const lines = p.gate && p.against ? comparisonLines(p.gate, p.against) : [];
    throw new QualityGateError(
      `${p.reason}; latest still points at ${p.against}, the refused model is kept in ${outcome.modelDir} (mmoe promote ${outcome.modelDir} serves it anyway)` +
        (lines.length ? `:\n  ${lines.join('\n  ')}` : ''),
    );
  }
  return outcome;
}
