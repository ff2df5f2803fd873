// A scoring thread of ScoringPool: opens the model directory like the main thread does (backend,
// weights, folded tables) and answers score requests until it is terminated.
import { parentPort, workerData } from 'node:worker_threads';
import { selectBackend } from '../backend.js';
import { scoreNow } from './batch-scorer.js';
import { openModel } from './model-dir.js';
import { toFailure, type WorkerInit, type WorkerReply, type WorkerRequest } from './scoring-pool.js';

const port = parentPort!;
const init = workerData as WorkerInit;
const reply = (m: WorkerReply, transfer: ArrayBuffer[] = []): void => port.postMessage(m, transfer);

try {
  await selectBackend(init.backend);
  const opened = await openModel(init.modelDir, '--model', { foldBudgetMib: init.foldBudgetMib, threads: 0 });
  const scorer = opened.inThread!;
  const noLabels = new Float32Array(0);
  port.on('message', (m: WorkerRequest) => {
    try {
      const s = scoreNow(scorer, { size: m.size, cat: m.cat, num: m.num, labels: noLabels, weights: null }, m.gates);
      const buffers = new Set<ArrayBuffer>();
      for (const a of [...Object.values(s.scores), ...Object.values(s.gates).map((g) => g.weights)]) buffers.add(a.buffer as ArrayBuffer);
      reply({ type: 'scored', id: m.id, scores: s.scores, gates: s.gates }, [...buffers]);
    } catch (err) {
      reply({ type: 'failed', id: m.id, failure: toFailure(err) });
    }
  });
  reply({ type: 'ready', scoring: opened.info.scoring });
} catch (err) {
  reply({ type: 'failed', id: -1, failure: toFailure(err) });
}
