// The promotion gate of `mmoe eval --baseline B --max-auc-drop d`: a nightly job refuses a model
// whose AUC on any binary task falls more than d below the baseline's on the same rows. A gate
// that cannot compare (an AUC undefined on single-class data, a task missing) fails: passing
// silently on what it could not check would promote a model nobody measured.
import type { EvalReport } from './evaluator.js';

export interface AucCheck {
  task: string;
  auc: number | null;
  baselineAuc: number | null;
  /** baselineAuc - auc; positive means the model is worse. */
  drop: number | null;
  passed: boolean;
  /** Why the check failed (or could not be made). */
  reason?: string;
}

export interface QualityGateResult {
  maxAucDrop: number;
  passed: boolean;
  checks: AucCheck[];
}

function aucOf(r: EvalReport, task: string): { value: number | null; reason?: string; binary: boolean } {
  const t = r.tasks.find((x) => x.task === task);
  if (!t?.binary) return { value: null, binary: false };
  const m = t.binary.metrics.auc;
  return m.value === undefined ? { value: null, reason: m.reason, binary: true } : { value: m.value, binary: true };
}

/** Checks every binary task of the baseline against the model's AUC on the same rows. */
export function aucGate(current: EvalReport, baseline: EvalReport, maxAucDrop: number): QualityGateResult {
  const checks: AucCheck[] = baseline.tasks
    .filter((t) => t.binary)
    .map((t) => {
      const cur = aucOf(current, t.task);
      const base = aucOf(baseline, t.task);
      const check: AucCheck = { task: t.task, auc: cur.value, baselineAuc: base.value, drop: null, passed: false };
      if (!cur.binary) return { ...check, reason: `the model has no binary task '${t.task}' to compare with the baseline's` };
      if (cur.value === null) return { ...check, reason: `the model's AUC is undefined (${cur.reason}), so it cannot be compared` };
      if (base.value === null) return { ...check, reason: `the baseline's AUC is undefined (${base.reason}), so it cannot be compared` };
      const drop = base.value - cur.value;
      // 0.75 - 0.745 is 0.0050000000000000044 in floating point: a drop equal to d passes.
      const passed = drop <= maxAucDrop + 1e-12;
      return { ...check, drop, passed, ...(passed ? {} : { reason: `AUC dropped by ${drop.toFixed(6)}, more than ${maxAucDrop}` }) };
    });
  const none = checks.length === 0;
  return { maxAucDrop, passed: !none && checks.every((c) => c.passed), checks };
}

/** One message naming every failed task with both AUCs, for stderr and the exit-4 error. */
export function gateFailureMessage(r: QualityGateResult, modelPath: string, baselinePath: string): string {
  if (r.checks.length === 0)
    return `quality gate failed: the baseline ${baselinePath} has no binary task, so --max-auc-drop has nothing to check; drop --max-auc-drop or pick another baseline`;
  const fmt = (x: number | null) => (x === null ? 'undefined' : x.toFixed(6));
  const lines = r.checks
    .filter((c) => !c.passed)
    .map((c) => `task '${c.task}': AUC ${fmt(c.auc)} (${modelPath}) vs ${fmt(c.baselineAuc)} (baseline ${baselinePath}): ${c.reason}`);
  return `quality gate failed (--max-auc-drop ${r.maxAucDrop}), the model must not be promoted:\n  ${lines.join('\n  ')}`;
}
