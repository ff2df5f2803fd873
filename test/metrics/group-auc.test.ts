import assert from 'node:assert/strict';
import { test } from 'node:test';
import { groupAuc, internKeys } from '../../src/metrics/group-auc.js';
import { assertClose, referenceCase } from './fixture.js';

// Reference: per-group sklearn roc_auc_score, impression-weighted (rows, or summed sample_weight),
// over groups with both classes. Group key: r = i % 151; r < 140 ? r : 1000 + 2r + label.
function keys(labels: Float32Array): string[] {
  return Array.from(labels, (y, i) => {
    const r = i % 151;
    return String(r < 140 ? r : 1000 + 2 * r + y);
  });
}

test('group AUC equals the impression-weighted mean of sklearn per-group AUC', () => {
  const { scores, labels, weights } = referenceCase();
  const groups = keys(labels);
  const g = groupAuc({ scores, labels }, groups);
  assertClose(g.gauc.value, 0.8444325481798712);
  assert.equal(g.groupsUsed, 140);
  assert.equal(g.groupsSkipped, 22);
  assertClose(groupAuc({ scores, labels, weights }, internKeys(groups).ids).gauc.value, 0.8449357264507354);
});

test('group AUC is undefined when no group has both classes', () => {
  const g = groupAuc({ scores: [0.1, 0.2], labels: [0, 1] }, ['u1', 'u2']);
  assert.equal(g.gauc.value, undefined);
  assert.match(g.gauc.reason ?? '', /no group has both/);
  assert.equal(g.groupsSkipped, 2);
});
