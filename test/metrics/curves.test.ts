import assert from 'node:assert/strict';
import { test } from 'node:test';
import { calibrationBins, rocCurve, scoreHistogram } from '../../src/metrics/curves.js';
import { Rng } from '../../src/util/random.js';
import { referenceCase } from './fixture.js';

function trapezoid(points: { fpr: number; tpr: number }[]): number {
  let area = 0;
  for (let i = 1; i < points.length; i++) area += ((points[i]!.fpr - points[i - 1]!.fpr) * (points[i]!.tpr + points[i - 1]!.tpr)) / 2;
  return area;
}

test('the full ROC curve integrates to the exact AUC; the thinned one stays close and small', () => {
  const { scores, labels } = referenceCase();
  const full = rocCurve({ scores, labels }, { maxPoints: 1e9 });
  assert.ok(Math.abs(trapezoid(full) - 0.8385336042311662) < 1e-12);
  assert.deepEqual(full[0], { fpr: 0, tpr: 0, threshold: Infinity });
  assert.deepEqual({ ...full.at(-1)!, threshold: 0 }, { fpr: 1, tpr: 1, threshold: 0 });

  const rng = new Rng(3);
  const n = 20000;
  const y = Float32Array.from({ length: n }, () => (rng.next() < 0.3 ? 1 : 0));
  const s = Float32Array.from(y, (l) => 1 / (1 + Math.exp(-(rng.normal() + 1.5 * l))));
  const thin = rocCurve({ scores: s, labels: y }, { maxPoints: 200 });
  assert.ok(thin.length <= 202, `${thin.length} points`);
  const dense = rocCurve({ scores: s, labels: y }, { maxPoints: 1e9 });
  assert.ok(dense.length > 10000);
  assert.ok(Math.abs(trapezoid(thin) - trapezoid(dense)) < 2e-3);
});

test('ROC curve is empty for a single class', () => {
  assert.deepEqual(rocCurve({ scores: [0.2, 0.4], labels: [1, 1] }), []);
});

test('quantile calibration bins have equal counts and keep ties together', () => {
  const scores = Float64Array.from({ length: 100 }, (_, i) => i / 100);
  const labels = Float64Array.from(scores, (s) => (s >= 0.5 ? 1 : 0));
  const bins = calibrationBins({ scores, labels }, { bins: 10 });
  assert.equal(bins.length, 10);
  assert.deepEqual(bins.map((b) => b.count), new Array(10).fill(10));
  assert.equal(bins[0]!.labelRate, 0);
  assert.equal(bins[9]!.labelRate, 1);
  assert.ok(Math.abs(bins[0]!.meanScore - 0.045) < 1e-12);
  const tied = calibrationBins({ scores: [0.5, 0.5, 0.5, 0.5, 0.9], labels: [0, 1, 0, 1, 1] }, { bins: 4 });
  assert.deepEqual(tied.map((b) => b.count), [4, 1]);
});

test('uniform calibration bins split [0, 1] by width', () => {
  const bins = calibrationBins({ scores: [0.05, 0.07, 0.55, 1], labels: [0, 1, 1, 1], weights: [1, 3, 1, 1] }, { binning: 'uniform' });
  assert.deepEqual(
    bins.map((b) => [b.lower, b.upper, b.count, b.weight, b.labelRate]),
    [
      [0.05, 0.07, 2, 4, 0.75],
      [0.55, 0.55, 1, 1, 1],
      [1, 1, 1, 1, 1],
    ],
  );
});

test('score histogram counts rows per label', () => {
  const h = scoreHistogram({ scores: [0, 0.1, 0.15, 0.99, 1, 1.2], labels: [0, 0, 1, 1, 1, 0] }, { bins: 10 });
  assert.equal(h.edges.length, 11);
  assert.deepEqual(h.negative, [1, 1, 0, 0, 0, 0, 0, 0, 0, 1]);
  assert.deepEqual(h.positive, [0, 1, 0, 0, 0, 0, 0, 0, 0, 2]);
});
