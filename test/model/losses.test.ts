import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../src/backend.js';
import { TEST_BACKEND } from '../test-backend.js';
import { combine, taskLoss } from '../../src/model/losses.js';
import { CTR_TASKS } from './fixtures.js';

before(async () => {
  await selectBackend(TEST_BACKEND);
});

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));
const bce = (p: number, y: number) => -(y * Math.log(p) + (1 - y) * Math.log(1 - p));
const scalar = (t: tf.Tensor) => t.dataSync()[0];
const column = (xs: number[]) => tf.tensor2d(xs, [xs.length, 1]);

test('binary loss is the cross-entropy of sigmoid(logit), stable for large logits', () => {
  const z = [-3, 0.5, 2, 40, -40];
  const y = [0, 1, 1, 1, 0];
  const expected = z.reduce((s, zi, i) => s + (Math.abs(zi) > 30 ? 0 : bce(sigmoid(zi), y[i])), 0) / z.length;
  const got = scalar(taskLoss(CTR_TASKS[0], { logit: 'ctr' }, { ctr: column(z) }, column(y), null));
  assert.ok(Math.abs(got - expected) < 1e-6, `${got} vs ${expected}`);
});

test("ESMM's product loss is the cross-entropy of sigmoid(a) x sigmoid(b)", () => {
  const a = [0.3, -1, 2];
  const b = [1, 0.2, -0.5];
  const y = [1, 0, 1];
  const expected = a.reduce((s, ai, i) => s + bce(sigmoid(ai) * sigmoid(b[i]), y[i]), 0) / a.length;
  const got = scalar(taskLoss(CTR_TASKS[1], { product: ['ctr', 'cvr'] }, { ctr: column(a), cvr: column(b) }, column(y), null));
  assert.ok(Math.abs(got - expected) < 1e-5, `${got} vs ${expected}`);
});

test('regression loss is squared error; row weights scale rows, the mean divides by the row count', () => {
  const task = { ...CTR_TASKS[0], type: 'regression' as const };
  const got = scalar(taskLoss(task, { logit: 'ctr' }, { ctr: column([1, 2, 4]) }, column([0, 2, 1]), column([2, 1, 0])));
  assert.ok(Math.abs(got - (2 * 1 + 0 + 0) / 3) < 1e-6);
});

test('task losses combine with lossWeight, and with learned log variances exp(-s) * L + s', () => {
  const tasks = [{ ...CTR_TASKS[0], lossWeight: 2 }, CTR_TASKS[1]];
  const losses = [tf.scalar(0.5), tf.scalar(1.5)];
  assert.ok(Math.abs(scalar(combine(losses, tasks, null)) - 2.5) < 1e-6);
  const s = [tf.variable(tf.scalar(0)), tf.variable(tf.scalar(Math.log(2)))];
  const expected = 2 * (0.5 + 0) + (1.5 / 2 + Math.log(2));
  assert.ok(Math.abs(scalar(combine(losses, tasks, s)) - expected) < 1e-6);
});
