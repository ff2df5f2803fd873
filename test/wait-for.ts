// Waiting on a condition instead of sleeping a guessed time: a loaded machine may need longer, an
// idle one returns at once. The file's time limit (scripts/run-tests.js) bounds a wait that never ends.
import { setTimeout as sleep } from 'node:timers/promises';

/** Resolves once `condition()` holds; rejects with `what` after `limitMs` (default 20 s). */
export async function waitFor(condition: () => boolean, what: string, limitMs = 20_000): Promise<void> {
  const end = performance.now() + limitMs;
  for (let pause = 1; !condition(); pause = Math.min(pause * 2, 100)) {
    if (performance.now() > end) throw new Error(`waited ${limitMs} ms for ${what}`);
    await sleep(pause);
  }
}
