import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Batch } from '../../src/data/batch.js';
import { type BatchScorer, finiteScores, InOrder, type Scored, withHelpingCaller } from '../../src/scoring/batch-scorer.js';
import { ModelError } from '../../src/errors.js';
import type { Scorer } from '../../src/model/folded-scorer.js';

const batch = (size: number): Batch => ({ size, cat: new Int32Array(size), num: new Float32Array(0), labels: new Float32Array(size), weights: null });
const scored = (tag: number, size: number): Scored => ({ scores: { t: new Float32Array(size).fill(tag) }, gates: {} });

test('the calling thread scores a batch only when every worker already has enough waiting', async () => {
  const pending: (() => void)[] = [];
  let inFlight = 0;
  const pool: BatchScorer & { inFlight: number } = {
    threads: 2,
    get inFlight() {
      return inFlight;
    },
    score: (b) => {
      inFlight++;
      return new Promise<Scored>((resolve) => pending.push(() => (inFlight--, resolve(scored(1, b.size)))));
    },
    close: async () => {},
  };
  let built = 0;
  const local: Scorer = { spec: { tasks: [] } as never, predict: (b) => scored(2, b.size).scores, predictWithGates: (b) => scored(2, b.size) };
  const s = withHelpingCaller(pool, () => (built++, local), 2);
  assert.equal(s.threads, 2);
  const results = [1, 2, 3, 4, 5, 6].map((n) => s.score(batch(n), false));
  assert.equal(built, 1, 'the local scorer is built on first use, once');
  assert.equal(inFlight, 4, 'two per worker went to the pool');
  for (const release of pending.splice(0)) release();
  const tags = (await Promise.all(results)).map((r) => r.scores.t![0]);
  assert.deepEqual(tags, [1, 1, 1, 1, 2, 2]);
  assert.equal(inFlight, 0);
  // With room in the pool again, batches go there.
  const next = s.score(batch(1), false);
  assert.equal(inFlight, 1);
  pending.shift()!();
  assert.equal((await next).scores.t![0], 1);
});

test('InOrder uses results in the order they were pushed, keeps at most `window` pending, and surfaces a failure', async () => {
  const used: number[] = [];
  const q = new InOrder<number>(2, (v) => {
    used.push(v);
  });
  const resolvers: ((v: number) => void)[] = [];
  const later = (): Promise<number> => new Promise((resolve) => resolvers.push(resolve));
  await q.push(later());
  await q.push(later());
  const third = q.push(later()); // over the window: waits for the first
  resolvers[1]!(2);
  resolvers[2]!(3);
  assert.deepEqual(used, []);
  resolvers[0]!(1);
  await third;
  assert.deepEqual(used, [1]);
  await q.drain();
  assert.deepEqual(used, [1, 2, 3]);
  await q.push(Promise.reject(new Error('scoring failed')));
  await assert.rejects(q.drain(), /scoring failed/);
});

test('finiteScores passes finite scores through and refuses a NaN or infinite one, naming the model', async () => {
  let next = 0.5;
  const inner: BatchScorer = { threads: 0, score: async (b) => ({ scores: { ctr: new Float32Array(b.size).fill(next) }, gates: {} }), close: async () => {} };
  const s = finiteScores(inner, 'models/20260102');
  assert.deepEqual([...(await s.score(batch(3), false)).scores.ctr!], [0.5, 0.5, 0.5]);
  for (const bad of [Number.NaN, Infinity]) {
    next = bad;
    await assert.rejects(s.score(batch(4), false), (e: Error) => {
      assert.ok(e instanceof ModelError);
      assert.match(e.message, new RegExp(`^models/20260102: the model scored a row ${bad} for task 'ctr' \\(row 1 of a batch of 4\\)`));
      return true;
    });
  }
});
