import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { selectBackend } from '../../../src/backend.js';
import type { FeatureSpec } from '../../../src/data/feature-spec.js';
import { EncodedTable } from '../../../src/data/encoded-table.js';
import { deviation } from '../../../src/model/fast/probe.js';
import { buildModel, type ModelState, type OptimizerState } from '../../../src/model/index.js';
import { syntheticBatch, tinyModel, tinySpec, tinyTraining } from '../fixtures.js';

before(async () => {
  await selectBackend('wasm');
});

const spec = tinySpec();
/** Batch sizes include one smaller than the thread count (a thread with no rows) and odd splits. */
const SIZES = [64, 37, 1, 3, 64, 50];

function train(s: FeatureSpec, threads: number, training: Record<string, unknown>, type: 'mmoe' | 'ple' = 'mmoe'): { state: ModelState; opt: OptimizerState; losses: number[]; path: string } {
  const m = buildModel(s, tinyModel({ type, taskExperts: type === 'ple' ? 1 : 0 }), tinyTraining({ batchSize: 64, ...training }), 7, { threads });
  const losses = SIZES.map((n, i) => m.trainStep(syntheticBatch(s, n, 100 + i)).loss);
  const out = { state: m.getState(), opt: m.getOptimizerState(), losses, path: `${m.trainingPath?.kernels} x${m.trainingPath?.threads}` };
  m.dispose();
  return out;
}

for (const training of [{}, { uncertaintyWeighting: true, optimizer: { name: 'adagrad', clipNorm: 0.05, learningRate: 0.05 } }]) {
  test(`two threads train the same model twice, to the last bit, and one thread within float rounding of it ${JSON.stringify(training)}`, () => {
    const [a, b] = [train(spec, 2, training), train(spec, 2, training)];
    assert.equal(a.path, 'fast x2');
    assert.deepEqual(a.losses, b.losses);
    assert.deepEqual(a.state.dense, b.state.dense);
    assert.deepEqual(a.state.tables, b.state.tables);
    assert.deepEqual(a.state.logVariances, b.state.logVariances);
    assert.deepEqual(a.opt, b.opt);
    const one = train(spec, 1, training);
    assert.equal(one.path, 'fast x1');
    one.state.dense.forEach((w, i) => assert.ok(deviation(w, a.state.dense[i]!) < 1e-4, `weight ${i}: ${deviation(w, a.state.dense[i]!)}`));
    for (const [k, t] of one.state.tables) assert.ok(deviation(t, a.state.tables.get(k)!) < 1e-4, `table ${k}`);
    assert.ok(deviation(one.losses, a.losses) < 1e-5);
  });
}

test('three threads (more than the cores of a small machine) with PLE and row weights', () => {
  const s = { ...spec, rowWeight: 'w' };
  const run = (threads: number) => {
    const m = buildModel(s, tinyModel({ type: 'ple', taskExperts: 1 }), tinyTraining({ batchSize: 64 }), 7, { threads });
    for (const [i, n] of SIZES.entries()) {
      const b = syntheticBatch(s, n, 200 + i);
      b.weights = Float32Array.from({ length: n }, (_, r) => (r % 4) / 3);
      m.trainStep(b);
    }
    const st = m.getState();
    assert.equal(m.trainingPath?.threads, threads);
    m.dispose();
    return st;
  };
  const [one, three] = [run(1), run(3)];
  one.dense.forEach((w, i) => assert.ok(deviation(w, three.dense[i]!) < 1e-4, `weight ${i}`));
  for (const [k, t] of one.tables) assert.ok(deviation(t, three.tables.get(k)!) < 1e-4, `table ${k}`);
});

