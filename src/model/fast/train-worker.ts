// A training thread: attaches to the shared memory and embedding tables, then runs its part of
// every step the main thread publishes (shard.ts) until told to stop. It loads no tfjs.
import { receiveMessageOnPort, workerData } from 'node:worker_threads';
import { osThreadId } from './os-threads.js';
import { EmbeddingTables } from '../embeddings.js';
import { SparseOptimizer } from '../sparse-optimizer.js';
import { runPhases, ShardRunner } from './shard.js';
import { COMMAND_STOP, StepSync } from './step-sync.js';
import type { TableMessage, WorkerInit } from './fast-trainer.js';

const init = workerData as WorkerInit;
const sync = new StepSync(init.memory.buffer, init.plan.control, init.plan.threads.length);
init.osThreads[init.thread] = osThreadId();
let runner: ShardRunner;
try {
  runner = new ShardRunner({
    plan: init.plan,
    thread: init.thread,
    memory: init.memory,
    tables: new EmbeddingTables(init.layout, init.slotsPerWeight, null, { stores: init.stores }),
    tasks: init.tasks,
    dims: init.dims,
    denseOptimizer: init.denseOptimizer,
    sparse: new SparseOptimizer(init.sparseOptimizer, 0),
    kernels: init.kernels,
    // The main thread posts a table before publishing the first step that names it.
    tableFor: (version) => {
      for (;;) {
        const m = receiveMessageOnPort(init.tablePort)?.message as TableMessage | undefined;
        if (!m) throw new Error(`table ${version} of the training rows did not arrive`);
        if (m.version === version) return m.columns;
      }
    },
  });
} catch (err) {
  // Said through the shared memory at once: the main thread waits for the threads to be ready.
  sync.fail(init.thread, err);
  sync.ready();
  throw err;
}
let seen = sync.generation;
sync.ready();
for (;;) {
  if (sync.next(seen) === COMMAND_STOP) break;
  seen++;
  runPhases(runner, init.thread, sync, sync.params());
}
