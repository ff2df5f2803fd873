import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Task } from '../../src/config/schema.js';
import { inverseLabel, transformLabel } from '../../src/data/feature-spec.js';

const log1pTask: Task = { name: 'watch', label: 'watch', type: 'regression', labelTransform: 'log1p', lossWeight: 1 };
const plainTask: Task = { ...log1pTask, labelTransform: 'none' };

test('transformLabel: log1p round-trips through inverseLabel; a negative label has no target (NaN, not a clamp)', () => {
  for (const y of [0, 0.5, 3, 1e6]) assert.ok(Math.abs(inverseLabel(log1pTask, transformLabel(log1pTask, y)) - y) <= 1e-9 * Math.max(1, y));
  assert.ok(Number.isNaN(transformLabel(log1pTask, -0.5)));
  assert.ok(Number.isNaN(transformLabel(log1pTask, -3)));
  assert.equal(transformLabel(plainTask, -3), -3);
});
