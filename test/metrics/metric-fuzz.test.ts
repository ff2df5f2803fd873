// Property test of every metric loop (sort, AUC, group AUC, ROC, precision-recall and operating
// points, DeLong's interval, calibration bins, histogram, log loss, threshold metrics, ranks,
// correlations, regression, accumulator, gate sums) on random inputs with NaN, +-Infinity, ties,
// one class and zero weights: each must end with a defined result. The cases run in a worker thread so a loop that never ends fails here instead of hanging.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { fuzzCase } from './fuzz-cases.js';

const CASES = 600;
// A watchdog that names the case that spins, not a timing check: the cases take about 5 s on a
// loaded 2-core machine; below the time limit of the file (scripts/run-tests.js, scripts/mutate.mjs).
const LIMIT_MS = 60_000;

function runCases(from: number, to: number): Promise<{ failures: string[]; hung?: number }> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./fuzz-worker.js', import.meta.url), { workerData: { from, to } });
    const failures: string[] = [];
    let current = -1;
    const timer = setTimeout(() => {
      void worker.terminate();
      resolve({ failures, hung: current });
    }, LIMIT_MS);
    worker.on('message', (m: { type: string; seed?: number; message?: string }) => {
      if (m.type === 'start') current = m.seed!;
      else if (m.type === 'failed') failures.push(m.message!);
      else {
        clearTimeout(timer);
        void worker.terminate();
        resolve({ failures });
      }
    });
    worker.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

test(`${CASES} random hostile inputs: every metric loop ends with a defined result`, async () => {
  const { failures, hung } = await runCases(0, CASES);
  assert.equal(hung, undefined, `case seed ${hung} did not finish within ${LIMIT_MS / 1000} s (a metric loop spins)`);
  assert.deepEqual(failures.slice(0, 5), []);
});

test('the cases cover what they claim: NaN, infinities, ties and single-class inputs all occur', () => {
  let nan = 0;
  let inf = 0;
  let single = 0;
  for (let seed = 0; seed < CASES; seed++) {
    const c = fuzzCase(seed);
    const s = Array.from(c.scores);
    if (s.some((v) => v !== v)) nan++;
    if (s.some((v) => v === Infinity) && s.some((v) => v === -Infinity)) inf++;
    if (c.labels.length > 1 && new Set(Array.from(c.labels, (l) => l > 0.5)).size === 1) single++;
  }
  assert.ok(nan > 60 && inf > 15 && single > 60, `nan ${nan}, both infinities ${inf}, single class ${single}`);
});

test('a 10-row score list with one NaN (the issue 10 reproduction) ends: ROC empty, AUC undefined', async () => {
  const { failures, hung } = await runCases(-1, 0);
  assert.equal(hung, undefined, 'the ROC of 10 scores with one NaN did not finish');
  assert.deepEqual(failures, []);
});
