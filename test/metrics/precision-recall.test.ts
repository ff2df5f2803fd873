import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { rocAuc } from '../../src/metrics/auc.js';
import { operatingPointAt, operatingPointsAtShares, precisionRecall } from '../../src/metrics/precision-recall.js';
import { sortRows } from '../../src/metrics/sort.js';
import { assertClose } from './fixture.js';

// Inputs and values made once by scikit-learn (the command is in average-precision.py beside the JSON).
interface Case {
  name: string;
  scores: number[];
  labels: number[];
  weights?: number[];
  averagePrecision: number;
  rocAuc: number;
}
const fixture = JSON.parse(readFileSync('test/metrics/fixtures/average-precision.json', 'utf8')) as { sklearn: string; cases: Case[] };

test(`average precision equals scikit-learn's average_precision_score (${fixture.sklearn}) on every fixture case`, () => {
  assert.equal(fixture.cases.length, 5);
  for (const c of fixture.cases) {
    const rows = { scores: Float64Array.from(c.scores), labels: Float64Array.from(c.labels), weights: c.weights ? Float64Array.from(c.weights) : null };
    const pr = precisionRecall(sortRows(rows));
    assertClose(pr.averagePrecision.value, c.averagePrecision, 1e-12, `${c.name}: average precision`);
    assertClose(rocAuc(rows).value, c.rocAuc, 1e-12, `${c.name}: AUC`);
  }
});

test('the F1-maximising threshold and the operating points are what brute force over every threshold gives', () => {
  const c = fixture.cases.find((x) => x.name === 'rare positives')!;
  const sorted = sortRows({ scores: Float64Array.from(c.scores), labels: Float64Array.from(c.labels) });
  const best = precisionRecall(sorted).bestF1!;
  let bruteBest = 0;
  for (const t of [...new Set(c.scores)]) {
    const p = operatingPointAt(sorted, t - 1e-9);
    if (p.f1 > bruteBest) bruteBest = p.f1;
  }
  assertClose(best.f1, bruteBest, 1e-12, 'best F1');
  // The reported threshold reproduces that point under the "score > threshold" rule.
  const again = operatingPointAt(sorted, best.threshold);
  assert.deepEqual([again.tp, again.fp, again.f1], [best.tp, best.fp, best.f1]);
  const points = operatingPointsAtShares(sorted, [0.01, 0.1, 0.5]);
  assert.equal(points.length, 3);
  for (const [k, share] of [0.01, 0.1, 0.5].entries()) {
    assert.ok(points[k]!.predictedShare >= share && points[k]!.predictedShare < share + 0.002, `${share}: ${points[k]!.predictedShare}`);
    const p = operatingPointAt(sorted, points[k]!.threshold);
    assert.deepEqual([p.tp, p.fp], [points[k]!.tp, points[k]!.fp]);
  }
});

test('no positives: average precision undefined, no curve, no threshold', () => {
  const pr = precisionRecall(sortRows({ scores: [0.1, 0.2], labels: [0, 0] }));
  assert.match(pr.averagePrecision.reason!, /no positive rows/);
  assert.deepEqual([pr.curve, pr.bestF1], [[], null]);
});
