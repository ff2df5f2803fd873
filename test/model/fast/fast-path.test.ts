import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { selectBackend } from '../../../src/backend.js';
import type { Batch } from '../../../src/data/batch.js';
import type { FastGradients } from '../../../src/model/fast/fast-trainer.js';
import { chooseTrainingPath, deviation, deviations } from '../../../src/model/fast/probe.js';
import { SparseOptimizer } from '../../../src/model/sparse-optimizer.js';
import { buildModel, type MultiTaskModel } from '../../../src/model/index.js';
import { CTR_TASKS, syntheticBatch, tinyModel, tinySpec, tinyTraining } from '../fixtures.js';

before(async () => {
  await selectBackend('wasm');
});

/** Float32 sums in another order: about 1e-6 of each array's scale. */
const TOLERANCE = 1e-5;

/**
 * Over several steps (the fast path training in between), with batches of odd sizes: the fast
 * path's losses and gradients (every dense weight, the input block) against the tfjs graph's on
 * the same weights, each array relative to its largest magnitude (arrays under a hundredth of the
 * step's largest gradient at that scale: probe.ts says why).
 */
function assertSameGradients(m: MultiTaskModel, what: string, batches: Batch[]): void {
  batches.forEach((b, step) => {
    const fast = m.fastGradients(b);
    assert.ok(fast, `${what}: the fast path trains (${m.trainingPath?.reason})`);
    for (const d of deviations(fast, m.referenceGradients(b))) assert.ok(d.deviation <= TOLERANCE, `${what} step ${step}: ${d.what} deviates by ${d.deviation}`);
    m.trainStep(b);
  });
}

const spec = tinySpec();
const oddBatches = (s = spec) => [37, 53, 1, 64].map((n, i) => syntheticBatch(s, n, 10 + i));

const ARCHITECTURES = [
  { type: 'single_task' },
  { type: 'shared_bottom' },
  { type: 'moe' },
  { type: 'mmoe' },
  { type: 'mmoe', levels: 2, taskExperts: 1, gate: { temperature: 0.5 } },
  { type: 'ple' },
  { type: 'ple', levels: 2, taskExperts: 2 },
  { type: 'esmm', esmm: { ctrTask: 'ctr', ctcvrTask: 'ctcvr' } },
  { type: 'esmm', esmm: { ctrTask: 'ctr', ctcvrTask: 'ctcvr', sharedBottom: true } },
] as const;

for (const arch of ARCHITECTURES) {
  test(`fast path = tfjs graph, losses and gradients over several steps: ${JSON.stringify(arch)}`, () => {
    const m = buildModel(spec, tinyModel(arch as never), tinyTraining());
    assertSameGradients(m, arch.type, oddBatches());
    assert.equal(m.trainingPath?.kernels, 'fast');
    m.dispose();
  });
}

test('a model of numeric features only (no embedding rows, so no input gradient) trains on the fast path, equal to the tfjs graph', () => {
  // configs/synthetic-*.json are such models: the probe compared the input gradient the fast path
  // does not compute (zeros) with tfjs's and fell back, reporting a deviation of 1.
  const numericOnly = { ...spec, categorical: [], crosses: [], graphNames: { ...spec.graphNames, tables: {}, crosses: {} } };
  const m = buildModel(numericOnly, tinyModel({ type: 'mmoe' }), tinyTraining());
  assertSameGradients(m, 'numeric only', oddBatches(numericOnly));
  assert.equal(m.trainingPath?.kernels, 'fast', m.trainingPath?.reason);
  m.dispose();
});

test('fast path = tfjs graph with the kernels without fused multiply-adds too', () => {
  const m = buildModel(spec, tinyModel({ type: 'ple', taskExperts: 1 }), tinyTraining(), 7, { fma: false });
  assertSameGradients(m, 'no fma', oddBatches());
  assert.equal(m.trainingPath?.fma, false);
  m.dispose();
});

test('fast path = tfjs graph for every activation, in deeper experts and towers', () => {
  for (const activation of ['relu', 'elu', 'selu', 'tanh', 'sigmoid', 'linear', 'swish'] as const) {
    const model = tinyModel({ type: 'mmoe', experts: { count: 3, units: [7, 5], activation, dropout: 0, l2: 0 }, towers: { units: [6, 3], activation, dropout: 0, l2: 0 } });
    const m = buildModel(spec, model, tinyTraining());
    assertSameGradients(m, activation, oddBatches());
    m.dispose();
  }
});

