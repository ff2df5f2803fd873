import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../src/backend.js';
import { TEST_BACKEND } from '../test-backend.js';
import { ConfigError } from '../../src/errors.js';
import { buildModel, toPortableModel } from '../../src/model/index.js';
import { CTR_TASKS, maxAbsDiff, portableInputs, syntheticBatch, tinyModel, tinySpec, tinyTraining } from './fixtures.js';

before(async () => {
  await selectBackend(TEST_BACKEND);
});

const esmm = (sharedBottom: boolean) => tinyModel({ type: 'esmm', esmm: { ctrTask: 'ctr', ctcvrTask: 'ctcvr', sharedBottom } });

for (const sharedBottom of [false, true]) {
  test(`ESMM (shared bottom: ${sharedBottom}): ctcvr = ctr x cvr, in training and in the exported model`, async () => {
    const spec = tinySpec();
    const m = buildModel(spec, esmm(sharedBottom), tinyTraining());
    const batch = syntheticBatch(spec, 64);
    for (let i = 0; i < 10; i++) m.trainStep(batch);
    const p = m.predict(batch);
    const product = p.ctr.map((c, i) => c * p.cvr[i]);
    assert.ok(maxAbsDiff(p.ctcvr, product) < 1e-6);
    assert.ok(p.ctcvr.every((v, i) => v <= p.ctr[i] + 1e-7), 'pCTCVR never exceeds pCTR');

    const exported = await toPortableModel(m);
    const out = exported.predict(portableInputs(exported.inputNames, spec, batch)) as tf.Tensor[];
    const byName = Object.fromEntries(exported.outputNames.map((n, i) => [n, out[i].dataSync()]));
    assert.ok(maxAbsDiff(byName.ctcvr, byName.ctr.map((c, i) => c * byName.cvr[i])) < 1e-6);
    tf.dispose(out);
    exported.dispose();
    m.dispose();
  });
}

test('ESMM config errors name the problem', () => {
  const spec = tinySpec();
  assert.throws(() => buildModel(spec, tinyModel({ type: 'esmm' }), tinyTraining()), (e: Error) => e instanceof ConfigError && /model\.esmm is required/.test(e.message));
  assert.throws(
    () => buildModel(spec, tinyModel({ type: 'esmm', esmm: { ctrTask: 'ctr', ctcvrTask: 'buy', sharedBottom: false } }), tinyTraining()),
    (e: Error) => e instanceof ConfigError && /"buy" is not a task; tasks: ctr, ctcvr/.test(e.message),
  );
  const regression = tinySpec([CTR_TASKS[0], { ...CTR_TASKS[1], type: 'regression' }]);
  assert.throws(() => buildModel(regression, esmm(false), tinyTraining()), (e: Error) => e instanceof ConfigError && /must be binary/.test(e.message));
});
