// A scoring thread of ScoringPool: opens the model directory like the main thread does (backend,
// weights, folded tables) and answers score requests until it is terminated.
import { parentPort, workerData } from 'node:worker_threads';
import { selectBackend } from '../backend.js';
import { gatePartial } from '../metrics/gate.js';
import { scoreNow } from './batch-scorer.js';
import { openModel } from './model-dir.js';
import { toFailure } from '../util/thread-failure.js';
import type { WorkerInit, WorkerReply, WorkerRequest } from './scoring-pool.js';

const port = parentPort!;
const init = workerData as WorkerInit;
const reply = (m: WorkerReply, transfer: ArrayBuffer[] = []): void => port.postMessage(m, transfer);

try {
  await selectBackend(init.backend);
  const opened = await openModel(init.modelDir, '--model', { foldBudgetMib: init.foldBudgetMib, threads: 0, weightsChecked: true });
  const scorer = opened.inThread!;
  const noLabels = new Float32Array(0);
  port.on('message', (m: WorkerRequest) => {
    try {
      const s = scoreNow(scorer, { size: m.size, cat: m.cat, num: m.num, labels: noLabels, weights: null }, m.gates);
      // Gate statistics here, not in the main thread (which reads meanwhile): a few sums per gate travel, not the weights.
      const gateStats = Object.fromEntries(Object.entries(s.gates).map(([k, g]) => [k, gatePartial(g.weights, g.experts)]));
      const buffers = new Set(Object.values(s.scores).map((a) => a.buffer as ArrayBuffer));
      reply({ type: 'scored', id: m.id, scores: s.scores, gates: {}, gateStats }, [...buffers]);
    } catch (err) {
      reply({ type: 'failed', id: m.id, failure: toFailure(err) });
    }
  });
  reply({ type: 'ready', scoring: opened.info.scoring, spec: JSON.stringify(opened.spec) });
} catch (err) {
  reply({ type: 'failed', id: -1, failure: toFailure(err) });
}
