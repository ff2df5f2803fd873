// The nightly run around one training job: take the model root's lock, train, judge and publish,
// and turn a model the promotion gate refused into exit 4 with the per-task comparison. The lock
// is held for everything that changes the root; the caller sees it in `scope` (the status file
// is written under it too).
import { QualityGateError } from '../errors.js';
import { acquireLock, type Lock } from '../model-root/lock.js';
import { comparisonLines } from './gate.js';
import { runTrainJob, type TrainDeps, type TrainJob, type TrainOutcome } from './train-job.js';
import { checkModelRoot } from './publish.js';

/** What a run holds while it runs: the caller releases it. */
export interface RunScope {
  lock?: Lock;
  /** What the job produced, also when the gate refused it. */
  outcome?: TrainOutcome;
}

export async function runNightly(job: TrainJob, deps: TrainDeps, scope: RunScope): Promise<TrainOutcome> {
  checkModelRoot(job.modelRoot);
  scope.lock = acquireLock(job.modelRoot, `mmoe train ${job.curDate}`);
  const outcome = await runTrainJob(job, deps);
  scope.outcome = outcome;
  const p = outcome.promotion;
  if (p.status === 'refused') {
    const lines = p.gate && p.against ? comparisonLines(p.gate, p.against) : [];
    throw new QualityGateError(
      `${p.reason}; latest still points at ${p.against}, the refused model is kept in ${outcome.modelDir} (mmoe promote ${outcome.modelDir} serves it anyway)` +
        (lines.length ? `:\n  ${lines.join('\n  ')}` : ''),
    );
  }
  return outcome;
}
