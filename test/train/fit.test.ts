// The training policy of fit(): which epoch's weights (and optimizer state) are kept, when early
// stopping stops for a binary or a regression task, the learning rate at every step, and what
// counts as divergence. Pinned here on real tiny models so a faster training step must keep it.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { selectBackend } from '../../src/backend.js';
import { type Config } from '../../src/config/schema.js';
import { parseConfig } from '../../src/config/load.js';
import { EncodedTable } from '../../src/data/encoded-table.js';
import { featureSpecFromConfig } from '../../src/data/feature-spec.js';
import { TrainingDivergedError } from '../../src/errors.js';
import { silentLogger } from '../../src/logger.js';
import { buildModel, type MultiTaskModel } from '../../src/model/index.js';
import { type FitResult, fit, monitorOf, type TrainRows } from '../../src/train/fit.js';
import { RunLog } from '../../src/train/run-log.js';
import { syntheticBatch } from '../model/fixtures.js';
import { TEST_BACKEND } from '../test-backend.js';

const dir = mkdtempSync(join(tmpdir(), 'mmoe-fit-'));
before(async () => {
  await selectBackend(TEST_BACKEND);
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** The tiny spec of the model tests as a config: ctr (binary) and watch (regression). */
function config(training: Record<string, unknown>): Config {
  return parseConfig({
    features: {
      categorical: [
        { name: 'user', buckets: 40, embeddingDim: 4 },
        { name: 'item', buckets: 30, embeddingDim: 4 },
        { name: 'prev_item', buckets: 30, embeddingDim: 4, table: 'item' },
        { name: 'device', buckets: 5, embeddingDim: 3 },
      ],
      numeric: [{ name: 'x1' }, { name: 'x2' }],
      crosses: [{ name: 'user_x_item', fields: ['user', 'item'] }],
    },
    tasks: [
      { name: 'ctr', label: 'click', type: 'binary' },
      { name: 'watch', label: 'watch', type: 'regression' },
    ],
    model: { type: 'mmoe', experts: { count: 3, units: [6] }, towers: { units: [4] } },
    training: { seed: 7, batchSize: 32, ...training },
  });
}

/** `rows` synthetic rows (model/fixtures.ts) as a table. */
function table(cfg: Config, rows: number, seed: number): EncodedTable {
  const spec = featureSpecFromConfig(cfg);
  const b = syntheticBatch(spec, rows, seed);
  const t = EncodedTable.forSpec(spec, rows);
  for (let r = 0; r < rows; r++) t.appendRow(b, r);
  return t;
}

let runs = 0;
async function train(cfg: Config, trainRows: TrainRows, valid: EncodedTable, model = buildModel(featureSpecFromConfig(cfg), cfg.model, cfg.training)): Promise<{ model: MultiTaskModel; result: FitResult }> {
  const runLog = new RunLog(join(dir, `run-${runs++}`));
  try {
    return { model, result: await fit(model, cfg, trainRows, valid, { logger: silentLogger(), runLog }) };
  } finally {
    runLog.close();
  }
}

/** The rule fit() must follow, written out: the first strictly best epoch wins; stop after `patience` epochs without one. */
function expectedStop(values: number[], higherIsBetter: boolean, patience: number): { best: number; run: number } {
  let best = 0;
  let since = 0;
  for (let e = 0; e < values.length; e++) {
    const better = e === 0 || (higherIsBetter ? values[e]! > values[best]! : values[e]! < values[best]!);
    if (better) {
      best = e;
      since = 0;
    } else if (++since >= patience) return { best: best + 1, run: e + 1 };
  }
  return { best: best + 1, run: values.length };
}

const monitored = (r: FitResult, task: string) => r.history.map((h) => h.validMetrics![task]!);

/** Every weight and every optimizer value of two models is the same, bit for bit. */
function assertSameState(a: MultiTaskModel, b: MultiTaskModel, what: string): void {
  const [sa, sb] = [a.getState(), b.getState()];
  sa.dense.forEach((w, i) => assert.deepEqual(w, sb.dense[i], `${what}: dense weight ${i}`));
  for (const [t, w] of sa.tables) assert.deepEqual(w, sb.tables.get(t), `${what}: table ${t}`);
  const [oa, ob] = [a.getOptimizerState(), b.getOptimizerState()];
  assert.equal(oa.dense.steps, ob.dense.steps, `${what}: dense optimizer steps`);
  assert.equal(oa.embeddings.steps, ob.embeddings.steps, `${what}: embedding optimizer steps`);
  assert.deepEqual(oa.dense.slots, ob.dense.slots, `${what}: dense optimizer moments`);
  for (const [t, m] of oa.embeddings.tables) assert.deepEqual(m, ob.embeddings.tables.get(t), `${what}: table ${t} moments`);
}

// 256 training rows at learning rate 0.02: validation MSE of watch falls to its best at epoch 5
// and rises after; ctr's AUC peaks at epoch 7 (both checked below, not assumed).
const CURVE = { optimizer: { learningRate: 0.02 } };

for (const [task, metric, higherIsBetter] of [
  ['watch', 'mse', false],
  ['ctr', 'auc', true],
] as const) {
  test(`early stopping on ${task} (${metric}, ${higherIsBetter ? 'higher' : 'lower'} is better) stops after patience epochs and keeps the best epoch's weights and optimizer state`, async () => {
    const long = config({ ...CURVE, epochs: 12, earlyStopping: { task, patience: 100 } });
    const [trainRows, valid] = [table(long, 256, 1), table(long, 400, 2)];
    const reference = await train(long, trainRows, valid);
    reference.model.dispose();
    const want = expectedStop(monitored(reference.result, task), higherIsBetter, 2);
    assert.ok(want.best > 1 && want.run < 12, `the curve must rise and fall for this test to mean anything: ${monitored(reference.result, task)}`);

    const cfg = config({ ...CURVE, epochs: 12, earlyStopping: { task, patience: 2 } });
    const { model, result } = await train(cfg, trainRows, valid);
    assert.deepEqual(result.monitor, { task, metric });
    assert.equal(result.bestEpoch, want.best);
    assert.equal(result.history.length, want.run);
    assert.equal(result.stoppedEarly, true);
    // Same epochs, same numbers: the run is deterministic, so the policy is all that differs.
    assert.deepEqual(monitored(result, task), monitored(reference.result, task).slice(0, want.run));
    const kept = result.validation!.tasks.find((t) => t.task === task)!;
    const keptValue = metric === 'auc' ? kept.binary!.metrics.auc.value : kept.regression!.original.mse.value;
    assert.equal(keptValue, result.history[want.best - 1]!.validMetrics![task], 'the reported validation is the kept epoch');

    // The model now holds exactly what a run of bestEpoch epochs ends with: weights, and the
    // optimizer moments and step counts that belong to them (what optimizer.json/.bin publish).
    const short = await train(config({ ...CURVE, epochs: want.best, earlyStopping: { task, patience: 100 } }), trainRows, valid);
    assert.equal(short.result.bestEpoch, want.best);
    assertSameState(model, short.model, `${task}: kept epoch ${want.best}`);
    model.dispose();
    short.model.dispose();
  });
}

test('without earlyStopping.task the first task is watched (AUC for binary, MSE for regression)', async () => {
  const cfg = config({ epochs: 1 });
  const { model, result } = await train(cfg, table(cfg, 64, 1), table(cfg, 64, 2));
  assert.deepEqual(result.monitor, { task: 'ctr', metric: 'auc' });
  model.dispose();
  const regressionFirst = { ...cfg, tasks: [...cfg.tasks].reverse() };
  assert.deepEqual(monitorOf(regressionFirst), { task: 'watch', metric: 'mse' });
});

test('every epoch reads the rows in another order, the same for the same seed', async () => {
  const seedsOf = async (seed: number) => {
    const cfg = config({ epochs: 4, seed });
    const t = table(cfg, 64, 1);
    const seeds: number[] = [];
    const rows: TrainRows = {
      size: t.size,
      batches(size, s) {
        seeds.push(s);
        return t.batches(size, s);
      },
    };
    (await train(cfg, rows, table(cfg, 0, 2))).model.dispose();
    return seeds;
  };
  const a = await seedsOf(7);
  assert.equal(new Set(a).size, 4, `epoch shuffle seeds ${a}`);
  assert.deepEqual(await seedsOf(7), a);
  assert.notDeepEqual(await seedsOf(8), a);
});

test('without validation rows every epoch runs and the last weights are kept', async () => {
  const cfg = config({ ...CURVE, epochs: 3 });
  const { model, result } = await train(cfg, table(cfg, 64, 1), table(cfg, 0, 2));
  assert.equal(result.monitor, null);
  assert.equal(result.bestEpoch, 3);
  assert.equal(result.history.length, 3);
  assert.equal(result.validation, null);
  model.dispose();
});

/** The learning rate in effect at each training step, by epoch, read from the real model. */
async function stepRates(training: Record<string, unknown>): Promise<{ rates: number[][]; result: FitResult }> {
  const cfg = config({ epochs: 4, ...training });
  const model = buildModel(featureSpecFromConfig(cfg), cfg.model, cfg.training);
  const rates: number[][] = [];
  let lr = Number.NaN;
  const [setLearningRate, trainStep] = [model.setLearningRate.bind(model), model.trainStep.bind(model)];
  model.setLearningRate = (x) => {
    setLearningRate(x);
    lr = x;
  };
  model.trainStep = (b) => {
    rates.at(-1)!.push(lr);
    return trainStep(b);
  };
  const t = table(cfg, 256, 1);
  const epochs: TrainRows = {
    size: t.size,
    batches(size, seed) {
      rates.push([]);
      return t.batches(size, seed);
    },
  };
  const { result } = await train(cfg, epochs, table(cfg, 0, 2), model);
  model.dispose();
  return { rates, result };
}

test('learning-rate decay: exact at every step, counting epochs or steps from 0', async () => {
  const perEpoch = await stepRates({ optimizer: { learningRate: 0.02, decayRate: 0.5, decaySteps: 2 } });
  assert.deepEqual(perEpoch.rates.map((e) => e.length), [8, 8, 8, 8]);
  perEpoch.rates.forEach((e, epoch) => e.forEach((lr) => assert.equal(lr, 0.02 * 0.5 ** Math.floor(epoch / 2), `epoch ${epoch + 1}`)));
  assert.deepEqual(perEpoch.result.history.map((h) => h.learningRate), [0.02, 0.02, 0.01, 0.01]);

  const perStep = await stepRates({ optimizer: { learningRate: 0.02, decayRate: 0.5, decaySteps: 3, decayEvery: 'step' } });
  perStep.rates.flat().forEach((lr, step) => assert.equal(lr, 0.02 * 0.5 ** Math.floor(step / 3), `step ${step + 1}`));
  // An epoch reports the rate of its last step.
  assert.deepEqual(perStep.result.history.map((h) => h.learningRate), [7, 15, 23, 31].map((s) => 0.02 * 0.5 ** Math.floor(s / 3)));
});

for (const [what, label] of [
  ['NaN', Number.NaN],
  ['+Infinity', 3e38], // a squared error float32 cannot hold
] as const) {
  test(`a ${what} loss stops training with TrainingDivergedError at that step, weights untouched`, async () => {
    const cfg = config({ epochs: 2, batchSize: 16 });
    const rows = table(cfg, 64, 1);
    rows.labels[2 * 20 + 1] = label; // row 20's watch label
    const model = buildModel(featureSpecFromConfig(cfg), cfg.model, cfg.training);
    let steps = 0;
    let beforeStep = model.getState();
    const trainStep = model.trainStep.bind(model);
    model.trainStep = (b) => {
      beforeStep = model.getState();
      const r = trainStep(b);
      if (Number.isFinite(r.loss)) steps++;
      return r;
    };
    const lossIs = what === 'NaN' ? 'NaN' : 'Infinity';
    await assert.rejects(train(cfg, rows, table(cfg, 0, 2), model), (e: Error) => {
      assert.ok(e instanceof TrainingDivergedError, String(e));
      assert.match(e.message, new RegExp(`training diverged at epoch 1, step ${steps + 1}: loss is ${lossIs} \\(ctr=[^,]+, watch=${lossIs}\\); nothing was published`));
      return true;
    });
    assert.ok(steps < 4, 'it stopped in the first epoch');
    // The diverged step changed nothing: the model holds the last good weights.
    model.getState().dense.forEach((w, i) => assert.deepEqual(w, beforeStep.dense[i], `dense weight ${i}`));
    for (const [t, w] of model.getState().tables) assert.deepEqual(w, beforeStep.tables.get(t), `table ${t}`);
    model.dispose();
  });
}

test('an abort while the steps run back to back stops the epoch within a few steps, naming the step', async () => {
  const cfg = config({ epochs: 1, batchSize: 8 });
  const t = table(cfg, 4000, 1);
  const model = buildModel(featureSpecFromConfig(cfg), cfg.model, cfg.training);
  const controller = new AbortController();
  let steps = 0;
  let abortedAt = -1;
  const trainStep = model.trainStep.bind(model);
  model.trainStep = (b) => {
    // Aborted from an event, as a signal handler would: it runs only when fit lets events run.
    if (++steps === 20) setImmediate(() => ((abortedAt = steps), controller.abort()));
    return trainStep(b);
  };
  const runLog = new RunLog(join(dir, `abort-${runs++}`));
  await assert.rejects(fit(model, cfg, t, table(cfg, 0, 2), { logger: silentLogger(), runLog, signal: controller.signal }), (e: unknown) => {
    assert.match((e as Error).message, /^interrupted at epoch 1, step \d+; nothing was published/);
    return true;
  });
  runLog.close();
  assert.ok(abortedAt >= 20 && steps - abortedAt <= 1, `aborted after step ${abortedAt}, stopped after step ${steps}`);
  assert.ok(steps < 500, `${steps} of 500 steps ran`);
  model.dispose();
});
