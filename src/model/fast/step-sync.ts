// How the training threads hand a step to each other, through a few words of the shared memory:
// the main thread publishes a step (its parameters, then a new generation number), every thread
// works on its shard, and barriers separate the phases of a step. Atomics only: no messages per
// step, so a step costs two or three wake-ups, not a round trip through the event loop.
import { toFailure, type WorkerFailure } from '../../util/thread-failure.js';

/** Int32 words of the control block. */
const GENERATION = 0;
const ARRIVED = 1;
const BARRIER = 2;
const COMMAND = 3;
const ROWS = 4;
const FAILED = 5;
const READY = 6;
/** Float64 step parameters start at this byte offset of the control block. */
const PARAMS_BYTE = 64;
/** The step's first failure (WorkerFailure as JSON, UTF-8, length-prefixed) starts here. */
const MESSAGE_BYTE = 128;
/** Bytes of the control block (plan.ts reserves them). */
export const CONTROL_BYTES = 1024;

export const COMMAND_STEP = 1;
export const COMMAND_STOP = 2;

/** A step's parameters, as every thread reads them. */
export interface StepParams {
  /** Rows of the whole batch. */
  rows: number;
  /** Dense optimizer step size (Adam: with bias correction) and the embedding optimizer's rate. */
  denseStep: number;
  sparseRate: number;
  /** The embedding optimizer's step count once this step is applied. */
  sparseSteps: number;
  clipNorm: number;
  /**
   * 0: the batch area holds the batch. Else the version of the table the threads copy their
   * shards' rows from, by the row indices in the batch area (fast-trainer.ts attaches tables).
   */
  table: number;
}

/** Waits longer than any step could take mean that a thread is gone. */
const STALL_MS = 600_000;
/** Polls before sleeping: a barrier is often only microseconds away. */
const SPINS = 2000;

export class StepSync {
  /**
   * Main thread: asked once a second while a wait has not ended; a message means a thread that
   * will never arrive (it is gone), and the wait throws it instead of waiting out STALL_MS.
   */
  watch: (() => string | null) | null = null;
  private readonly i32: Int32Array;
  private readonly f64: Float64Array;
  private readonly message: Uint8Array;

  constructor(
    buffer: ArrayBufferLike,
    at: number,
    readonly threads: number,
  ) {
    this.i32 = new Int32Array(buffer, at, PARAMS_BYTE / 4);
    this.f64 = new Float64Array(buffer, at + PARAMS_BYTE, 8);
    this.message = new Uint8Array(buffer, at + MESSAGE_BYTE, CONTROL_BYTES - MESSAGE_BYTE);
  }

  /** Main thread: publishes a step (which starts with no failure) or a stop to the workers. */
  publish(command: number, p?: StepParams): void {
    Atomics.store(this.i32, FAILED, 0);
    if (p) {
      Atomics.store(this.i32, ROWS, p.rows);
      this.f64.set([p.denseStep, p.sparseRate, p.sparseSteps, p.clipNorm, p.table]);
    }
    Atomics.store(this.i32, COMMAND, command);
    Atomics.add(this.i32, GENERATION, 1);
    Atomics.notify(this.i32, GENERATION);
  }

  /** Worker: waits for the generation after `seen`; returns the command. */
  next(seen: number): number {
    this.waitWhile(GENERATION, seen);
    return Atomics.load(this.i32, COMMAND);
  }

  get generation(): number {
    return Atomics.load(this.i32, GENERATION);
  }

  params(): StepParams {
    const [denseStep, sparseRate, sparseSteps, clipNorm, table] = this.f64;
    return { rows: Atomics.load(this.i32, ROWS), denseStep: denseStep!, sparseRate: sparseRate!, sparseSteps: sparseSteps!, clipNorm: clipNorm!, table: table! };
  }

  /** Every thread calls it; returns once all `threads` have. */
  barrier(): void {
    const gen = Atomics.load(this.i32, BARRIER);
    if (Atomics.add(this.i32, ARRIVED, 1) === this.threads - 1) {
      Atomics.store(this.i32, ARRIVED, 0);
      Atomics.add(this.i32, BARRIER, 1);
      Atomics.notify(this.i32, BARRIER);
      return;
    }
    this.waitWhile(BARRIER, gen);
  }

  /**
   * A thread records that it failed and why (typed: a DataError stays one on the main thread);
   * the step still completes its barriers. The step's first failure is kept.
   */
  fail(thread: number, err: unknown): void {
    if (Atomics.compareExchange(this.i32, FAILED, 0, thread + 1) !== 0) return;
    const f = toFailure(err);
    const encode = (keep: number) => new TextEncoder().encode(JSON.stringify({ ...f, message: f.message.slice(0, keep), location: f.location && { ...f.location, value: f.location.value?.slice(0, keep) } }));
    // Too long for the control block: the message and the value shortened, the JSON kept whole.
    let keep = f.message.length;
    let text = encode(keep);
    while (text.length > this.message.length - 4) text = encode((keep = Math.floor(keep / 2)));
    new DataView(this.message.buffer, this.message.byteOffset).setInt32(0, text.length, true);
    this.message.set(text, 4);
  }

  /** The first failure of the current step: the thread and what it threw, or null. */
  failure(): { thread: number; failure: WorkerFailure } | null {
    const t = Atomics.load(this.i32, FAILED) - 1;
    if (t < 0) return null;
    const n = new DataView(this.message.buffer, this.message.byteOffset).getInt32(0, true);
    return { thread: t, failure: JSON.parse(new TextDecoder().decode(this.message.slice(4, 4 + n))) as WorkerFailure };
  }

  /** Worker: counts itself ready. Main: waits until every worker is. */
  ready(): void {
    Atomics.add(this.i32, READY, 1);
    Atomics.notify(this.i32, READY);
  }

  waitReady(workers: number, timeoutMs: number): boolean {
    const until = performance.now() + timeoutMs;
    for (;;) {
      const n = Atomics.load(this.i32, READY);
      if (n >= workers) return true;
      const left = until - performance.now();
      if (left <= 0) return false;
      Atomics.wait(this.i32, READY, n, left);
    }
  }

  private waitWhile(word: number, value: number): void {
    for (let i = 0; i < SPINS; i++) if (Atomics.load(this.i32, word) !== value) return;
    const until = performance.now() + STALL_MS;
    while (Atomics.load(this.i32, word) === value) {
      if (Atomics.wait(this.i32, word, value, 1000) !== 'timed-out') continue;
      const gone = this.watch?.();
      if (gone) throw new Error(gone);
      if (performance.now() > until) throw new Error(`a training thread stopped responding (no progress for ${STALL_MS / 1000} s)`);
    }
  }
}
