// How many threads a training run uses: `training.threads`, with `auto` resolved from the run's
// size, since starting worker threads costs more than a short run wins back, and from the cores
// this process may use (a container's CPU quota included: util/cpus.ts).
import { beyondCores, plural, type ThreadChoice, type UsableCores } from '../util/cpus.js';

/** Below this many steps a run does not win back the start of the worker threads (0.1 to 0.2 s each). */
export const AUTO_MIN_STEPS = 200;
/** Shards smaller than this spend more on synchronisation than on arithmetic. */
const MIN_ROWS_PER_THREAD = 64;

export function trainingThreads(setting: 'auto' | number, work: { rows: number; batchSize: number; epochs: number }, usable: UsableCores): ThreadChoice {
  if (setting !== 'auto') return { threads: setting, message: `threads ${setting} (as set; ${usable.reason})` };
  const steps = Math.ceil(work.rows / work.batchSize) * work.epochs;
  if (steps < AUTO_MIN_STEPS) return { threads: 1, message: `threads auto: 1 (${plural(steps, 'step')}, fewer than ${AUTO_MIN_STEPS}, do not pay for starting threads; ${usable.reason})` };
  const byBatch = Math.max(1, Math.floor(work.batchSize / MIN_ROWS_PER_THREAD));
  if (byBatch < usable.cores)
    return { threads: byBatch, message: `threads auto: ${byBatch} (shards of at least ${MIN_ROWS_PER_THREAD} rows of a batch of ${work.batchSize}; ${usable.reason})` };
  return { threads: usable.cores, message: `threads auto: ${usable.cores} (${usable.reason})` };
}

/**
 * The warning for a thread count set above the usable cores, or null: every step waits at its
 * barriers for the slowest thread, and a thread waiting for a core holds up all the others.
 */
export function oversubscribed(setting: 'auto' | number, usable: UsableCores): string | null {
  const beyond = beyondCores(setting, usable, '--threads or training.threads');
  return beyond && `${beyond}: every training step waits at its barriers for the slowest thread, so threads beyond the cores slow training down; --threads auto uses ${usable.cores}`;
}
