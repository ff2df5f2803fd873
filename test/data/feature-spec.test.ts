import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Task } from '../../src/config/schema.js';
import { inverseLabel, type NumericSpec, transformLabel, transformNumeric } from '../../src/data/feature-spec.js';

const log1pTask: Task = { name: 'watch', label: 'watch', type: 'regression', labelTransform: 'log1p', lossWeight: 1 };
const plainTask: Task = { ...log1pTask, labelTransform: 'none' };

test('transformLabel: log1p round-trips through inverseLabel; a negative label has no target (NaN, not a clamp)', () => {
  for (const y of [0, 0.5, 3, 1e6]) assert.ok(Math.abs(inverseLabel(log1pTask, transformLabel(log1pTask, y)) - y) <= 1e-9 * Math.max(1, y));
  assert.ok(Number.isNaN(transformLabel(log1pTask, -0.5)));
  assert.ok(Number.isNaN(transformLabel(log1pTask, -3)));
  assert.equal(transformLabel(plainTask, -3), -3);
});

test('transformNumeric: each transform with statistics away from 0 and 1', () => {
  const n = (over: Partial<NumericSpec>): NumericSpec => ({ name: 'x', column: 'x', transform: 'none', ...over });
  assert.equal(transformNumeric(n({}), -7.5), -7.5);
  assert.equal(transformNumeric(n({ transform: 'log1p' }), 3), Math.log1p(3));
  assert.equal(transformNumeric(n({ transform: 'log1p' }), -3), -Math.log1p(3), 'a negative count keeps its sign');
  assert.equal(transformNumeric(n({ transform: 'standardize', mean: 10, std: 4 }), 18), 2);
  assert.equal(transformNumeric(n({ transform: 'standardize', mean: 10, std: 0 }), 18), 8, 'a constant column is only centred');
  assert.equal(transformNumeric(n({ transform: 'minmax', min: 10, max: 20 }), 15), 0.5);
  assert.equal(transformNumeric(n({ transform: 'minmax', min: 10, max: 20 }), 25), 1.5, 'values past the training range are not clamped');
  assert.equal(transformNumeric(n({ transform: 'minmax', min: 5, max: 5 }), 9), 0);
});
