import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rocAuc } from '../../src/metrics/auc.js';
import { assertClose, referenceCase } from './fixture.js';

// Reference values: scikit-learn 1.2.1 roc_auc_score(y, s[, sample_weight=w]) on Debian's python3:
//   python3 -c "from sklearn.metrics import roc_auc_score; import numpy as np; ..." (case in fixture.ts)

test('AUC equals sklearn on a 1000-row case with many ties, unweighted and weighted', () => {
  const { scores, labels, weights } = referenceCase();
  assertClose(rocAuc({ scores, labels }).value, 0.8385336042311662);
  assertClose(rocAuc({ scores, labels, weights }).value, 0.8416876794204946);
});

test('AUC equals sklearn on float32 scores', () => {
  // s32 = np.float32(a / 101 + ((i * 31) % 1009) / 100000)
  const { labels, weights, a } = referenceCase();
  const scores = Float32Array.from(a, (ai, i) => ai / 101 + ((i * 31) % 1009) / 100000);
  assertClose(rocAuc({ scores, labels }).value, 0.8385336042311662);
  assertClose(rocAuc({ scores, labels, weights }).value, 0.8417033572132059);
});

test('tied scores count one half (small case checked by hand and sklearn)', () => {
  const scores = [0.1, 0.4, 0.35, 0.8, 0.4, 0.4];
  const labels = [0, 0, 1, 1, 1, 0];
  // pairs: 0.35 beats 0.1; 0.8 beats all 3; 0.4 beats 0.1 and ties two 0.4s -> (1 + 3 + 2) / 9
  assertClose(rocAuc({ scores, labels }).value, 6 / 9, 1e-15);
  // sklearn with sample_weight=[1, 2, 0.5, 1, 3, 4]: 0.6190476190476191 = 19.5 / 31.5
  assertClose(rocAuc({ scores, labels, weights: [1, 2, 0.5, 1, 3, 4] }).value, 0.6190476190476191, 1e-15);
});

test('-0 and +0 are one tie, as in numpy', () => {
  assert.equal(rocAuc({ scores: [-0, 0], labels: [1, 0] }).value, 0.5);
});

test('negative and infinite scores sort correctly', () => {
  assert.equal(rocAuc({ scores: [-Infinity, -3.5, -1e-300, 2, Infinity], labels: [0, 0, 0, 1, 1] }).value, 1);
  assert.equal(rocAuc({ scores: [-1, -2], labels: [1, 0] }).value, 1);
});

test('single-class input is undefined with a reason, not NaN or 0.5', () => {
  const r = rocAuc({ scores: [0.1, 0.2, 0.3], labels: [1, 1, 1] });
  assert.equal(r.value, undefined);
  assert.match(r.reason ?? '', /no negative rows/);
  assert.match(rocAuc({ scores: [0.1], labels: [0] }).reason ?? '', /no positive rows/);
  assert.match(rocAuc({ scores: [], labels: [] }).reason ?? '', /no rows/);
  assert.match(rocAuc({ scores: [0.1, 0.2], labels: [0, 1], weights: [1, 0] }).reason ?? '', /no positive/);
});

test('NaN scores make AUC undefined and say how many', () => {
  assert.match(rocAuc({ scores: [0.1, NaN, 0.3], labels: [0, 1, 1] }).reason ?? '', /1 of 3 scores are NaN/);
});

test('mismatched lengths are a programming error', () => {
  assert.throws(() => rocAuc({ scores: [0.1, 0.2], labels: [1] }), /labels has 1 entries, expected at least 2/);
});
