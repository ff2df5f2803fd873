// Inline SVG charts for the HTML eval report, drawn here rather than by a script in the page so the
// file needs nothing to open: no network, no fonts, no library. Every label passes through esc().

/** Text and attribute escaping for anything that reaches the page. */
export function esc(s: string): string {
  return s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;').replaceAll("'", '&#39;');
}

const W = 300;
const H = 240;
const PAD = { left: 44, right: 12, top: 12, bottom: 36 };
const PW = W - PAD.left - PAD.right;
const PH = H - PAD.top - PAD.bottom;

export interface Series {
  name: string;
  points: { x: number; y: number }[];
  color: string;
  dashed?: boolean;
}

const f = (x: number): string => (Number.isFinite(x) ? x.toFixed(1) : '0');

function frame(title: string, xLabel: string, yLabel: string, xMax: number, yMax: number, body: string, legend: string[]): string {
  const ticks = [0, 0.25, 0.5, 0.75, 1];
  const axis = ticks
    .map((t) => {
      const x = PAD.left + t * PW;
      const y = PAD.top + PH - t * PH;
      return (
        `<line x1="${f(x)}" y1="${f(PAD.top + PH)}" x2="${f(x)}" y2="${f(PAD.top + PH + 4)}" class="tick"/>` +
        `<text x="${f(x)}" y="${f(PAD.top + PH + 15)}" text-anchor="middle">${esc(tick(t * xMax))}</text>` +
        `<line x1="${f(PAD.left - 4)}" y1="${f(y)}" x2="${f(PAD.left + PW)}" y2="${f(y)}" class="grid"/>` +
        `<text x="${f(PAD.left - 6)}" y="${f(y + 3)}" text-anchor="end">${esc(tick(t * yMax))}</text>`
      );
    })
    .join('');
  const keys = legend.map((l, i) => `<text x="${f(PAD.left + 8)}" y="${f(PAD.top + 14 + i * 13)}" class="legend">${l}</text>`).join('');
  return (
    `<svg class="chart" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${esc(title)}">` +
    `<title>${esc(title)}</title>${axis}` +
    `<rect x="${PAD.left}" y="${PAD.top}" width="${PW}" height="${PH}" class="plot"/>${body}${keys}` +
    `<text x="${f(PAD.left + PW / 2)}" y="${H - 4}" text-anchor="middle" class="axis-label">${esc(xLabel)}</text>` +
    `<text transform="translate(11 ${f(PAD.top + PH / 2)}) rotate(-90)" text-anchor="middle" class="axis-label">${esc(yLabel)}</text></svg>`
  );
}

function tick(v: number): string {
  return v === 0 ? '0' : v >= 0.1 ? String(+v.toFixed(2)) : v.toPrecision(2);
}

function polyline(s: Series, xMax: number, yMax: number): string {
  const pts = s.points.map((p) => `${f(PAD.left + (Math.min(p.x, xMax) / xMax) * PW)},${f(PAD.top + PH - (Math.min(p.y, yMax) / yMax) * PH)}`).join(' ');
  return `<polyline points="${pts}" fill="none" stroke="${s.color}" stroke-width="1.8"${s.dashed ? ' stroke-dasharray="5 3"' : ''}/>`;
}

function diagonal(): string {
  return `<line x1="${PAD.left}" y1="${PAD.top + PH}" x2="${PAD.left + PW}" y2="${PAD.top}" class="diagonal"/>`;
}

function swatch(s: Series, text: string): string {
  return `<tspan fill="${s.color}">${s.dashed ? '- -' : '—'}</tspan> ${esc(text)}`;
}

/** ROC curves (false positive rate -> true positive rate) with the chance diagonal. */
export function rocChart(title: string, series: (Series & { auc: string })[]): string {
  const body = diagonal() + series.map((s) => polyline(s, 1, 1)).join('');
  return frame(title, 'false positive rate', 'true positive rate', 1, 1, body, series.map((s) => swatch(s, `${s.name} AUC ${s.auc}`)));
}

/**
 * Calibration: mean score (x) against label rate (y) per bin, on a shared scale fitted to the data
 * so a task with a 1% positive rate is not squeezed into a corner.
 */
