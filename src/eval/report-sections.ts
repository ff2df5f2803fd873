// The eval report as titled tables, built once from the EvalDocument and rendered by every format
// (terminal table, markdown, HTML), so the formats never disagree on what they show.
import { BAD_ROW_REASONS, type BadRowReason, type BadRowSummary } from '../data/bad-rows.js';
import { formatLocation } from '../errors.js';
import { type EvalDocument, headlineMetrics, type JsonMetric, type TaskResult } from './eval-document.js';
import type { ThresholdChoice } from './eval-job.js';

export interface Section {
  title: string;
  head: string[];
  rows: string[][];
  /** Lines shown under the table (warnings, their causes). */
  notes?: string[];
}

/** Cells holding a number (or a percentage), which tables right-align. */
export function isNumericCell(s: string): boolean {
  return /^[-+]?(\d|\.\d)[\d.,e+-]*%?$/.test(s);
}

/** A fixed-precision number; '-' for a value that is not a finite number. */
export function num(x: number | null | undefined, digits = 4): string {
  return typeof x === 'number' && Number.isFinite(x) ? x.toFixed(digits) : '-';
}

function signed(x: number | null | undefined, digits = 4): string {
  return typeof x === 'number' && Number.isFinite(x) ? `${x >= 0 ? '+' : ''}${x.toFixed(digits)}` : '-';
}

/** A metric, or "undefined (why)" — never a made-up number (JSON keeps the whole reason). */
export function metricText(m: JsonMetric | undefined, digits = 4): string {
  if (!m) return '-';
  if (m.value !== null) return num(m.value, digits);
  return `undefined (${shortReason(m.reason)})`;
}

function shortReason(reason: string | undefined): string {
  return /only one class/.test(reason ?? '') ? 'only one class' : (reason ?? '').replace(/^.*? is undefined: /, '');
}

/**
 * Table cells for metrics: a number, or `n/a` with the reason as a note under the table, so a long
 * reason never widens a column.
 */
class Cells {
  readonly notes: string[] = [];
  metric(task: string, what: string, m: JsonMetric | undefined, digits = 4): string {
    if (!m) return '-';
    if (m.value !== null) return num(m.value, digits);
    const note = `n/a: ${task} ${what}: ${shortReason(m.reason)}`;
    if (!this.notes.includes(note)) this.notes.push(note);
    return 'n/a';
  }
}

const pct = (x: number): string => (Number.isFinite(x) ? `${(100 * x).toFixed(2)}%` : '-');

const RULES: Record<ThresholdChoice['rule'], string> = {
  'validation-f1': "the threshold that maximised F1 on the model's validation rows",
  given: '--threshold',
  default: "0.5 (the model's metadata records no validation threshold)",
};

/** How the binary tasks' thresholds were chosen, in one line. */
export function thresholdLine(doc: EvalDocument): string {
  const binary = doc.tasks.filter((t) => t.binary);
  if (binary.length === 0) return 'threshold -';
  if (doc.options.threshold !== 'auto') return `threshold ${doc.options.threshold} for every task (--threshold)`;
  const rules = [...new Set(binary.map((t) => t.binary!.thresholdRule))];
  const values = binary.map((t) => `${t.name} ${num(t.binary!.threshold, 4)}`).join(', ');
  return `threshold per task: ${values}; ${rules.map((r) => RULES[r]).join('; ')}`;
}

export function summaryLines(doc: EvalDocument): string[] {
  const model = (m: EvalDocument['model']) =>
    `${m.path}${m.resolvedPath !== m.path ? ` -> ${m.resolvedPath}` : ''} (${m.modelType}${m.curDate ? `, trained through ${m.curDate}` : ''})`;
  const d = doc.data;
  const lines = [
    `model     ${model(doc.model)}`,
    ...(doc.baseline ? [`baseline  ${model(doc.baseline)}${doc.baseline.sameSpec ? '' : ' (its own feature spec: rows encoded once per model)'}`] : []),
    `data      ${d.dataDir} ${d.dates.join(',')}: ${d.files.length} file(s), ${d.rowsRead} rows read, ${d.rowsEvaluated} evaluated, ${d.badRows.total} bad`,
    `${thresholdLine(doc)}${doc.options.groupBy ? `; group AUC over '${doc.options.groupBy}'` : ''}`,
  ];
  if (d.baselineBadRows && d.baselineBadRows.total > 0) lines.push(`          ${d.baselineBadRows.total} more rows skipped: the baseline's feature spec rejects them`);
  return lines;
}

