// `mmoe eval --report report.html`: one self-contained page (inline CSS and SVG, a few lines of
// inline script, no network, no web fonts) for a model review, in reading order: the quality gate's
// verdict and the differences to the baseline first, the headline metrics, then per task ROC,
// precision-recall, calibration and score histograms with the confusion matrix and a threshold
// sweep, the training run that made the model (facts and curves), the gates, task relatedness and
// the data read. Tables come from the same sections as the text formats. Prints on A4.
import { createHash } from 'node:crypto';
import type { EvalDocument, TaskResult } from './eval-document.js';
import type { TrainingFacts } from '../model/model-facts.js';
import { calibrationChart, histogramChart, prChart, rocChart, trainingCharts } from './report-charts.js';
import {
  badRowSection,
  binarySection,
  comparisonSection,
  isNumericCell,
  num,
  qualityGateSection,
  regressionSection,
  relatednessSection,
  type Section,
  summaryLines,
  thresholdLine,
  thresholdSection,
} from './report-sections.js';
import { esc, gateHeatMap } from './svg-charts.js';

const STYLE = `
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:24px;color:#111;background:#fff;max-width:1180px}
h1{font-size:21px;margin:0 0 4px}h2{font-size:17px;margin:30px 0 8px;border-bottom:1px solid #ddd;padding-bottom:3px}h3{font-size:15px;margin:18px 0 6px}
p.sub{margin:0 0 12px;color:#444;font-size:13px}
table{border-collapse:collapse;font-size:13px;margin:6px 0}th,td{border:1px solid #ccc;padding:3px 7px;text-align:left;vertical-align:top}
td.n{text-align:right;font-variant-numeric:tabular-nums}th{background:#f3f3f3}caption{text-align:left;font-weight:600;font-size:13px;padding:4px 0}
tr.chosen td{background:#fff6d6}
.banner{padding:10px 14px;border-radius:4px;margin:10px 0;font-size:14px}.banner.failed{background:#fde7ea;border:1px solid #b00020;color:#7a0016}
.banner.passed{background:#e6f4ea;border:1px solid #0a6b2b;color:#0a4d20}.banner ul{margin:6px 0 0 18px;padding:0}
.charts,.tables{display:flex;flex-wrap:wrap;gap:14px;align-items:flex-start}
svg.chart{font-size:10px;background:#fff}svg .plot{fill:none;stroke:#999}svg .grid{stroke:#eee}svg .tick{stroke:#999}
svg .guide{stroke:#999;stroke-dasharray:4 3}svg .chart-title{font-size:12px;font-weight:600}svg .axis-label{font-size:11px}svg .legend{font-size:10.5px}
dl.facts{display:grid;grid-template-columns:max-content auto;gap:3px 14px;font-size:13px;margin:6px 0}dl.facts dt{color:#555}dl.facts dd{margin:0}
ul.notes{font-size:13px;margin:4px 0 10px 18px;padding:0}.warning{color:#8a4b00}
.summary{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px;white-space:pre-wrap;background:#f7f7f7;padding:8px}
@media print{body{margin:0;max-width:none}h2{break-after:avoid}section.task,figure,svg.chart,table{break-inside:avoid}.banner{border-width:2px}}
@page{size:A4;margin:12mm}`;

// Marks the page as rendered once every chart has laid out with a size (headless checks read it).
const SCRIPT = `(function(){var c=document.querySelectorAll('svg.chart'),n=0;for(var i=0;i<c.length;i++){var b=c[i].getBBox();if(b.width>0&&b.height>0)n++;}document.documentElement.setAttribute('data-charts-rendered',String(n));document.documentElement.setAttribute('data-charts',String(c.length));})();`;

// Nothing may load from anywhere, and only this page's own script may run (pinned by its hash).
const CSP = `default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-${createHash('sha256').update(SCRIPT).digest('base64')}'`;

function table(s: Section, options: { caption?: boolean; highlight?: (row: string[]) => boolean } = {}): string {
  const head = `<tr>${s.head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr>`;
  const rows = s.rows
    .map((r) => `<tr${options.highlight?.(r) ? ' class="chosen"' : ''}>${r.map((c) => `<td${isNumericCell(c) ? ' class="n"' : ''}>${esc(c)}</td>`).join('')}</tr>`)
    .join('\n');
  const caption = options.caption ? `<caption>${esc(s.title)}</caption>` : '';
  const notes = s.notes?.length ? `<ul class="notes">${s.notes.map((n) => `<li>${esc(n.trim())}</li>`).join('')}</ul>` : '';
  return `<table>${caption}${head}\n${rows}</table>${notes}`;
}

function titled(s: Section, level = 'h3'): string {
  return `<${level}>${esc(s.title)}</${level}>${table(s)}`;
}

