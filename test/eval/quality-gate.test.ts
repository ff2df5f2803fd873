import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { EvalReport } from '../../src/eval/evaluator.js';
import { aucGate, gateFailureMessage } from '../../src/eval/quality-gate.js';
import { binaryReport } from '../../src/metrics/binary-report.js';

/** A report whose binary tasks have the given AUCs (null: a single-class task). */
function report(aucs: Record<string, number | null>): EvalReport {
  const tasks = Object.entries(aucs).map(([task, auc]) => {
    const b = binaryReport({ scores: [0.1, 0.2], labels: auc === null ? [0, 0] : [0, 1] });
    b.metrics.auc = auc === null ? b.metrics.auc : { value: auc };
    return { task, type: 'binary' as const, binary: b };
  });
  return { rows: 2, tasks, gates: {}, gateWarnings: [], relatedness: { labels: [], scores: [] } };
}

test('passes within the allowed drop, fails beyond it (boundary included)', () => {
  const g = aucGate(report({ ctr: 0.745, cvr: 0.8 }), report({ ctr: 0.75, cvr: 0.79 }), 0.005);
  assert.equal(g.passed, true);
  assert.ok(Math.abs(g.checks[0]!.drop! - 0.005) < 1e-12);
  const bad = aucGate(report({ ctr: 0.7, cvr: 0.8 }), report({ ctr: 0.75, cvr: 0.79 }), 0.005);
  assert.equal(bad.passed, false);
  assert.deepEqual(bad.checks.map((c) => c.passed), [false, true]);
  assert.match(gateFailureMessage(bad, 'models/new', 'models/old'), /task 'ctr': AUC 0\.700000 \(models\/new\) vs 0\.750000 \(baseline models\/old\): AUC dropped by 0\.050000, more than 0\.005/);
});

test('an undefined AUC on either side, a missing task, or nothing to compare fails the gate', () => {
  assert.match(aucGate(report({ ctr: null }), report({ ctr: 0.7 }), 1).checks[0]!.reason!, /the model's AUC is undefined .*only one class/);
  assert.match(aucGate(report({ ctr: 0.7 }), report({ ctr: null }), 1).checks[0]!.reason!, /the baseline's AUC is undefined/);
  const missing = aucGate(report({ cvr: 0.7 }), report({ ctr: 0.7 }), 1);
  assert.equal(missing.passed, false);
  assert.match(missing.checks[0]!.reason!, /the model has no binary task 'ctr'/);
  const none = aucGate(report({ ctr: 0.7 }), report({}), 1);
  assert.equal(none.passed, false);
  assert.match(gateFailureMessage(none, 'a', 'b'), /has no binary task, so --max-auc-drop has nothing to check/);
});

test('a task new in the model is not gated', () => {
  assert.equal(aucGate(report({ ctr: 0.75, extra: 0.5 }), report({ ctr: 0.75 }), 0).passed, true);
});
