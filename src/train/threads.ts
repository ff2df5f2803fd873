// How many threads a training run uses: `training.threads`, with `auto` resolved from the run's
// size, since starting worker threads costs more than a short run wins back.
import { availableParallelism } from 'node:os';

/** Below this many steps a run does not win back the start of the worker threads (0.1 to 0.2 s each). */
export const AUTO_MIN_STEPS = 200;
/** Shards smaller than this spend more on synchronisation than on arithmetic. */
const MIN_ROWS_PER_THREAD = 64;

export function trainingThreads(setting: 'auto' | number, work: { rows: number; batchSize: number; epochs: number }, cores = availableParallelism()): number {
  if (setting !== 'auto') return setting;
  const steps = Math.ceil(work.rows / work.batchSize) * work.epochs;
  if (steps < AUTO_MIN_STEPS) return 1;
  return Math.max(1, Math.min(cores, Math.floor(work.batchSize / MIN_ROWS_PER_THREAD)));
}
