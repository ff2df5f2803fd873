import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EarlyStopping, learningRateAt } from '../../src/train/schedule.js';

const opt = { name: 'adam', learningRate: 0.1, decayRate: 0.5, decaySteps: 2, decayEvery: 'epoch', clipNorm: 0 } as const;

test('exponential decay steps every decaySteps epochs or steps', () => {
  assert.deepEqual([0, 1, 2, 3, 4].map((e) => learningRateAt(opt, e, 999)), [0.1, 0.1, 0.05, 0.05, 0.025]);
  const bySteps = { ...opt, decayEvery: 'step', decaySteps: 100 } as const;
  assert.equal(learningRateAt(bySteps, 7, 250), 0.025);
  assert.equal(learningRateAt({ ...opt, decayRate: 1 }, 50, 50), 0.1);
});

test('early stopping waits `patience` epochs without improvement', () => {
  const es = new EarlyStopping(2);
  assert.equal(es.record(0, 0.7), true);
  assert.equal(es.shouldStop, false);
  assert.equal(es.record(1, 0.69), false);
  assert.equal(es.shouldStop, false);
  assert.equal(es.record(2, Number.NaN), false);
  assert.equal(es.shouldStop, true);
  assert.equal(es.epochsWithoutImprovement, 2);
  assert.equal(es.bestEpoch, 0);
  assert.equal(es.best, 0.7);
});
