import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { selectBackend } from '../../src/backend.js';
import { ScoringPool } from '../../src/scoring/scoring-pool.js';
import { gatePartial } from '../../src/metrics/gate.js';
import { openModel } from '../../src/scoring/model-dir.js';
import { syntheticBatch } from '../model/fixtures.js';
import { saveUntrained, TINY_CONFIG } from '../eval/fixtures.js';

const root = mkdtempSync(join(tmpdir(), 'mmoe-pool-'));
const dir = join(root, 'model');
before(async () => {
  // wasm: scoring threads exist for wasm (one compute thread per tfjs instance); TensorFlow has threads of its own.
  await selectBackend('wasm');
  await saveUntrained(dir, TINY_CONFIG);
});
after(() => rmSync(root, { recursive: true, force: true }));

test('a pool scores like the main thread, in any order of completion, and takes batches before it is ready', async () => {
  const here = await openModel(dir, '--model', { threads: 0 });
  const pool = ScoringPool.start({ modelDir: dir, threads: 2, backend: 'wasm', foldBudgetMib: 512 });
  try {
    const batches = [5, 300, 1, 77].map((n, i) => syntheticBatch(here.spec, n, i));
    const pending = batches.map((b) => pool.score(b, true));
    const info = await pool.ready;
    assert.equal(info.engine, 'folded');
    const got = await Promise.all(pending);
    for (const [i, b] of batches.entries()) {
      const want = await here.scorer.score(b, true);
      assert.deepEqual(got[i]!.scores, want.scores, `batch ${i}`);
      // Gate statistics travel instead of the weights, computed the same way.
      assert.deepEqual(got[i]!.gates, {});
      const stats = Object.fromEntries(Object.entries(want.gates).map(([k, g]) => [k, gatePartial(g.weights, g.experts)]));
      assert.ok(Object.keys(stats).length > 0);
      assert.deepEqual(got[i]!.gateStats, stats, `batch ${i} gates`);
    }
  } finally {
    await pool.close();
    await here.close();
  }
  await assert.rejects(pool.score(syntheticBatch(here.spec, 2, 9), false), /closed/);
});

test('a worker that cannot open the model fails ready and every pending batch with the reason', async () => {
  const pool = ScoringPool.start({ modelDir: join(root, 'missing'), threads: 1, backend: 'wasm', foldBudgetMib: 512 });
  try {
    const here = await openModel(dir, '--model', { threads: 0 });
    const pending = pool.score(syntheticBatch(here.spec, 3, 1), false);
    await here.close();
    await assert.rejects(pool.ready, (e: Error) => e.name === 'UsageError' && /no such directory/.test(e.message));
    await assert.rejects(pending, /no such directory/);
    // A batch sent after the failure is refused at once, not queued on the dead worker.
    await assert.rejects(pool.score(syntheticBatch(here.spec, 3, 2), false), /no such directory/);
  } finally {
    await pool.close();
  }
});

test('a worker whose model has another feature spec than the caller\'s fails ready', async () => {
  const here = await openModel(dir, '--model', { threads: 0 });
  await here.close();
  const other = { ...here.spec, categorical: here.spec.categorical.map((c, i) => (i === 0 ? { ...c, buckets: c.buckets + 1 } : c)) };
  const pool = ScoringPool.start({ modelDir: dir, threads: 1, backend: 'wasm', foldBudgetMib: 512, spec: other });
  try {
    await assert.rejects(pool.ready, /another feature spec/);
  } finally {
    await pool.close();
  }
});
