// `mmoe eval --report report.html`: one self-contained page (inline CSS and SVG, a few lines of
// inline script, no network, no web fonts) with per-task ROC, calibration and score histograms, a
// task-by-expert heat map of gate weights, and the same metric tables as the text formats.
import { createHash } from 'node:crypto';
import type { EvalDocument, TaskResult } from './eval-document.js';
import { isNumericCell, reportSections, type Section, summaryLines } from './report-sections.js';
import { calibrationChart, esc, gateHeatMap, histogramChart, rocChart, type Series } from './svg-charts.js';

const MODEL_COLOR = '#1f77b4';
const BASELINE_COLOR = '#d62728';

const STYLE = `
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:24px;color:#111;background:#fff}
h1{font-size:20px}h2{font-size:17px;margin-top:28px}h3{font-size:15px;margin:18px 0 6px}
table{border-collapse:collapse;font-size:13px;margin:6px 0}th,td{border:1px solid #ccc;padding:3px 7px;text-align:left}
td.n{text-align:right;font-variant-numeric:tabular-nums}th{background:#f3f3f3}
.summary{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px;white-space:pre-wrap;background:#f7f7f7;padding:8px}
.charts{display:flex;flex-wrap:wrap;gap:12px}
svg.chart{font-size:10px;background:#fff}svg .plot{fill:none;stroke:#999}svg .grid{stroke:#eee}svg .tick{stroke:#999}
svg .diagonal{stroke:#bbb;stroke-dasharray:3 3}svg .pos,svg .pos-key{fill:#ff7f0e}svg .neg,svg .neg-key{fill:#1f77b4;opacity:.75}
svg .axis-label{font-size:11px}.warning{color:#8a4b00}.failed{color:#b00020;font-weight:bold}.passed{color:#0a6b2b}
ul.notes{font-size:13px}`;

// Marks the page as rendered once every chart has laid out with a size (headless checks read it).
const SCRIPT = `(function(){var c=document.querySelectorAll('svg.chart'),n=0;for(var i=0;i<c.length;i++){var b=c[i].getBBox();if(b.width>0&&b.height>0)n++;}document.documentElement.setAttribute('data-charts-rendered',String(n));document.documentElement.setAttribute('data-charts',String(c.length));})();`;

// Nothing may load from anywhere, and only this page's own script may run (pinned by its hash).
const CSP = `default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-${createHash('sha256').update(SCRIPT).digest('base64')}'`;

function table(s: Section): string {
  const head = `<tr>${s.head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr>`;
  const rows = s.rows.map((r) => `<tr>${r.map((c) => `<td${isNumericCell(c) ? ' class="n"' : ''}>${esc(c)}</td>`).join('')}</tr>`).join('\n');
  const notes = s.notes?.length
    ? `<ul class="notes">${s.notes.map((n) => `<li${n.startsWith('warning') ? ' class="warning"' : ''}>${esc(n.trim())}</li>`).join('')}</ul>`
    : '';
  const cls = s.title.includes('FAILED') ? ' class="failed"' : s.title.includes('passed') ? ' class="passed"' : '';
  return `<h3${cls}>${esc(s.title)}</h3><table>${head}\n${rows}</table>${notes}`;
}

function taskCharts(t: TaskResult, baselineName: string | null): string {
  const b = t.binary!;
  const base = t.baseline?.binary ?? null;
  const roc: (Series & { auc: string })[] = [
    { name: 'model', color: MODEL_COLOR, points: b.roc.map((p) => ({ x: p.fpr, y: p.tpr })), auc: b.auc.value === null ? 'undefined' : b.auc.value.toFixed(4) },
  ];
  if (base && baselineName) roc.push({ name: 'baseline', color: BASELINE_COLOR, dashed: true, points: base.roc.map((p) => ({ x: p.fpr, y: p.tpr })), auc: base.auc.value === null ? 'undefined' : base.auc.value.toFixed(4) });
  const cal: Series[] = [{ name: 'model', color: MODEL_COLOR, points: b.calibrationBins.map((c) => ({ x: c.meanScore, y: c.labelRate })) }];
  if (base && baselineName) cal.push({ name: 'baseline', color: BASELINE_COLOR, dashed: true, points: base.calibrationBins.map((c) => ({ x: c.meanScore, y: c.labelRate })) });
  const rocNote = b.roc.length === 0 ? `<p class="warning">No ROC curve: AUC is ${esc(b.auc.reason ?? 'undefined')}.</p>` : '';
  return (
    `<section class="task" data-task="${esc(t.name)}"><h3>Task ${esc(t.name)} (label ${esc(t.label)})</h3>${rocNote}<div class="charts">` +
    rocChart(`ROC of ${t.name}`, roc) +
    calibrationChart(`calibration of ${t.name}`, cal) +
    histogramChart(`score histogram of ${t.name}`, b.histogram.edges, b.histogram.positive, b.histogram.negative) +
    `</div></section>`
  );
}

export function renderHtmlReport(doc: EvalDocument): string {
  const binary = doc.tasks.filter((t) => t.binary);
  const gates = Object.entries(doc.gates).map(([name, g]) => ({ name, weights: g.meanWeight }));
  const regression = doc.tasks.filter((t) => t.regression).map((t) => `<li>${esc(t.name)} (regression, label ${esc(t.label)}): see the regression table</li>`);
  const body = [
    `<h1>mmoe eval: ${doc.tasks.map((t) => esc(t.name)).join(', ')}</h1>`,
    `<div class="summary">${esc(summaryLines(doc).join('\n'))}</div>`,
    `<h2>Tasks</h2>`,
    binary.map((t) => taskCharts(t, doc.baseline?.path ?? null)).join('\n'),
    regression.length ? `<ul>${regression.join('')}</ul>` : '',
    gates.length ? `<h2>Gate weights</h2>${gateHeatMap(gates)}` : '',
    `<h2>Metrics</h2>`,
    reportSections(doc).map(table).join('\n'),
    `<p class="summary">generated ${esc(doc.generatedAt)} by mmoe ${esc(doc.mmoeVersion)}; schema version ${doc.schemaVersion}</p>`,
  ];
  return (
    `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">` +
    `<meta http-equiv="Content-Security-Policy" content="${CSP}">` +
    `<title>mmoe eval ${esc(doc.model.path)}</title><style>${STYLE}</style></head>\n<body>\n${body.join('\n')}\n<script>${SCRIPT}</script>\n</body></html>\n`
  );
}
