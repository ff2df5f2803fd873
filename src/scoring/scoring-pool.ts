// Scoring in worker threads: each worker opens the model directory itself (its own tfjs backend,
// weights and folded tables) and scores the batches it is sent, while the main thread goes on
// reading, parsing and encoding. On the 2-core machine of docs/benchmarks.md, reading and scoring
// then overlap instead of taking turns. Batches go to the worker with the fewest in flight;
// callers await results in the order they asked.
import { Worker } from 'node:worker_threads';
import type { BackendName } from '../backend.js';
import type { Batch } from '../data/batch.js';
import type { FeatureSpec } from '../data/feature-spec.js';
import { ScoringThreadError } from '../errors.js';
import { fromFailure as threadFailure, type WorkerFailure } from '../util/thread-failure.js';
import type { BatchScorer, Scored } from './batch-scorer.js';
import type { ScoringInfo } from './scoring-info.js';

export interface PoolOptions {
  modelDir: string;
  threads: number;
  backend: BackendName;
  foldBudgetMib: number;
  /** The feature spec the caller encodes rows with: a worker that opens another model fails. */
  spec?: FeatureSpec;
}

/** What a worker is started with. */
export interface WorkerInit {
  modelDir: string;
  backend: BackendName;
  foldBudgetMib: number;
}

export type WorkerReply =
  | { type: 'ready'; scoring: ScoringInfo; spec: string }
  | ({ type: 'scored'; id: number } & Scored)
  | { type: 'failed'; id: number; failure: WorkerFailure };

export type WorkerRequest = { type: 'score'; id: number; size: number; cat: Int32Array; num: Float32Array; gates: boolean };

function fromFailure(f: WorkerFailure): Error {
  return threadFailure(f, (message) => new ScoringThreadError(`scoring thread: ${message}`));
}

interface Pending {
  resolve(s: Scored): void;
  reject(e: Error): void;
}

interface Slot {
  worker: Worker;
  inFlight: Map<number, Pending>;
  /** Why the worker can no longer score; every later batch is refused with it. */
  failed?: Error;
}

export class ScoringPool implements BatchScorer {
  private nextId = 0;

  private constructor(
    private readonly slots: Slot[],
    /** How the workers score, once all have opened the model (worker 0's report; all open the same directory with the same options). */
    readonly ready: Promise<ScoringInfo>,
    private readonly state: { closed: boolean },
  ) {}

  get threads(): number {
    return this.slots.length;
  }

  /** Batches sent and not yet answered. */
  get inFlight(): number {
    return this.slots.reduce((n, s) => n + s.inFlight.size, 0);
  }

  /**
   * Starts `threads` workers. Batches can be sent at once (they wait in the workers' queues while
   * the workers load the model, so reading starts meanwhile); `ready` says when all have opened it.
   */
  static start(o: PoolOptions): ScoringPool {
    const init: WorkerInit = { modelDir: o.modelDir, backend: o.backend, foldBudgetMib: o.foldBudgetMib };
    const state = { closed: false };
    const slots: Slot[] = [];
    const ready: Promise<ScoringInfo>[] = [];
    for (let i = 0; i < o.threads; i++) {
      const worker = new Worker(new URL('./scoring-worker.js', import.meta.url), { workerData: init });
      const slot: Slot = { worker, inFlight: new Map() };
      slots.push(slot);
      const expected = o.spec ? JSON.stringify(o.spec) : undefined;
      ready.push(new Promise<ScoringInfo>((resolve, reject) => listen(slot, state, expected, resolve, reject)));
    }
    const pool = new ScoringPool(slots, Promise.all(ready).then((infos) => infos[0]!), state);
    pool.ready.catch(() => {}); // reported to whoever awaits it, and through every pending score
    return pool;
  }

  score(batch: Batch, gates: boolean): Promise<Scored> {
    if (this.state.closed) return Promise.reject(new ScoringThreadError('scoring pool is closed'));
    // One failed worker fails the run: its batches could not be scored, and results must be complete.
    const dead = this.slots.find((s) => s.failed);
    if (dead) return Promise.reject(dead.failed!);
    const slot = this.slots.reduce((a, b) => (b.inFlight.size < a.inFlight.size ? b : a));
    const id = this.nextId++;
    // Copies: the caller reuses its buffers, and the copies are moved, not cloned, to the worker.
    const cat = batch.cat.slice();
    const num = batch.num.slice();
    return new Promise<Scored>((resolve, reject) => {
      slot.inFlight.set(id, { resolve, reject });
      const msg: WorkerRequest = { type: 'score', id, size: batch.size, cat, num, gates };
      slot.worker.postMessage(msg, [cat.buffer, num.buffer]);
    });
  }

  async close(): Promise<void> {
    if (this.state.closed) return;
    this.state.closed = true;
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }
}

/** One set of listeners per worker, for its whole life: the ready handshake, then results. */
function listen(slot: Slot, state: { closed: boolean }, expectedSpec: string | undefined, ready: (s: ScoringInfo) => void, notReady: (e: Error) => void): void {
  let started = false;
  const fail = (e: Error): void => {
    slot.failed ??= e;
    if (!started) notReady(e);
    for (const p of slot.inFlight.values()) p.reject(e);
    slot.inFlight.clear();
  };
  slot.worker.on('message', (m: WorkerReply) => {
    if (m.type === 'ready') {
      if (expectedSpec !== undefined && m.spec !== expectedSpec)
        return fail(new ScoringThreadError('a scoring thread opened a model with another feature spec than this thread (was the model directory replaced meanwhile?)'));
      started = true;
      ready(m.scoring);
      return;
    }
    if (m.type === 'failed' && m.id < 0) return fail(fromFailure(m.failure));
    const p = slot.inFlight.get(m.id);
    if (!p) return;
    slot.inFlight.delete(m.id);
    if (m.type === 'scored') p.resolve({ scores: m.scores, gates: m.gates, gateStats: m.gateStats });
    else p.reject(fromFailure(m.failure));
  });
  slot.worker.on('error', (e) => fail(new ScoringThreadError(`scoring thread failed: ${e.message}`)));
  slot.worker.on('exit', (code) => {
    if (!state.closed) fail(new ScoringThreadError(`scoring thread exited unexpectedly (code ${code})`));
  });
}
