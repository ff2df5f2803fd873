// Waiting for the partitions a run needs (`mmoe train --wait-for-data 2h`): a producer that is
// late should delay the nightly job, not fail it. Polls until every day is there (with its
// _SUCCESS marker under --require-success) or the deadline passes, then fails naming what is
// missing. Logs while it waits; an interrupt (Ctrl-C) ends the wait at once.
import { setTimeout as sleep } from 'node:timers/promises';
import { DataError, InterruptedError } from '../errors.js';
import type { Logger } from '../logger.js';
import { type DataSource, findPartitions } from './partitions.js';

export interface WaitOptions {
  /** How long to wait in all. */
  timeoutMs: number;
  /** Between two looks (default: a thirtieth of the wait, between 1 s and 1 min). */
  pollMs?: number;
  logger: Logger;
  signal?: AbortSignal;
  now?: () => number;
}

/** `90s`, `1h30m` ...: a readable form of a duration for messages. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return ms === 0 ? '0s' : `${ms}ms`;
  const parts: string[] = [];
  let s = Math.round(ms / 1000);
  for (const [unit, size] of [['d', 86400], ['h', 3600], ['m', 60], ['s', 1]] as const) {
    if (s >= size) {
      parts.push(`${Math.floor(s / size)}${unit}`);
      s %= size;
    }
  }
  return parts.join('');
}

/** What is missing now, or null when every partition of every source is there. */
async function missing(sources: DataSource[]): Promise<string | null> {
  try {
    for (const s of sources) await findPartitions(s);
    return null;
  } catch (err) {
    if (err instanceof DataError) return err.message;
    throw err;
  }
}

/** Resolves once every partition is there; throws DataError (exit 3) at the deadline, InterruptedError on abort. */
export async function waitForPartitions(sources: DataSource[], opts: WaitOptions): Promise<void> {
  const now = opts.now ?? Date.now;
  const start = now();
  const pollMs = opts.pollMs ?? Math.min(60_000, Math.max(1000, Math.round(opts.timeoutMs / 30)));
  let said: string | null = null;
  let lastLog = start;
  for (;;) {
    const gap = await missing(sources);
    if (gap === null) {
      if (said !== null) opts.logger.info({ waitedSeconds: (now() - start) / 1000 }, `the data is there after ${formatDuration(Math.floor((now() - start) / 1000) * 1000)}`);
      return;
    }
    const waited = now() - start;
    if (waited >= opts.timeoutMs)
      throw new DataError(`waited ${formatDuration(opts.timeoutMs)} (--wait-for-data) and the data is still missing: ${gap}`);
    // Said when it starts, when what is missing changes, and every ten minutes meanwhile.
    if (gap !== said || now() - lastLog >= 600_000) {
      opts.logger.info({ missing: gap, waitedSeconds: waited / 1000, deadlineSeconds: opts.timeoutMs / 1000 }, `waiting for the data (${formatDuration(Math.floor(waited / 1000) * 1000)} of ${formatDuration(opts.timeoutMs)}): ${gap}`);
      said = gap;
      lastLog = now();
    }
    try {
      await sleep(Math.min(pollMs, opts.timeoutMs - waited), undefined, { signal: opts.signal });
    } catch (err) {
      if (opts.signal?.aborted) throw new InterruptedError('interrupted while waiting for the data; nothing was read or published');
      throw err;
    }
  }
}