function interval(b: NonNullable<TaskResult['binary']>): string {
  return b.aucInterval ? `${num(b.aucInterval.lower)}-${num(b.aucInterval.upper)}` : '-';
}

export function binarySection(tasks: TaskResult[], grouped: boolean): Section {
  const cells = new Cells();
  const head = ['task', 'rows', 'positives', 'label rate', 'mean score', 'AUC', 'AUC 95% CI', 'AP', 'log loss', 'calibration'];
  const rows = tasks.map((t) => {
    const b = t.binary!;
    const row = [t.name, String(b.count), String(b.positives), pct(b.labelRate), num(b.meanScore), cells.metric(t.name, 'AUC', b.auc), interval(b)];
    row.push(cells.metric(t.name, 'average precision', b.averagePrecision), cells.metric(t.name, 'log loss', b.logLoss), cells.metric(t.name, 'calibration', b.calibration, 3));
    if (grouped) row.push(cells.metric(t.name, 'group AUC', b.groupAuc?.value), String(b.groupAuc?.groupsUsed ?? 0));
    return row;
  });
  return {
    title: 'Binary tasks',
    head: grouped ? [...head, 'group AUC', 'groups used'] : head,
    rows,
    notes: ['AUC 95% CI: DeLong; AP: average precision (area under the precision-recall curve)', ...cells.notes],
  };
}

export function samplingSection(tasks: TaskResult[]): Section {
  return {
    title: 'Negative sampling (calibration = mean score / label rate)',
    head: ['task', 'negatives kept in training', 'calibration without correction', 'calibration as published'],
    rows: tasks.map((t) => [t.name, String(t.sampling!.rate), num(t.sampling!.calibrationBefore, 3), num(t.sampling!.calibrationAfter, 3)]),
  };
}

export function thresholdSection(tasks: TaskResult[]): Section {
  const cells = new Cells();
  const count = (x: number) => (Number.isInteger(x) ? String(x) : x.toFixed(1));
  return {
    title: 'At the threshold (predicted positive: score > threshold)',
    head: ['task', 'threshold', 'accuracy', 'precision', 'recall', 'F1', 'TP', 'FP', 'FN', 'TN'],
    rows: tasks.map((t) => {
      const b = t.binary!;
      const c = b.confusion;
      return [
        t.name,
        num(b.threshold),
        ...(['accuracy', 'precision', 'recall', 'f1'] as const).map((k) => cells.metric(t.name, k === 'f1' ? 'F1' : k, b[k])),
        ...[c.tp, c.fp, c.fn, c.tn].map(count),
      ];
    }),
    notes: cells.notes.length ? cells.notes : undefined,
  };
}

export function regressionSection(tasks: TaskResult[]): Section {
  const cells = new Cells();
  return {
    title: 'Regression tasks',
    head: ['task', 'scale', 'rows', 'MSE', 'MAE', 'R^2', 'mean prediction', 'mean label'],
    rows: tasks.flatMap((t) =>
      (['original', 'transformed'] as const).map((scale) => {
        const r = t.regression![scale];
        return [t.name, scale, String(r.count), cells.metric(t.name, 'MSE', r.mse), cells.metric(t.name, 'MAE', r.mae), cells.metric(t.name, 'R^2', r.r2), num(r.meanPrediction), num(r.meanLabel)];
      }),
    ),
    notes: cells.notes.length ? cells.notes : undefined,
  };
}

export function comparisonSection(doc: EvalDocument): Section {
  const cells = new Cells();
  const rows: string[][] = [];
  for (const t of doc.tasks) {
    if (!t.baseline || !t.delta) {
      rows.push([t.name, '-', '-', 'not in the baseline', '-']);
      continue;
    }
    const cur = headlineMetrics(t);
    const base = headlineMetrics(t.baseline);
    for (const k of Object.keys(t.delta)) rows.push([t.name, k, cells.metric(t.name, k, cur[k]), cells.metric(`${t.name} (baseline)`, k, base[k]), signed(t.delta[k])]);
  }
  return { title: 'Against the baseline (same rows)', head: ['task', 'metric', 'model', 'baseline', 'delta'], rows, notes: cells.notes.length ? cells.notes : undefined };
}