test('a checkpoint with two threads: restoring it puts back every row either thread changed, the weights and the optimizer state, bit for bit', () => {
  const m = buildModel(spec, tinyModel({ type: 'mmoe' }), tinyTraining({ batchSize: 64 }), 7, { threads: 2 });
  for (const [i, n] of SIZES.entries()) m.trainStep(syntheticBatch(spec, n, 300 + i));
  assert.equal(m.trainingPath?.threads, 2);
  m.checkpoint();
  const [state, opt] = [m.getState(), m.getOptimizerState()];
  for (const [i, n] of SIZES.entries()) m.trainStep(syntheticBatch(spec, n, 400 + i));
  assert.notDeepEqual(m.getState().tables, state.tables);
  m.restoreCheckpoint();
  assert.deepEqual(m.getState(), state);
  assert.deepEqual(m.getOptimizerState(), opt);
  // Training goes on from the checkpoint as a model that never left it.
  const twin = buildModel(spec, tinyModel({ type: 'mmoe' }), tinyTraining({ batchSize: 64 }), 7, { threads: 2 });
  for (const [i, n] of SIZES.entries()) twin.trainStep(syntheticBatch(spec, n, 300 + i));
  for (const model of [m, twin]) model.trainStep(syntheticBatch(spec, 64, 500));
  assert.deepEqual(m.getState(), twin.getState());
  m.dropCheckpoint();
  m.dispose();
  twin.dispose();
});

test('batches drawn from a table (each thread copies its own rows) train the same model, to the last bit, as the same rows handed over as arrays, through table growth and a checkpoint', () => {
  const s = { ...spec, rowWeight: 'w' };
  const run = (threads: number, fromTable: boolean, shared: boolean) => {
    const rows = new EncodedTable(s.categorical.length, 2, s.tasks.length, true, 8, { shared });
    const m = buildModel(s, tinyModel({ type: 'mmoe' }), tinyTraining({ batchSize: 64 }), 7, { threads });
    for (const [i, n] of SIZES.entries()) {
      // The table grows between steps (as read-ahead appends while the first epoch trains): its arrays change.
      const fresh = syntheticBatch(s, n, 600 + i);
      fresh.weights = Float32Array.from({ length: n }, (_, r) => (r % 4) / 3);
      for (let r = 0; r < n; r++) rows.appendRow(fresh, r);
      if (i === 3) m.checkpoint();
      for (const b of rows.batches(64, i)) m.trainStep(fromTable ? b : { size: b.size, cat: b.cat.slice(), num: b.num.slice(), labels: b.labels.slice(), weights: b.weights!.slice() });
    }
    const out = { state: m.getState(), path: `${m.trainingPath?.kernels} x${m.trainingPath?.threads}` };
    m.restoreCheckpoint();
    const restored = m.getState();
    m.dispose();
    return { ...out, restored };
  };
  for (const threads of [1, 2]) {
    const arrays = run(threads, false, true);
    assert.equal(arrays.path, `fast x${threads}`);
    for (const shared of [true, false]) {
      const fromTable = run(threads, true, shared);
      assert.deepEqual(fromTable.state, arrays.state, `threads ${threads}, shared ${shared}`);
      assert.deepEqual(fromTable.restored, arrays.restored, `checkpoint, threads ${threads}, shared ${shared}`);
    }
  }
});