/** The quality gate's verdict as a banner at the top of the page. */
function gateBanner(doc: EvalDocument): string {
  const q = doc.qualityGate;
  if (!q) return '';
  const failed = q.checks.filter((c) => !c.passed);
  const items = failed.length
    ? `<ul>${failed.map((c) => `<li>${esc(c.task)}: ${esc(c.reason ?? 'failed')} (model ${num(c.auc)}, baseline ${num(c.baselineAuc)})</li>`).join('')}</ul>`
    : q.checks.length === 0
      ? '<ul><li>the baseline has no binary task: nothing to compare, so the gate fails</li></ul>'
      : '';
  return `<div class="banner ${q.passed ? 'passed' : 'failed'}"><strong>Quality gate ${q.passed ? 'passed' : 'FAILED'}</strong> (--max-auc-drop ${esc(String(q.maxAucDrop))}: no binary task may lose more AUC than that against the baseline)${items}</div>`;
}

/** The 2x2 confusion matrix at the task's threshold, with each label row's shares. */
function confusionTable(t: TaskResult): string {
  const b = t.binary!;
  const c = b.confusion;
  const n = (x: number) => (Number.isInteger(x) ? String(x) : x.toFixed(1));
  const share = (x: number, of: number) => (of > 0 ? ` (${((100 * x) / of).toFixed(1)}%)` : '');
  const pos = c.tp + c.fn;
  const neg = c.fp + c.tn;
  return (
    `<table><caption>Confusion matrix at threshold ${esc(num(b.threshold))}</caption>` +
    `<tr><th></th><th>predicted 1 (score &gt; threshold)</th><th>predicted 0</th></tr>` +
    `<tr><th>label 1</th><td class="n">${n(c.tp)}${share(c.tp, pos)} TP</td><td class="n">${n(c.fn)}${share(c.fn, pos)} FN</td></tr>` +
    `<tr><th>label 0</th><td class="n">${n(c.fp)}${share(c.fp, neg)} FP</td><td class="n">${n(c.tn)}${share(c.tn, neg)} TN</td></tr></table>`
  );
}

/** Precision, recall and F1 when the top x% of rows are predicted positive, and at the task's threshold. */
function sweepTable(t: TaskResult): string {
  const b = t.binary!;
  const pctOf = (x: number) => `${(100 * x).toFixed(x < 0.1 ? 1 : 0)}%`;
  const rows = b.sweep.map((p) => [pctOf(p.predictedShare), num(p.threshold), num(p.precision), num(p.recall), num(p.f1)]);
  const c = b.confusion;
  const total = c.tp + c.fp + c.fn + c.tn;
  const chosen = [total > 0 ? pctOf((c.tp + c.fp) / total) : '-', num(b.threshold), num(b.precision.value), num(b.recall.value), num(b.f1.value)];
  const all = [...rows, chosen].sort((x, y) => Number(y[1]) - Number(x[1]));
  const s: Section = { title: 'Threshold sweep (top share of rows predicted positive)', head: ['predicted positive', 'threshold', 'precision', 'recall', 'F1'], rows: all };
  return table(s, { caption: true, highlight: (r) => r === chosen });
}

function taskSection(t: TaskResult): string {
  const b = t.binary!;
  const note = b.roc.length === 0 ? `<p class="warning">No ROC or precision-recall curve: AUC is ${esc(b.auc.reason ?? 'undefined')}.</p>` : '';
  return (
    `<section class="task" data-task="${esc(t.name)}"><h3>Task ${esc(t.name)} (label ${esc(t.label)})</h3>${note}` +
    `<div class="charts">${rocChart(t)}${prChart(t)}${calibrationChart(t)}${histogramChart(t)}</div>` +
    `<div class="tables">${confusionTable(t)}${sweepTable(t)}</div></section>`
  );
}

function describeModel(m: Record<string, unknown> | null, type: string): string {
  if (!m) return type;
  const mlp = (x: unknown) => (x && typeof x === 'object' && Array.isArray((x as { units?: unknown }).units) ? `[${(x as { units: number[] }).units.join(', ')}]` : '?');
  const experts = m.experts as { count?: number } | undefined;
  const gated = ['moe', 'mmoe', 'ple'].includes(type);
  const extra = [typeof m.taskExperts === 'number' && m.taskExperts > 0 ? `${m.taskExperts} task experts per task` : '', typeof m.levels === 'number' && m.levels > 1 ? `${m.levels} levels` : '']
    .filter(Boolean)
    .join(', ');
  return `${type}: ${gated ? `${experts?.count ?? '?'} experts of ${mlp(m.experts)}` : `bottom ${mlp(m.experts)}`}, towers ${mlp(m.towers)}${extra ? `, ${extra}` : ''}`;
}