test('fast path = tfjs graph with L2, loss weights, row weights, a regression task, uncertainty weighting and Adagrad with clipping', () => {
  const tasks = [{ ...CTR_TASKS[0]!, lossWeight: 0.7 }, { name: 'watch', label: 'watch_time', type: 'regression' as const, labelTransform: 'none' as const, lossWeight: 2 }];
  const s = { ...tinySpec(tasks), rowWeight: 'w' };
  const weighted = oddBatches(s).map((b, i) => ({ ...b, weights: Float32Array.from({ length: b.size }, (_, r) => ((r + i) % 3) / 2) }));
  const model = tinyModel({ type: 'mmoe', experts: { count: 3, units: [6], activation: 'relu', dropout: 0, l2: 0.01 }, towers: { units: [4], activation: 'tanh', dropout: 0, l2: 0.02 } });
  for (const optimizer of [{ name: 'adam', clipNorm: 0.1 }, { name: 'adagrad', learningRate: 0.05 }]) {
    const m = buildModel(s, model, tinyTraining({ uncertaintyWeighting: true, optimizer }));
    assertSameGradients(m, optimizer.name, weighted);
    m.dispose();
  }
});

test('fast updates follow the tfjs path: weights, log variances and optimizer state after steps of Adam with clipping and of Adagrad, with L2', () => {
  const model = tinyModel({ type: 'ple', taskExperts: 1, experts: { count: 3, units: [6], activation: 'relu', dropout: 0, l2: 0.05 }, towers: { units: [4], activation: 'relu', dropout: 0, l2: 0.1 } });
  for (const optimizer of [{ name: 'adam', clipNorm: 0.5, learningRate: 0.05 }, { name: 'adagrad', learningRate: 0.05 }]) {
    const training = tinyTraining({ uncertaintyWeighting: true, optimizer });
    const [fast, plain] = (['auto', 'tfjs'] as const).map((kernels) => buildModel(spec, model, training, 7, { kernels }));
    for (const b of oddBatches()) [fast!, plain!].forEach((m) => m.trainStep(b));
    assert.equal(fast!.trainingPath?.kernels, 'fast');
    const [a, b] = [fast!.getState(), plain!.getState()];
    a.dense.forEach((w, i) => assert.ok(deviation(w, b.dense[i]!) < 1e-4, `${optimizer.name}: weight ${i} deviates by ${deviation(w, b.dense[i]!)}`));
    for (const [k, t] of a.tables) assert.ok(deviation(t, b.tables.get(k)!) < 1e-4, `${optimizer.name}: table ${k}`);
    assert.ok(deviation(a.logVariances, b.logVariances) < 1e-4);
    const [sa, sb] = [fast!.getOptimizerState(), plain!.getOptimizerState()];
    assert.equal(sa.dense.steps, sb.dense.steps);
    assert.ok(deviation(sa.dense.slots, sb.dense.slots) < 1e-3, `${optimizer.name}: optimizer slots deviate by ${deviation(sa.dense.slots, sb.dense.slots)}`);
    fast!.dispose();
    plain!.dispose();
  }
});

test('the probe refuses the fast path when one thing disagrees with the tfjs graph: a loss, any weight gradient or the input block gradient', () => {
  const m = buildModel(spec, tinyModel({ type: 'mmoe' }), tinyTraining());
  const parts = { net: m.net, spec, layout: m.layout, tables: m.tables, training: m.training, logVariances: null, sparse: new SparseOptimizer('adam', 0.01), threads: 1, batchRows: 64 };
  const batch = syntheticBatch(spec, 32);
  const weights = m.referenceGradients(batch).dense.length;
  // One value of one array off by a tenth of that array's scale (at least a tenth of the largest gradient).
  const off = (a: Float32Array | number[]) => {
    const scale = Math.max(...Array.from(a, Math.abs));
    a[a.length - 1] = a[a.length - 1]! + 0.1 * Math.max(scale, 1e-3);
  };
  const cases: [string, (g: FastGradients) => void][] = [
    ['nothing', () => {}],
    ['the loss', (g) => (g.loss += 0.1 * Math.abs(g.loss))],
    ['a task loss', (g) => off(g.taskLosses)],
    ...[0, Math.floor(weights / 2), weights - 1].map((i): [string, (g: FastGradients) => void] => [`gradient of weight ${i}`, (g) => off(g.dense[i]!)]),
    ['the input block gradient', (g) => off(g.dx!)],
  ];
  for (const [what, change] of cases) {
    const chosen = chooseTrainingPath(parts, batch, (probe) => {
      const g = m.referenceGradients(probe);
      change(g);
      return g;
    });
    if (what === 'nothing') assert.equal(chosen.path.kernels, 'fast', chosen.path.reason);
    else {
      assert.equal(chosen.trainer, null, what);
      assert.match(chosen.path.reason, /^probe step: the fast path deviates from tfjs by \S+ \(tolerance 0\.0001\)$/, what);
    }
    chosen.trainer?.dispose();
  }
  m.dispose();
});

test('on the fast path a new learning rate applies from the next step: at rate 0 a step changes no weight (1 and 2 threads)', () => {
  for (const threads of [1, 2]) {
    const m = buildModel(spec, tinyModel({ type: 'mmoe' }), tinyTraining({ batchSize: 64 }), 7, { threads });
    for (let i = 0; i < 2; i++) m.trainStep(syntheticBatch(spec, 64, 40 + i));
    assert.equal(m.trainingPath?.kernels, 'fast');
    m.setLearningRate(0);
    const before = m.getState();
    m.trainStep(syntheticBatch(spec, 64, 42));
    assert.deepEqual(m.getState(), before, `${threads} thread(s)`);
    m.setLearningRate(0.02);
    m.trainStep(syntheticBatch(spec, 64, 43));
    assert.notDeepEqual(m.getState().dense, before.dense, 'a rate above 0 trains again');
    m.dispose();
  }
});

