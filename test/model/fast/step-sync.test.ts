import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DataError } from '../../../src/errors.js';
import { CONTROL_BYTES, COMMAND_STEP, StepSync } from '../../../src/model/fast/step-sync.js';

const params = { rows: 8, denseStep: 0.01, sparseRate: 0.01, sparseSteps: 1, clipNorm: 0, table: 0 };

test("a thread's failure keeps its type and location, the step's first failure wins, and the next step starts without one", () => {
  const sync = new StepSync(new SharedArrayBuffer(CONTROL_BYTES + 64), 64, 2);
  sync.publish(COMMAND_STEP, params);
  assert.equal(sync.failure(), null);
  sync.fail(1, new DataError('bucket id 99 is outside the embedding table [0, 5]', { column: 'device', value: '99' }));
  sync.fail(0, new Error('a later failure of the same step'));
  assert.deepEqual(sync.failure(), {
    thread: 1,
    failure: { kind: 'data', message: `column 'device', value "99": bucket id 99 is outside the embedding table [0, 5]`, location: { column: 'device', value: '99' } },
  });
  sync.publish(COMMAND_STEP, params);
  assert.equal(sync.failure(), null);
  // A message longer than the control block holds is shortened, not cut inside its JSON.
  sync.fail(0, new DataError('x'.repeat(5000), { column: 'c', value: '\u0001'.repeat(3000) }));
  const f = sync.failure()!.failure;
  assert.equal(f.kind, 'data');
  assert.match(f.message, /^column 'c', value "(\\u0001)+/);
  assert.equal(f.location?.column, 'c');
  sync.publish(COMMAND_STEP, params);
  sync.fail(0, 'not an Error');
  assert.deepEqual(sync.failure(), { thread: 0, failure: { kind: 'other', message: 'not an Error' } });
});
