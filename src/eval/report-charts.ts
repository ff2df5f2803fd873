// The charts of the HTML eval report, from the EvalDocument: per binary task ROC, precision-recall,
// calibration and score histograms (the baseline dashed beside the model), and the training
// curves of the run that made the model (metadata.json history).
import type { BinaryResult, TaskResult } from './eval-document.js';
import type { TrainingFacts } from '../model/model-facts.js';
import { chart, guide, keysOf, niceRange, polyline, type Series } from './svg-charts.js';

export const MODEL_COLOR = '#1f77b4';
export const BASELINE_COLOR = '#d62728';
const POSITIVE_COLOR = '#ff7f0e';
const NEGATIVE_COLOR = '#5b8fc7';
/** One colour per task in the training curves. */
const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22'];

const fixed = (x: number | null | undefined, d = 4): string => (typeof x === 'number' && Number.isFinite(x) ? x.toFixed(d) : 'n/a');

function sides(t: TaskResult): { name: string; b: BinaryResult; color: string; dashed: boolean }[] {
  const out = [{ name: 'model', b: t.binary!, color: MODEL_COLOR, dashed: false }];
  if (t.baseline?.binary) out.push({ name: 'baseline', b: t.baseline.binary, color: BASELINE_COLOR, dashed: true });
  return out;
}

export function rocChart(t: TaskResult): string {
  const series = sides(t).map((s): Series & { b: BinaryResult } => ({ ...s, points: s.b.roc.map((p) => ({ x: p.fpr, y: p.tpr })) }));
  const auc = (b: BinaryResult) => `AUC ${fixed(b.auc.value)}${b.aucInterval ? ` (95% CI ${fixed(b.aucInterval.lower, 3)}-${fixed(b.aucInterval.upper, 3)})` : ''}`;
  return chart(
    `ROC of ${t.name}`,
    { label: 'false positive rate', min: 0, max: 1 },
    { label: 'true positive rate', min: 0, max: 1 },
    (s) => guide(s, { x: 0, y: 0 }, { x: 1, y: 1 }) + series.map((x) => polyline(s, x)).join(''),
    [...keysOf(series, (x) => `${x.name} ${auc((x as Series & { b: BinaryResult }).b)}`), { color: '#999', text: 'chance', kind: 'dashed' }],
  );
}

/** Precision against recall, with the label rate (a random ranking's precision) as reference. */
export function prChart(t: TaskResult): string {
  const series = sides(t).map((s): Series & { b: BinaryResult } => ({ ...s, points: s.b.pr.map((p) => ({ x: p.recall, y: p.precision })) }));
  const rate = t.binary!.labelRate;
  return chart(
    `Precision-recall of ${t.name}`,
    { label: 'recall', min: 0, max: 1 },
    { label: 'precision', min: 0, max: 1 },
    (s) => (Number.isFinite(rate) ? guide(s, { x: 0, y: rate }, { x: 1, y: rate }) : '') + series.map((x) => polyline(s, x)).join(''),
    [
      ...keysOf(series, (x) => `${x.name} AP ${fixed((x as Series & { b: BinaryResult }).b.averagePrecision.value)}`),
      { color: '#999', text: `label rate ${Number.isFinite(rate) ? `${(100 * rate).toFixed(1)}%` : 'n/a'} (random ranking)`, kind: 'dashed' },
    ],
  );
}

/** Mean score against label rate per bin, on a scale fitted to the data (a 1% task is not squeezed into a corner). */
export function calibrationChart(t: TaskResult): string {
  const series = sides(t).map((s): Series => ({ ...s, dots: true, points: s.b.calibrationBins.map((c) => ({ x: c.meanScore, y: c.labelRate })) }));
  const all = series.flatMap((s) => s.points.flatMap((p) => [p.x, p.y])).filter(Number.isFinite);
  const { max } = niceRange(0, Math.min(1, Math.max(0.01, ...all) * 1.02), 1);
  const axis = (label: string) => ({ label, min: 0, max, percent: true });
  return chart(
    `Calibration of ${t.name}`,
    axis('mean score (per bin)'),
    axis('label rate (per bin)'),
    (s) => guide(s, { x: 0, y: 0 }, { x: max, y: max }) + series.map((x) => polyline(s, x)).join(''),
    [...keysOf(series), { color: '#999', text: 'perfect calibration', kind: 'dashed' }],
  );
}

