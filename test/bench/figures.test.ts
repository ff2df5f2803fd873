import assert from 'node:assert/strict';
import { test } from 'node:test';
import { median } from '../../bench/figures.js';

test('median: the middle value, the mean of the two middle values for an even count, NaN for none', () => {
  assert.equal(median([3, 1, 2]), 2);
  // Two rounds' AUC differences: their median is their mean, not the better of the two.
  assert.equal(median([-0.0092, -0.004]), -0.0066);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.equal(median([7]), 7);
  assert.ok(Number.isNaN(median([])));
  const xs = [5, 4, 9];
  median(xs);
  assert.deepEqual(xs, [5, 4, 9]); // the input is not sorted in place
});
