// `<root>/status.json`: what monitoring reads about the nightly job without parsing logs — the last
// attempt (successful or not: exit code, reason, dates, durations, rows, metrics, promoted or
// refused), the last success, and which models latest and previous point at. Written atomically
// under the root's lock by every `mmoe train` that got past its flags; promote and rollback
// refresh the links.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { writeFileAtomic } from '../util/atomic-file.js';
import { latestName, readLink } from './links.js';

export const STATUS_FILE = 'status.json';

/** One run of `mmoe train`. */
export interface RunRecord {
  command: string;
  curDate: string;
  /** The training days, when the run got as far as knowing them. */
  dates: string[] | null;
  startedAt: string;
  finishedAt: string;
  durationSeconds: number;
  exitCode: number;
  /** not-promoted: exit 0, the model is kept, but latest serves a newer day's model (a rerun or backfill). */
  outcome: 'promoted' | 'refused' | 'not-promoted' | 'failed' | 'interrupted';
  /** Why it ended as it did: what was published, or the error's message. */
  reason: string;
  /** The model directory the run made (promoted or refused). */
  modelDir: string | null;
  rows: { read: number; train: number; valid: number; bad: number } | null;
  timings: { readSeconds: number; trainSeconds: number; totalSeconds: number } | null;
  /** Best-epoch validation metrics per task. */
  metrics: Record<string, Record<string, number | null>> | null;
  /** The promotion gate's comparison, when one ran. */
  gate: { maxAucDrop: number; passed: boolean; on: string; rows: number; rule: unknown; against: string | null; checks: unknown[] } | null;
  /** What retention deleted and what it could not (each also a warning); null when it did not run. */
  retention: { deleted: { models: string[]; logs: string[] }; failed: { path: string; error: string }[] } | null;
  /** What the operator should know although the run did not fail (also logged as warnings). */
  warnings: string[];
}

export interface Status {
  format: 'mmoe-status';
  version: 1;
  modelRoot: string;
  updatedAt: string;
  latest: string | null;
  previous: string | null;
  lastAttempt: RunRecord | null;
  /** The last run that promoted its model (exit 0): how fresh what serves is. */
  lastSuccess: RunRecord | null;
}

export function readStatus(root: string): Status | undefined {
  try {
    const s = JSON.parse(readFileSync(join(root, STATUS_FILE), 'utf8')) as Status;
    return s.format === 'mmoe-status' ? s : undefined;
  } catch {
    return undefined; // none yet, or unreadable: the next write starts afresh
  }
}

function withLinks(root: string, s: Pick<Status, 'lastAttempt' | 'lastSuccess'>): Status {
  return {
    format: 'mmoe-status',
    version: 1,
    modelRoot: resolve(root),
    updatedAt: new Date().toISOString(),
    latest: latestName(root) ?? null,
    previous: readLink(root, 'previous') ?? null,
    lastAttempt: s.lastAttempt,
    lastSuccess: s.lastSuccess,
  };
}

/**
 * The status with `attempt` as the last attempt (and the last success when it promoted its model;
 * a backfill that exits 0 without serving leaves it); `before` is the status the run found.
 */
export function statusWith(root: string, attempt: RunRecord, before: Status | undefined = readStatus(root)): Status {
  return withLinks(root, {
    lastAttempt: attempt,
    lastSuccess: attempt.exitCode === 0 && attempt.outcome === 'promoted' ? attempt : (before?.lastSuccess ?? null),
  });
}

/** Writes a status. Call it holding the root's lock. */
export function writeStatus(root: string, status: Status): void {
  writeFileAtomic(join(root, STATUS_FILE), `${JSON.stringify(status, null, 2)}\n`);
}

/** After promote or rollback: the same status with latest and previous as they are now. */
export function refreshLinks(root: string): void {
  writeStatus(root, withLinks(root, readStatus(root) ?? { lastAttempt: null, lastSuccess: null }));
}