export function calibrationChart(title: string, series: Series[]): string {
  const all = series.flatMap((s) => s.points.flatMap((p) => [p.x, p.y])).filter(Number.isFinite);
  const max = Math.min(1, Math.max(0.01, ...all) * 1.05);
  const dots = series
    .map((s) =>
      s.points
        .map((p) => `<circle cx="${f(PAD.left + (p.x / max) * PW)}" cy="${f(PAD.top + PH - (p.y / max) * PH)}" r="3" fill="${s.color}"><title>mean score ${p.x.toFixed(4)}, label rate ${p.y.toFixed(4)}</title></circle>`)
        .join(''),
    )
    .join('');
  const body = diagonal() + series.map((s) => polyline(s, max, max)).join('') + dots;
  return frame(title, 'mean score', 'label rate', max, max, body, series.map((s) => swatch(s, s.name)));
}

/** Score histograms of positive and negative rows, each as shares of its own label (bars side by side). */
export function histogramChart(title: string, edges: number[], positive: number[], negative: number[]): string {
  const share = (c: number[]) => {
    const n = c.reduce((a, b) => a + b, 0);
    return c.map((v) => (n > 0 ? v / n : 0));
  };
  const pos = share(positive);
  const neg = share(negative);
  const yMax = Math.max(0.01, ...pos, ...neg) * 1.05;
  const bins = positive.length;
  const bw = PW / bins;
  const bar = (v: number, i: number, k: number, cls: string) => {
    const h = (v / yMax) * PH;
    return `<rect x="${f(PAD.left + i * bw + k * (bw / 2))}" y="${f(PAD.top + PH - h)}" width="${f(bw / 2)}" height="${f(h)}" class="${cls}"><title>${edges[i]!.toFixed(2)}-${edges[i + 1]!.toFixed(2)}: ${(100 * v).toFixed(1)}%</title></rect>`;
  };
  const body = neg.map((v, i) => bar(v, i, 0, 'neg')).join('') + pos.map((v, i) => bar(v, i, 1, 'pos')).join('');
  const legend = [`<tspan class="neg-key">■</tspan> label 0 (${negative.reduce((a, b) => a + b, 0)} rows)`, `<tspan class="pos-key">■</tspan> label 1 (${positive.reduce((a, b) => a + b, 0)} rows)`];
  return frame(title, 'score', 'share of rows of the label', edges[edges.length - 1]! - edges[0]!, yMax, body, legend);
}

/** Rows = gates (tasks), columns = experts, colour = mean gate weight. */
export function gateHeatMap(rows: { name: string; weights: number[] }[]): string {
  const experts = Math.max(1, ...rows.map((r) => r.weights.length));
  const cw = 46;
  const ch = 26;
  const left = Math.min(220, 12 + 7 * Math.max(4, ...rows.map((r) => r.name.length)));
  const width = left + experts * cw + 10;
  const height = 24 + rows.length * ch + 6;
  const head = Array.from({ length: experts }, (_, j) => `<text x="${f(left + j * cw + cw / 2)}" y="16" text-anchor="middle">expert ${j}</text>`).join('');
  const cells = rows
    .map((r, i) => {
      const y = 24 + i * ch;
      const label = `<text x="${left - 6}" y="${f(y + ch / 2 + 4)}" text-anchor="end">${esc(r.name)}</text>`;
      return (
        label +
        r.weights
          .map((w, j) => {
            const light = 96 - Math.round(Math.min(1, Math.max(0, w)) * 60);
            const text = light < 60 ? '#fff' : '#111';
            return (
              `<rect x="${left + j * cw}" y="${y}" width="${cw - 2}" height="${ch - 2}" fill="hsl(215 70% ${light}%)"><title>${esc(r.name)}, expert ${j}: mean weight ${w.toFixed(4)}</title></rect>` +
              `<text x="${f(left + j * cw + cw / 2 - 1)}" y="${f(y + ch / 2 + 3)}" text-anchor="middle" fill="${text}">${w.toFixed(2)}</text>`
            );
          })
          .join('')
      );
    })
    .join('');
  return `<svg class="chart heatmap" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="gate weights by task and expert"><title>mean gate weight by task and expert</title>${head}${cells}</svg>`;
}