test('a training thread that fails to start: the fast path is given up at once with the thread\'s error, and the process lives on', () => {
  // In a child process: before the fix the main thread waited the 60 s start timeout, then the
  // worker's unhandled 'error' event crashed the process with a stack trace.
  const url = (p: string) => JSON.stringify(new URL(p, import.meta.url).href);
  const script = `
    const { selectBackend } = await import(${url('../../../src/backend.js')});
    const { buildModel } = await import(${url('../../../src/model/index.js')});
    const { chooseTrainingPath } = await import(${url('../../../src/model/fast/probe.js')});
    const { SparseOptimizer } = await import(${url('../../../src/model/sparse-optimizer.js')});
    const { syntheticBatch, tinyModel, tinySpec, tinyTraining } = await import(${url('../fixtures.js')});
    await selectBackend('wasm');
    const spec = tinySpec();
    const m = buildModel(spec, tinyModel({ type: 'mmoe' }), tinyTraining(), 7, { threads: 2 });
    // The worker is handed no table storage: its EmbeddingTables throws while the thread starts.
    const tables = new Proxy(m.tables, { get: (t, k) => (k === 'stores' ? () => [] : typeof t[k] === 'function' ? t[k].bind(t) : t[k]) });
    const parts = { net: m.net, spec, layout: m.layout, tables, training: m.training, logVariances: null, sparse: new SparseOptimizer('adam', 0.01), threads: 2, batchRows: 64 };
    const chosen = chooseTrainingPath(parts, syntheticBatch(spec, 32), (b) => m.referenceGradients(b));
    await new Promise((r) => setTimeout(r, 500));
    m.dispose();
    console.log(JSON.stringify(chosen.path));
  `;
  // A file, not --eval: workers inherit --input-type, which a worker's file refuses.
  const dir = mkdtempSync(join(tmpdir(), 'mmoe-thread-start-'));
  writeFileSync(join(dir, 'child.mjs'), script);
  const r = spawnSync(process.execPath, [join(dir, 'child.mjs')], { encoding: 'utf8', timeout: 20_000 });
  rmSync(dir, { recursive: true, force: true });
  assert.equal(r.signal, null, 'the child finished within 20 s');
  assert.equal(r.status, 0, r.stderr);
  const path = JSON.parse(r.stdout.trim().split('\n').pop()!);
  assert.equal(path.kernels, 'tfjs');
  assert.match(path.reason, /training thread 1 did not start: .*Cannot read properties of null/);
});

test('a training thread that dies in the middle of a run: the next step fails within seconds naming the thread, not after the 600 s stall limit', { skip: process.platform !== 'linux' && 'the OS thread check reads /proc' }, () => {
  // In a child process: before the fix the main thread waited in Atomics.wait for 600 s.
  const url = (p: string) => JSON.stringify(new URL(p, import.meta.url).href);
  const script = `
    const { selectBackend } = await import(${url('../../../src/backend.js')});
    const { buildModel } = await import(${url('../../../src/model/index.js')});
    const { syntheticBatch, tinyModel, tinySpec, tinyTraining } = await import(${url('../fixtures.js')});
    await selectBackend('wasm');
    const spec = tinySpec();
    const m = buildModel(spec, tinyModel({ type: 'mmoe' }), tinyTraining({ batchSize: 64 }), 7, { threads: 2 });
    m.trainStep(syntheticBatch(spec, 64, 1));
    if (m.trainingPath.kernels !== 'fast' || m.trainingPath.threads !== 2) throw new Error('not on the fast path with 2 threads: ' + JSON.stringify(m.trainingPath));
    // The thread is stopped from outside, as the OS would end it (out of memory): it runs no code of ours on the way out.
    const worker = m.fast.workers[0];
    await new Promise((resolve) => { worker.once('exit', resolve); void worker.terminate(); });
    const t0 = performance.now();
    let message = 'no error';
    try { m.trainStep(syntheticBatch(spec, 64, 2)); } catch (err) { message = err.message; }
    console.log(JSON.stringify({ message, seconds: (performance.now() - t0) / 1000 }));
    m.dispose();
  `;
  const dir = mkdtempSync(join(tmpdir(), 'mmoe-thread-gone-'));
  writeFileSync(join(dir, 'child.mjs'), script);
  const r = spawnSync(process.execPath, [join(dir, 'child.mjs')], { encoding: 'utf8', timeout: 30_000 });
  rmSync(dir, { recursive: true, force: true });
  assert.equal(r.signal, null, `the child finished within 30 s: ${r.stderr}`);
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout.trim().split('\n').pop()!);
  assert.match(out.message, /^training thread 1 ended in the middle of a step/);
  assert.ok(out.seconds < 5, `${out.seconds} s`);
});