/** Score histograms of positive and negative rows, each as shares of its own label (bars side by side). */
export function histogramChart(t: TaskResult): string {
  const h = t.binary!.histogram;
  const share = (c: number[]) => {
    const n = c.reduce((a, b) => a + b, 0);
    return c.map((v) => (n > 0 ? v / n : 0));
  };
  const pos = share(h.positive);
  const neg = share(h.negative);
  const yMax = niceRange(0, Math.max(0.01, ...pos, ...neg), 1).max;
  const lo = h.edges[0]!;
  const hi = h.edges[h.edges.length - 1]!;
  const count = (c: number[]) => c.reduce((a, b) => a + b, 0);
  return chart(
    `Score histogram of ${t.name}`,
    { label: 'score', min: lo, max: hi },
    { label: 'share of the rows of a label', min: 0, max: yMax, percent: true },
    (s) =>
      h.positive
        .map((_, i) => {
          const x0 = s.x(h.edges[i]!);
          const x1 = s.x(h.edges[i + 1]!);
          const w = (x1 - x0) / 2;
          const bar = (v: number, k: number, color: string, label: string) =>
            `<rect x="${(x0 + k * w).toFixed(1)}" y="${s.y(v).toFixed(1)}" width="${Math.max(0, w - 0.5).toFixed(1)}" height="${(s.y(0) - s.y(v)).toFixed(1)}" fill="${color}"><title>${label}, scores ${h.edges[i]!.toFixed(2)}-${h.edges[i + 1]!.toFixed(2)}: ${(100 * v).toFixed(1)}%</title></rect>`;
          return bar(neg[i]!, 0, NEGATIVE_COLOR, 'label 0') + bar(pos[i]!, 1, POSITIVE_COLOR, 'label 1');
        })
        .join(''),
    [
      { color: NEGATIVE_COLOR, text: `label 0 (${count(h.negative)} rows)`, kind: 'box' },
      { color: POSITIVE_COLOR, text: `label 1 (${count(h.positive)} rows)`, kind: 'box' },
    ],
  );
}

/** Training and validation loss per epoch, and each task's validation metric per epoch; the kept epoch marked. */
export function trainingCharts(tr: TrainingFacts, tasks: { name: string; type: 'binary' | 'regression' }[]): string[] {
  const h = tr.history;
  if (h.length === 0) return [];
  const epochs = { label: 'epoch', min: Math.min(1, h[0]!.epoch), max: Math.max(2, h[h.length - 1]!.epoch), integer: true };
  const best = (lo: number, hi: number) => (s: Parameters<typeof guide>[0]) => (tr.epochs.best > 0 ? guide(s, { x: tr.epochs.best, y: lo }, { x: tr.epochs.best, y: hi }) : '');
  const range = (vals: number[]) => {
    const v = vals.filter(Number.isFinite);
    const lo = Math.min(...v);
    const hi = Math.max(...v);
    const pad = (hi - lo) * 0.05 || Math.abs(hi) * 0.05 || 0.01;
    return niceRange(lo - pad, hi + pad);
  };
  const loss: Series[] = [
    { name: 'training loss', color: MODEL_COLOR, points: h.map((e) => ({ x: e.epoch, y: e.trainLoss })) },
    ...(h.some((e) => e.validLoss !== null) ? [{ name: 'validation loss', color: POSITIVE_COLOR, dashed: true, points: h.map((e) => ({ x: e.epoch, y: e.validLoss ?? Number.NaN })) }] : []),
  ];
  const lr = range(loss.flatMap((s) => s.points.map((p) => p.y)));
  const out = [
    chart('Loss per epoch', epochs, { label: 'loss (weighted sum of tasks)', ...lr }, (s) => best(lr.min, lr.max)(s) + loss.map((x) => polyline(s, { ...x, dots: true })).join(''), [
      ...keysOf(loss),
      { color: '#999', text: `epoch ${tr.epochs.best}: the weights kept`, kind: 'dashed' },
    ]),
  ];
  for (const type of ['binary', 'regression'] as const) {
    const ts = tasks.filter((t) => t.type === type && h.some((e) => e.validMetrics[t.name] != null));
    if (ts.length === 0) continue;
    const series: Series[] = ts.map((t, i) => ({ name: t.name, color: PALETTE[i % PALETTE.length]!, points: h.map((e) => ({ x: e.epoch, y: e.validMetrics[t.name] ?? Number.NaN })) }));
    const r = range(series.flatMap((s) => s.points.map((p) => p.y)));
    const metric = type === 'binary' ? 'validation AUC' : 'validation MSE';
    out.push(chart(`${metric[0]!.toUpperCase()}${metric.slice(1)} per epoch`, epochs, { label: metric, ...r }, (s) => best(r.min, r.max)(s) + series.map((x) => polyline(s, { ...x, dots: true })).join(''), keysOf(series)));
  }
  return out;
}