function trainingSection(doc: EvalDocument): string {
  const tr: TrainingFacts | null = doc.model.training;
  if (!tr) return '<h2>Training run</h2><p>No metadata.json next to the model: the run that made it is unknown.</p>';
  const e = tr.epochs;
  const facts: [string, string][] = [
    ['model', describeModel(tr.model, doc.model.modelType)],
    ['trained on', `${tr.dates.join(', ') || '?'} (${tr.rows.train} rows; ${tr.rows.skipped} bad rows skipped)`],
    ['validated on', `${tr.validation} (${tr.rows.valid} rows)`],
    ['epochs', `${e.run} of ${e.planned}${e.stoppedEarly ? ', stopped early' : ''}; the weights of epoch ${e.best} kept${tr.monitor ? ` (best validation ${tr.monitor.metric === 'auc' ? 'AUC' : tr.monitor.metric.toUpperCase()} of ${tr.monitor.task})` : ''}`],
    ['backend', `${tr.backend}${tr.seed !== null ? `, seed ${tr.seed}` : ''}`],
    ['took', tr.seconds !== null ? `${tr.seconds.toFixed(1)} s` : '?'],
    ['created', `${doc.model.createdAt ?? '?'}${tr.mmoeVersion ? ` by mmoe ${tr.mmoeVersion}` : ''}`],
    ['warm start', tr.warmStartFrom ?? 'none (fresh start)'],
  ];
  return (
    `<h2>Training run</h2><dl class="facts">${facts.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`).join('')}</dl>` +
    `<div class="charts">${trainingCharts(tr, doc.model.tasks).join('')}</div>`
  );
}

function gatesSection(doc: EvalDocument): string {
  const keys = Object.keys(doc.gates);
  if (keys.length === 0) return '';
  const pct = (x: number) => (Number.isFinite(x) ? `${(100 * x).toFixed(1)}%` : '-');
  const s: Section = {
    title: 'Gate statistics',
    head: ['gate', 'rows', 'entropy (nats)', 'normalized entropy', 'polarized rows', 'favourite expert (rows it wins)'],
    rows: keys.map((k) => {
      const g = doc.gates[k]!;
      const top = g.argmaxShare.indexOf(Math.max(...g.argmaxShare));
      return [k, String(g.rows), num(g.meanEntropy, 3), num(g.normalizedEntropy, 3), pct(g.polarizedFraction), `e${top} (${pct(g.argmaxShare[top]!)})`];
    }),
  };
  const warnings = doc.gateWarnings.length
    ? `<ul class="notes">${doc.gateWarnings.map((w) => `<li class="warning"><strong>warning:</strong> ${esc(w.message)}<ul>${w.causes.map((c) => `<li>likely cause: ${esc(c)}</li>`).join('')}</ul></li>`).join('')}</ul>`
    : '<ul class="notes"><li>no gate warnings</li></ul>';
  return `<h2>Gates</h2><div class="charts">${gateHeatMap(keys.map((k) => ({ name: k, weights: doc.gates[k]!.meanWeight })))}</div>${table(s)}${warnings}`;
}

export function renderHtmlReport(doc: EvalDocument): string {
  const binary = doc.tasks.filter((t) => t.binary);
  const regression = doc.tasks.filter((t) => t.regression);
  const m = doc.model;
  const d = doc.data;
  const body = [
    `<h1>mmoe eval: ${esc(m.path)}</h1>`,
    `<p class="sub">${esc(`${m.modelType}${m.curDate ? `, trained through ${m.curDate}` : ''}; ${d.rowsEvaluated} rows of ${d.dataDir} ${d.dates.join(', ')}; ${thresholdLine(doc)}`)}</p>`,
    gateBanner(doc),
    doc.qualityGate ? table(qualityGateSection(doc)) : '',
    doc.baseline ? `<h2>Against the baseline</h2><p class="sub">${esc(`baseline ${doc.baseline.path} (${doc.baseline.modelType}${doc.baseline.curDate ? `, trained through ${doc.baseline.curDate}` : ''}), on the same rows`)}</p>${table(comparisonSection(doc))}` : '',
    `<h2>Summary</h2>`,
    binary.length ? titled(binarySection(binary, doc.options.groupBy !== null)) + titled(thresholdSection(binary)) : '',
    regression.length ? titled(regressionSection(regression)) : '',
    binary.length ? `<h2>Tasks</h2>${binary.map(taskSection).join('\n')}` : '',
    trainingSection(doc),
    gatesSection(doc),
    doc.relatedness.labels.length ? `<h2>Task relatedness</h2>${table(relatednessSection(doc))}` : '',
    `<h2>Data</h2><div class="summary">${esc(summaryLines(doc).join('\n'))}</div>`,
    d.badRows.total > 0 ? titled(badRowSection('Bad rows (skipped)', d.badRows)) : '',
    d.baselineBadRows && d.baselineBadRows.total > 0 ? titled(badRowSection("Rows the baseline's spec rejects (skipped for both)", d.baselineBadRows)) : '',
    `<p class="sub">generated ${esc(doc.generatedAt)} by mmoe ${esc(doc.mmoeVersion)}; eval schema version ${doc.schemaVersion}; --format json holds every number of this page</p>`,
  ];
  return (
    `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">` +
    `<meta http-equiv="Content-Security-Policy" content="${CSP}">` +
    `<title>mmoe eval ${esc(m.path)}</title><style>${STYLE}</style></head>\n<body>\n${body.filter(Boolean).join('\n')}\n<script>${SCRIPT}</script>\n</body></html>\n`
  );
}