export function gateSection(doc: EvalDocument): Section {
  const keys = Object.keys(doc.gates);
  const experts = Math.max(0, ...keys.map((k) => doc.gates[k]!.experts));
  const notes = doc.gateWarnings.flatMap((w) => [`warning: ${w.message}`, ...w.causes.map((c) => `  - likely cause: ${c}`)]);
  return {
    title: 'Gates (mean weight per expert)',
    head: ['gate', 'rows', 'entropy', 'normalized', 'polarized rows', ...Array.from({ length: experts }, (_, i) => `e${i}`)],
    rows: keys.map((k) => {
      const g = doc.gates[k]!;
      return [k, String(g.rows), num(g.meanEntropy, 3), num(g.normalizedEntropy, 3), pct(g.polarizedFraction), ...g.meanWeight.map((w) => num(w, 3))];
    }),
    notes: notes.length ? notes : ['no gate warnings'],
  };
}

export function relatednessSection(doc: EvalDocument): Section {
  const { labels, scores } = doc.relatedness;
  return {
    title: 'Task relatedness',
    head: ['pair', 'labels Pearson', 'labels Spearman', 'scores Pearson', 'scores Spearman'],
    rows: labels.map((l, i) => [`${l.a} ~ ${l.b}`, num(l.pearson, 3), num(l.spearman, 3), num(scores[i]?.pearson, 3), num(scores[i]?.spearman, 3)]),
  };
}

export function qualityGateSection(doc: EvalDocument): Section {
  const q = doc.qualityGate!;
  return {
    title: `Quality gate (--max-auc-drop ${q.maxAucDrop}): ${q.passed ? 'passed' : 'FAILED'}`,
    head: ['task', 'model AUC', 'baseline AUC', 'drop', 'result'],
    rows: q.checks.map((c) => [c.task, num(c.auc), num(c.baselineAuc), signed(c.drop), c.passed ? 'ok' : `FAIL: ${c.reason}`]),
    notes: q.checks.length === 0 ? ['the baseline has no binary task: nothing to compare, so the gate fails'] : undefined,
  };
}

export function badRowSection(title: string, s: BadRowSummary): Section {
  return {
    title,
    head: ['reason', 'rows', 'first example'],
    rows: (Object.keys(s.byReason) as BadRowReason[]).map((r) => {
      const c = s.byReason[r]!;
      const ex = c.examples[0];
      return [`${r} (${BAD_ROW_REASONS[r]})`, String(c.count), ex ? `${formatLocation(ex)}${ex.detail ? ` (${ex.detail})` : ''}` : '-'];
    }),
  };
}

/** Every section of the report, in reading order; empty ones are left out. */
export function reportSections(doc: EvalDocument): Section[] {
  const binary = doc.tasks.filter((t) => t.binary);
  const regression = doc.tasks.filter((t) => t.regression);
  const out: Section[] = [];
  // What decides a promotion comes first: the gate's verdict, then the differences to the baseline.
  if (doc.qualityGate) out.push(qualityGateSection(doc));
  if (doc.baseline) out.push(comparisonSection(doc));
  if (binary.length) out.push(binarySection(binary, doc.options.groupBy !== null), thresholdSection(binary));
  if (regression.length) out.push(regressionSection(regression));
  const sampled = doc.tasks.filter((t) => t.sampling);
  if (sampled.length) out.push(samplingSection(sampled));
  if (Object.keys(doc.gates).length) out.push(gateSection(doc));
  if (doc.relatedness.labels.length) out.push(relatednessSection(doc));
  if (doc.data.badRows.total > 0) out.push(badRowSection('Bad rows (skipped)', doc.data.badRows));
  if (doc.data.baselineBadRows && doc.data.baselineBadRows.total > 0) out.push(badRowSection("Rows the baseline's spec rejects (skipped for both)", doc.data.baselineBadRows));
  return out;
}
