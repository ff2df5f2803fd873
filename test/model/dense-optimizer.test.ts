import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../src/backend.js';
import { TEST_BACKEND } from '../test-backend.js';
import { DenseOptimizer } from '../../src/model/dense-optimizer.js';
import { Rng } from '../../src/util/random.js';
import { maxAbsDiff } from './fixtures.js';

before(async () => {
  await selectBackend(TEST_BACKEND);
});

function randomTensor(shape: number[], rng: Rng): tf.Tensor {
  return tf.tensor(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.normal()), shape);
}

for (const name of ['adam', 'adagrad'] as const) {
  // tfjs keeps beta^t in float32 (1 - 0.999 is off by 5e-5 relative), hence 1e-4.
  test(`the JS ${name} follows tf.train.${name} step for step`, () => {
    const rng = new Rng(3);
    const init = [randomTensor([3, 4], rng), randomTensor([4], rng)];
    const ours = init.map((t) => tf.variable(t.clone()));
    const theirs = init.map((t) => tf.variable(t.clone()));
    const opt = new DenseOptimizer(ours, name, 0.05, 0);
    const ref = name === 'adam' ? tf.train.adam(0.05) : tf.train.adagrad(0.05);
    for (let step = 0; step < 5; step++) {
      const g = init.map((t) => randomTensor(t.shape, rng));
      opt.apply(Object.fromEntries(ours.map((v, i) => [v.name, g[i]])));
      ref.applyGradients(Object.fromEntries(theirs.map((v, i) => [v.name, g[i]])) as unknown as Record<string, tf.Variable>);
      tf.dispose(g);
    }
    ours.forEach((v, i) => assert.ok(maxAbsDiff(v.dataSync(), theirs[i].dataSync()) < 1e-4, `${v.dataSync()} vs ${theirs[i].dataSync()}`));
    tf.dispose([...init, ...ours, ...theirs]);
    ref.dispose();
  });
}

test('clipping scales the whole gradient to the global norm limit', () => {
  const v = tf.variable(tf.zeros([2]));
  const opt = new DenseOptimizer([v], 'adagrad', 1, 0.5);
  // Adagrad's first step moves by lr * g / sqrt(g^2 + 0.1): with g clipped from (3, 4) to (0.3, 0.4).
  opt.apply({ [v.name]: tf.tensor([3, 4]) });
  const expected = [0.3, 0.4].map((g) => -g / Math.sqrt(g * g + 0.1));
  assert.ok(maxAbsDiff(v.dataSync(), expected) < 1e-5);
  v.dispose();
});

test('the learning rate can be changed between steps', () => {
  const v = tf.variable(tf.zeros([1]));
  const opt = new DenseOptimizer([v], 'adam', 0.1, 0);
  opt.learningRate = 0;
  opt.apply({ [v.name]: tf.tensor([1]) });
  assert.equal(v.dataSync()[0], 0);
  opt.learningRate = 0.1;
  opt.apply({ [v.name]: tf.tensor([1]) });
  assert.ok(v.dataSync()[0] < -0.05);
  v.dispose();
});
