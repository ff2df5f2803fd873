import assert from 'node:assert/strict';
import { test } from 'node:test';
import { regressionMetrics } from '../../src/metrics/regression.js';
import { assertClose, referenceCase } from './fixture.js';

// Reference: sklearn 1.2.1 mean_squared_error / mean_absolute_error / r2_score(t, pred[, sample_weight=w])
// with t = a / 10 and pred = s * 8 + (i % 3) / 2 on the fixture case.
test('MSE, MAE and R^2 equal sklearn, unweighted and weighted', () => {
  const { scores, weights, a } = referenceCase();
  const labels = Float64Array.from(a, (v) => v / 10);
  const predictions = Float64Array.from(scores, (s, i) => s * 8 + (i % 3) / 2);
  const m = regressionMetrics({ predictions, labels });
  assertClose(m.mse.value, 3.2415735937500005);
  assertClose(m.mae.value, 1.4876875);
  assertClose(m.r2.value, 0.6186445342771434);
  const w = regressionMetrics({ predictions, labels, weights });
  assertClose(w.mse.value, 3.24612640625);
  assertClose(w.mae.value, 1.4887833333333333);
  assertClose(w.r2.value, 0.6186050018538307);
});

test('R^2 is undefined for constant labels', () => {
  const m = regressionMetrics({ predictions: [1, 2], labels: [3, 3] });
  assert.equal(m.mse.value, 2.5);
  assert.match(m.r2.reason ?? '', /labels are constant/);
  assert.match(regressionMetrics({ predictions: [], labels: [] }).mse.reason ?? '', /no rows/);
});
