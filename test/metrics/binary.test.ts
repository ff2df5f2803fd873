import assert from 'node:assert/strict';
import { test } from 'node:test';
import { binaryMetrics, logLoss } from '../../src/metrics/binary.js';
import { assertClose, referenceCase } from './fixture.js';

// Reference values: scikit-learn 1.2.1 on the fixture case, predictions p = (s > 0.5):
//   log_loss(y, s, eps=1e-15[, sample_weight=w]); accuracy_score / precision_score /
//   recall_score / f1_score(y, p[, sample_weight=w])

const expected = {
  unweighted: { auc: 0.8385336042311662, logLoss: 0.5704733079290033, accuracy: 0.718, precision: 0.8679775280898876, recall: 0.5680147058823529, f1: 0.6866666666666666 },
  weighted: { auc: 0.8416876794204946, logLoss: 0.58034644340645, accuracy: 0.715, precision: 0.8869158878504673, recall: 0.5638740344622698, f1: 0.6894297130403196 },
};

for (const [name, values] of Object.entries(expected)) {
  test(`${name} metrics equal sklearn`, () => {
    const { scores, labels, weights } = referenceCase();
    const m = binaryMetrics({ scores, labels, weights: name === 'weighted' ? weights : null });
    assert.equal(m.count, 1000);
    assert.equal(m.positives, 544);
    for (const [metric, value] of Object.entries(values)) assertClose(m[metric as keyof typeof values].value, value, 1e-9, metric);
  });
}

test('label rate, mean score and calibration', () => {
  const { scores, labels } = referenceCase();
  const m = binaryMetrics({ scores, labels });
  assert.equal(m.weight, 1000);
  assertClose(m.labelRate, 0.544);
  assertClose(m.meanScore, scores.reduce((a, b) => a + b) / 1000);
  assertClose(m.calibration.value, m.meanScore / 0.544);
});

test('log loss clips probabilities at 1e-15 like sklearn', () => {
  // -log(1e-15) for a confident miss, ~0 for a confident hit: mean = 34.538776394910684 / 2
  assertClose(logLoss({ scores: [0, 1], labels: [1, 1] }).value, -Math.log(1e-15) / 2, 1e-12);
});

test('precision is undefined, not a division by zero, when nothing scores above the threshold', () => {
  const m = binaryMetrics({ scores: [0.1, 0.2, 0.3], labels: [0, 1, 1] }, { threshold: 0.5 });
  assert.equal(m.precision.value, undefined);
  assert.match(m.precision.reason ?? '', /no row scored above the threshold/);
  assert.equal(m.recall.value, 0);
  assert.equal(m.f1.value, 0);
  assert.equal(m.threshold, 0.5);
});

test('the threshold is exclusive (score > threshold), as in Keras', () => {
  const m = binaryMetrics({ scores: [0.5, 0.7], labels: [0, 1] }, { threshold: 0.5 });
  assert.equal(m.accuracy.value, 1);
});

test('calibration and recall are undefined without positives', () => {
  const m = binaryMetrics({ scores: [0.1, 0.2], labels: [0, 0] });
  assert.match(m.calibration.reason ?? '', /no positive labels/);
  assert.match(m.recall.reason ?? '', /no positive rows/);
  assert.match(m.auc.reason ?? '', /only one class/);
});
