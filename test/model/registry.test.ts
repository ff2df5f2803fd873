import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ModelSection } from '../../src/config/schema.js';
import { ConfigError } from '../../src/errors.js';
import { ARCHITECTURES, buildModel, getArchitecture } from '../../src/model/index.js';
import { tinyModel, tinySpec, tinyTraining } from './fixtures.js';

test('architectures are chosen by name', () => {
  assert.deepEqual(ARCHITECTURES, ['single_task', 'shared_bottom', 'moe', 'mmoe', 'ple', 'esmm']);
  for (const name of ARCHITECTURES) assert.equal(getArchitecture(name).name, name);
});

test('an unknown model type is a ConfigError listing the known ones', () => {
  const expected = (e: Error) => e instanceof ConfigError && e.message === 'model.type "wide_deep" is not a known architecture; known: single_task, shared_bottom, moe, mmoe, ple, esmm';
  assert.throws(() => getArchitecture('wide_deep'), expected);
  assert.throws(() => buildModel(tinySpec(), { ...tinyModel({ type: 'mmoe' }), type: 'wide_deep' as ModelSection['type'] }, tinyTraining()), expected);
});
