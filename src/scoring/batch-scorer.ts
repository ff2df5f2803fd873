// Scoring as a promise, so eval and predict can keep reading while batches are scored: in this
// thread (the result is computed before score() returns) or by a pool of worker threads
// (scoring-pool.ts). Either way results come back in the order asked for by whoever awaits them.
import type { Batch } from '../data/batch.js';
import { ModelError } from '../errors.js';
import type { Scorer } from '../model/folded-scorer.js';
import type { GatePartial } from '../metrics/gate.js';
import type { GateMatrix } from '../model/multi-task-model.js';

export interface Scored {
  scores: Record<string, Float32Array>;
  /** Gate softmaxes by gate key; {} when not asked for or the model has no gates. */
  gates: Record<string, GateMatrix>;
  /** Instead of `gates` (from scoring threads): each gate's statistics of the batch, computed where it was scored. */
  gateStats?: Record<string, GatePartial>;
}

export interface BatchScorer {
  /** Threads scoring besides the caller's (0: scoring runs in the caller's thread). */
  readonly threads: number;
  /** Scores `batch`; its arrays may be reused by the caller as soon as this returns. */
  score(batch: Batch, gates: boolean): Promise<Scored>;
  close(): Promise<void>;
}

export function scoreNow(scorer: Scorer, batch: Batch, gates: boolean): Scored {
  return gates ? scorer.predictWithGates(batch) : { scores: scorer.predict(batch), gates: {} };
}

/** scoreNow as a settled promise (an exception becomes a rejection). */
function scoreHere(scorer: Scorer, batch: Batch, gates: boolean): Promise<Scored> {
  try {
    return Promise.resolve(scoreNow(scorer, batch, gates));
  } catch (err) {
    return Promise.reject(err);
  }
}

/** Scores in the calling thread. */
export function inProcess(scorer: Scorer): BatchScorer {
  return { threads: 0, score: (batch, gates) => scoreHere(scorer, batch, gates), close: async () => {} };
}

/**
 * Scoring threads helped by the calling thread: a batch goes to the pool unless every worker
 * already has `perWorker` batches waiting, in which case the caller scores it itself (with
 * `local()`, built on first use). The caller reads faster than one scoring thread scores, so it
 * would otherwise sit waiting; this way the load balances itself over all cores. Both paths run
 * the same code on the same weights, so results do not depend on which one scored a batch.
 */
export function withHelpingCaller(pool: BatchScorer & { readonly inFlight: number }, local: () => Scorer, perWorker = 4): BatchScorer {
  let here: Scorer | undefined;
  return {
    threads: pool.threads,
    score(batch, gates) {
      if (pool.inFlight < pool.threads * perWorker) return pool.score(batch, gates);
      try {
        here ??= local();
      } catch (err) {
        return Promise.reject(err);
      }
      return scoreHere(here, batch, gates);
    },
    close: () => pool.close(),
  };
}

/**
 * Refuses a model whose scores are NaN or infinite: eval would compute nothing meaningful and
 * predict would write NaN rows. The weights were checked when the model was opened, so this is
 * an input that drives a sound model out of range; `modelDir` is named.
 */
export function finiteScores(scorer: BatchScorer, modelDir: string): BatchScorer {
  const check = (s: Scored, rows: number): Scored => {
    for (const [task, scores] of Object.entries(s.scores))
      for (let i = 0; i < rows; i++) {
        const v = scores[i]!;
        if (v - v !== 0)
          throw new ModelError(
            `the model scored a row ${v} for task '${task}' (row ${i + 1} of a batch of ${rows}); its weights are finite, so an input drives it out of range (e.g. a numeric far outside its training statistics): its scores cannot be used`,
            { file: modelDir },
          );
      }
    return s;
  };
  return {
    threads: scorer.threads,
    score: (batch, gates) => scorer.score(batch, gates).then((s) => check(s, batch.size)),
    close: () => scorer.close(),
  };
}

/**
 * Results used in the order they were asked for, with at most `window` still pending: the caller
 * goes on reading while they are computed (by scoring threads, or already, in this thread).
 */
export class InOrder<T> {
  private readonly pending: Promise<T>[] = [];
  /** Milliseconds spent waiting for results. */
  waitMs = 0;

  constructor(
    private readonly window: number,
    private readonly use: (v: T) => void | Promise<void>,
  ) {}

  async push(p: Promise<T>): Promise<void> {
    p.catch(() => {}); // awaited in order below; until then a failure must not count as unhandled
    this.pending.push(p);
    while (this.pending.length > this.window) await this.next();
  }

  /** Uses every pending result. */
  async drain(): Promise<void> {
    while (this.pending.length > 0) await this.next();
  }

  private async next(): Promise<void> {
    const t = performance.now();
    const v = await this.pending.shift()!;
    this.waitMs += performance.now() - t;
    await this.use(v);
  }
}

const NO_CAT = new Int32Array(0);
const NO_NUM = new Float32Array(0);

/** What accumulating a scored batch reads (size, labels, weights), in arrays of its own; no features. */
export function labelsOf(b: Batch): Batch {
  return { size: b.size, cat: NO_CAT, num: NO_NUM, labels: b.labels.slice(), weights: b.weights ? b.weights.slice() : null };
}
