import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../src/backend.js';
import { setFastWasmKernels, useFastWasmKernels } from '../../src/model/wasm-kernels.js';
import { Rng } from '../../src/util/random.js';
import { maxAbsDiff } from './fixtures.js';

before(async () => {
  // wasm only: these are wrappers of tfjs-backend-wasm kernels.
  await selectBackend('wasm');
});
after(() => setFastWasmKernels(true));

const rng = new Rng(11);
const random = (shape: number[]) => tf.tensor(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.normal()), shape);

/** The same computation with the stock kernels and with the wrapped ones. */
function both(f: () => tf.Tensor): [Float32Array, Float32Array] {
  setFastWasmKernels(false);
  const stock = tf.tidy(() => f().dataSync() as Float32Array);
  setFastWasmKernels(true);
  assert.ok(useFastWasmKernels());
  const wrapped = tf.tidy(() => f().dataSync() as Float32Array);
  return [stock, wrapped];
}

test('transposed products match the stock kernel, 2-D, batched and with unit axes', () => {
  const cases: [number[], number[], boolean, boolean][] = [
    [[7, 5], [7, 3], true, false],
    [[4, 6], [5, 6], false, true],
    [[6, 4], [5, 6], true, true],
    [[3, 4, 1], [3, 4, 5], true, false],
    [[3, 1, 4], [3, 5, 4], false, true],
  ];
  for (const [sa, sb, ta, tb] of cases) {
    const a = random(sa);
    const b = random(sb);
    const [stock, wrapped] = both(() => tf.matMul(a, b, ta, tb));
    assert.ok(maxAbsDiff(stock, wrapped) < 1e-5, `${sa} x ${sb} (${ta}, ${tb})`);
    // Twice in a row: the second product reuses the cached transpose.
    assert.ok(maxAbsDiff(tf.tidy(() => tf.matMul(a, b, ta, tb).dataSync()), stock) < 1e-5);
    tf.dispose([a, b]);
  }
});

test('sums over leading axes match the stock kernel; other sums are passed through', () => {
  const x = random([6, 5, 4]);
  for (const axis of [0, [0, 1], 2, [1, 2], -1]) {
    const [stock, wrapped] = both(() => tf.sum(x, axis));
    assert.ok(maxAbsDiff(stock, wrapped) < 1e-5, `axis ${axis}`);
  }
  const [stock, wrapped] = both(() => tf.sum(x, 0, true));
  assert.ok(maxAbsDiff(stock, wrapped) < 1e-5, 'keepDims');
  x.dispose();
});

test('a Dense layer gets the same gradients with the wrapped kernels', () => {
  const dense = tf.layers.dense({ units: 4, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) });
  const x = random([9, 6]);
  dense.apply(x);
  const vars = dense.trainableWeights.map((w) => w.read() as tf.Variable);
  const grads = () => {
    const { grads: g } = tf.variableGrads(() => tf.sum(tf.square(dense.apply(x) as tf.Tensor)), vars);
    return tf.concat(vars.map((v) => tf.reshape(g[v.name], [-1])));
  };
  const [stock, wrapped] = both(grads);
  assert.ok(maxAbsDiff(stock, wrapped) < 1e-5);
  x.dispose();
});

test('identity shares data instead of copying it', () => {
  const x = random([3, 3]);
  const before = tf.memory().numDataBuffers;
  const y = tf.clone(x);
  assert.equal(tf.memory().numDataBuffers, before);
  assert.deepEqual(y.dataSync(), x.dataSync());
  x.dispose();
  assert.equal(y.dataSync().length, 9);
  y.dispose();
});

test('the tfjs packages are pinned to the exact version whose wasm internals these kernels use', () => {
  // A caret range would let an install pick up a minor release that moved those internals.
  const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
  const all = { ...pkg.dependencies, ...pkg.optionalDependencies } as Record<string, string>;
  const tfjs = Object.entries(all).filter(([name]) => name.startsWith('@tensorflow/'));
  assert.deepEqual(tfjs.map(([name]) => name).sort(), ['@tensorflow/tfjs', '@tensorflow/tfjs-backend-wasm', '@tensorflow/tfjs-node']);
  for (const [name, range] of tfjs) assert.equal(range, tf.version.tfjs, `${name} is "${range}"`);
  const lock = JSON.parse(readFileSync('package-lock.json', 'utf8'));
  for (const [name, range] of tfjs) assert.equal(lock.packages[''].optionalDependencies?.[name] ?? lock.packages[''].dependencies[name], range, `lock: ${name}`);
});
