// Worker side of metric-fuzz.test.ts: checks cases [from, to) and reports each start, so the test
// can name the case that never finished.
import { parentPort, workerData } from 'node:worker_threads';
import { checkCase, fuzzCase } from './fuzz-cases.js';

const { from, to } = workerData as { from: number; to: number };
for (let seed = from; seed < to; seed++) {
  parentPort!.postMessage({ type: 'start', seed });
  try {
    checkCase(fuzzCase(seed));
  } catch (err) {
    parentPort!.postMessage({ type: 'failed', seed, message: (err as Error).message });
  }
}
parentPort!.postMessage({ type: 'done' });