test('a probe step that disagrees makes the model train on tfjs and says why', () => {
  const m = buildModel(spec, tinyModel({ type: 'mmoe' }), tinyTraining(), 7, { probeTolerance: -1 });
  const before = m.getState();
  const r = m.trainStep(syntheticBatch(spec, 32));
  assert.ok(Number.isFinite(r.loss));
  assert.equal(m.trainingPath?.kernels, 'tfjs');
  assert.match(m.trainingPath!.reason, /probe step: the fast path deviates from tfjs by \S+ \(tolerance -1\)/);
  assert.equal(m.fastGradients(syntheticBatch(spec, 8)), null);
  assert.notDeepEqual(m.getState().dense[0], before.dense[0], 'the tfjs path trained');
  m.dispose();
});

test('dropout is not in the fast path: the model trains on tfjs and the reason names it', () => {
  const m = buildModel(spec, tinyModel({ type: 'mmoe', experts: { count: 3, units: [6], activation: 'relu', dropout: 0.2, l2: 0 } }), tinyTraining());
  m.trainStep(syntheticBatch(spec, 16));
  assert.equal(m.trainingPath?.kernels, 'tfjs');
  assert.match(m.trainingPath!.reason, /dropout 0\.2 \(layer experts_shared_l1_dropout\)/);
  m.dispose();
});

test('after fast steps, predictions, saved state and a restore see the trained weights', () => {
  const m = buildModel(spec, tinyModel({ type: 'mmoe' }), tinyTraining({ uncertaintyWeighting: true }));
  const batch = syntheticBatch(spec, 48);
  m.trainStep(batch);
  const early = m.getState();
  const earlyScores = m.predict(batch).ctr;
  for (let i = 0; i < 4; i++) m.trainStep(batch);
  assert.notDeepEqual(m.predict(batch).ctr, earlyScores, 'predict sees the trained weights');
  m.setState(early);
  assert.deepEqual(m.predict(batch).ctr, earlyScores);
  // training continues from the restored weights, not from the fast path's later ones
  const again = buildModel(spec, tinyModel({ type: 'mmoe' }), tinyTraining({ uncertaintyWeighting: true }));
  again.trainStep(batch);
  const opt = again.getOptimizerState();
  m.setOptimizerHeader(opt.dense, opt.embeddings.steps);
  for (const [k, slots] of opt.embeddings.tables) m.tables.setSlotRows(k, 0, slots);
  m.trainStep(batch);
  again.trainStep(batch);
  assert.deepEqual(m.getState().dense, again.getState().dense);
  m.dispose();
  again.dispose();
});

test('a probe step that throws falls back to tfjs with the exception as the reason', () => {
  const m = buildModel(spec, tinyModel({ type: 'mmoe' }), tinyTraining());
  const parts = { net: m.net, spec, layout: m.layout, tables: m.tables, training: m.training, logVariances: null, sparse: new SparseOptimizer('adam', 0.01), threads: 2, batchRows: 64 };
  const chosen = chooseTrainingPath(parts, syntheticBatch(spec, 32), () => {
    throw new Error('reference exploded');
  });
  assert.equal(chosen.trainer, null, 'the fast trainer and its thread are stopped');
  assert.deepEqual(chosen.path, { kernels: 'tfjs', threads: 1, reason: 'probe step failed: reference exploded' });
  m.dispose();
});

test('a loss float32 cannot hold diverges on the fast path as on tfjs: Infinity reported, nothing updated', () => {
  const tasks = [CTR_TASKS[0]!, { name: 'watch', label: 'watch_time', type: 'regression' as const, labelTransform: 'none' as const, lossWeight: 1 }];
  const s = tinySpec(tasks);
  const [fast, plain] = (['auto', 'tfjs'] as const).map((kernels) => buildModel(s, tinyModel({ type: 'mmoe' }), tinyTraining(), 7, { kernels }));
  for (const m of [fast!, plain!]) m.trainStep(syntheticBatch(s, 16, 1));
  assert.equal(fast!.trainingPath?.kernels, 'fast');
  const huge = syntheticBatch(s, 16, 2);
  huge.labels[2 * 5 + 1] = 3e38; // finite in float32, its square is not
  for (const m of [fast!, plain!]) {
    const before = m.getState();
    const r = m.trainStep(huge);
    assert.equal(r.taskLosses.watch, Number.POSITIVE_INFINITY, m.trainingPath?.kernels);
    assert.equal(r.loss, Number.POSITIVE_INFINITY);
    assert.deepEqual(m.getState().dense, before.dense, `${m.trainingPath?.kernels}: the diverged step changed nothing`);
    assert.deepEqual(m.getState().tables, before.tables);
    m.dispose();
  }
});
