// Inline SVG charts for the HTML eval report, drawn here rather than by a script in the page so the
// file needs nothing to open: no network, no fonts, no library. Every chart has a visible title on
// top, ticks at round values, axis labels clear of the tick labels and its legend under the plot
// (never over the data). Every label passes through esc().

/** Text and attribute escaping for anything that reaches the page. */
export function esc(s: string): string {
  return s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;').replaceAll("'", '&#39;');
}

const W = 340;
const PAD = { left: 52, right: 14, top: 30, bottom: 44 };
const PW = W - PAD.left - PAD.right;
const PH = 190;
const LEGEND_LINE = 15;

export interface Series {
  name: string;
  points: { x: number; y: number }[];
  color: string;
  dashed?: boolean;
  /** Dots at the points (calibration bins) instead of only a line. */
  dots?: boolean;
}

export interface Axis {
  label: string;
  min: number;
  max: number;
  /** Tick labels as percentages. */
  percent?: boolean;
  /** Integer ticks only (epochs). */
  integer?: boolean;
}

const f = (x: number): string => (Number.isFinite(x) ? x.toFixed(1) : '0');

/** About `count` ticks at 1, 2 or 5 times a power of ten, covering [min, max]. */
export function niceTicks(min: number, max: number, count = 5, integer = false): number[] {
  if (!(max > min)) return [min];
  const raw = (max - min) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  let step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  if (integer) step = Math.max(1, Math.round(step));
  const out: number[] = [];
  for (let v = Math.ceil(min / step - 1e-9) * step; v <= max + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

/** Decimals that show every tick of this step exactly (0.25 -> 2, 0.1 -> 1, 5 -> 0). */
/** [lo, hi] widened outward to round tick values (at most `cap` above). */
export function niceRange(lo: number, hi: number, cap = Number.POSITIVE_INFINITY): { min: number; max: number } {
  if (!(hi > lo)) return { min: lo, max: lo + 1 };
  const t = niceTicks(lo, hi, 5);
  const step = t.length > 1 ? t[1]! - t[0]! : hi - lo;
  return { min: Number((Math.floor(lo / step + 1e-9) * step).toPrecision(12)), max: Math.min(cap, Number((Math.ceil(hi / step - 1e-9) * step).toPrecision(12))) };
}

function decimalsOf(step: number): number {
  for (let d = 0; d < 6; d++) if (Math.abs(Math.round(step * 10 ** d) - step * 10 ** d) < 1e-9 * 10 ** d) return d;
  return 6;
}

function tickText(v: number, axis: Axis, step: number): string {
  return axis.percent ? `${(100 * v).toFixed(decimalsOf(100 * step))}%` : v.toFixed(decimalsOf(step));
}

/** Where a data value lands in the plot. */
export interface Scale {
  x(v: number): number;
  y(v: number): number;
}

function scale(x: Axis, y: Axis): Scale {
  const sx = (v: number) => PAD.left + ((Math.min(Math.max(v, x.min), x.max) - x.min) / (x.max - x.min || 1)) * PW;
  const sy = (v: number) => PAD.top + PH - ((Math.min(Math.max(v, y.min), y.max) - y.min) / (y.max - y.min || 1)) * PH;
  return { x: sx, y: sy };
}

/** A legend entry: a swatch (line, dashed line or square) and its text. */
export interface LegendItem {
  color: string;
  text: string;
  kind?: 'line' | 'dashed' | 'box';
}

/**
 * The frame of a chart: title, plot box, grid, ticks, axis labels and the legend under the x-axis
 * label; `body` draws the data with the scale. Returns the whole <svg>.
 */
export function chart(title: string, x: Axis, y: Axis, body: (s: Scale) => string, legend: LegendItem[]): string {
  const s = scale(x, y);
  const xt = niceTicks(x.min, x.max, 5, x.integer);
  const yt = niceTicks(y.min, y.max, 5, y.integer);
  const xStep = xt.length > 1 ? xt[1]! - xt[0]! : 1;
  const yStep = yt.length > 1 ? yt[1]! - yt[0]! : 1;
  const bottom = PAD.top + PH;
  const ticks =
    xt.map((v) => `<line x1="${f(s.x(v))}" y1="${bottom}" x2="${f(s.x(v))}" y2="${bottom + 4}" class="tick"/><text x="${f(s.x(v))}" y="${bottom + 16}" text-anchor="middle">${esc(tickText(v, x, xStep))}</text>`).join('') +
    yt.map((v) => `<line x1="${PAD.left - 4}" y1="${f(s.y(v))}" x2="${PAD.left + PW}" y2="${f(s.y(v))}" class="grid"/><text x="${PAD.left - 7}" y="${f(s.y(v) + 3.5)}" text-anchor="end">${esc(tickText(v, y, yStep))}</text>`).join('');
  const legendTop = bottom + PAD.bottom;
  const keys = legend
    .map((l, i) => {
      const cy = legendTop + 4 + i * LEGEND_LINE;
      const swatch =
        l.kind === 'box'
          ? `<rect x="${PAD.left}" y="${cy - 8}" width="10" height="10" fill="${l.color}"/>`
          : `<line x1="${PAD.left - 2}" y1="${cy - 3}" x2="${PAD.left + 12}" y2="${cy - 3}" stroke="${l.color}" stroke-width="2"${l.kind === 'dashed' ? ' stroke-dasharray="4 3"' : ''}/>`;
      return `${swatch}<text x="${PAD.left + 18}" y="${cy}" class="legend">${esc(l.text)}</text>`;
    })
    .join('');
  const height = legendTop + legend.length * LEGEND_LINE + 4;
  return (
    `<svg class="chart" viewBox="0 0 ${W} ${height}" width="${W}" height="${height}" role="img" aria-label="${esc(title)}">` +
    `<text x="${W / 2}" y="16" text-anchor="middle" class="chart-title">${esc(title)}</text>${ticks}` +
    `<rect x="${PAD.left}" y="${PAD.top}" width="${PW}" height="${PH}" class="plot"/>${body(s)}` +
    `<text x="${f(PAD.left + PW / 2)}" y="${bottom + 34}" text-anchor="middle" class="axis-label">${esc(x.label)}</text>` +
    `<text transform="translate(13 ${f(PAD.top + PH / 2)}) rotate(-90)" text-anchor="middle" class="axis-label">${esc(y.label)}</text>${keys}</svg>`
  );
}

export function polyline(s: Scale, series: Series): string {
  const pts = series.points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y)).map((p) => `${f(s.x(p.x))},${f(s.y(p.y))}`);
  const line = pts.length > 1 ? `<polyline points="${pts.join(' ')}" fill="none" stroke="${series.color}" stroke-width="1.8"${series.dashed ? ' stroke-dasharray="5 3"' : ''}/>` : '';
  const dots = series.dots || pts.length === 1 ? series.points.map((p) => `<circle cx="${f(s.x(p.x))}" cy="${f(s.y(p.y))}" r="2.8" fill="${series.color}"><title>${p.x.toPrecision(4)}, ${p.y.toPrecision(4)}</title></circle>`).join('') : '';
  return line + dots;
}

/** A straight reference line (chance diagonal, base rate, best epoch). */
export function guide(s: Scale, a: { x: number; y: number }, b: { x: number; y: number }): string {
  return `<line x1="${f(s.x(a.x))}" y1="${f(s.y(a.y))}" x2="${f(s.x(b.x))}" y2="${f(s.y(b.y))}" class="guide"/>`;
}

/** Series to legend entries. */
export function keysOf(series: Series[], text: (s: Series) => string = (s) => s.name): LegendItem[] {
  return series.map((s) => ({ color: s.color, text: text(s), kind: s.dashed ? 'dashed' : 'line' }));
}

/** Rows = gates (tasks), columns = experts, colour = mean gate weight. */
export function gateHeatMap(rows: { name: string; weights: number[] }[]): string {
  const experts = Math.max(1, ...rows.map((r) => r.weights.length));
  const cw = 46;
  const ch = 26;
  const left = Math.min(220, 16 + 7 * Math.max(4, ...rows.map((r) => r.name.length)));
  const width = Math.max(280, left + experts * cw + 10);
  const height = 50 + rows.length * ch + 6;
  const head = Array.from({ length: experts }, (_, j) => `<text x="${f(left + j * cw + cw / 2)}" y="42" text-anchor="middle">e${j}</text>`).join('');
  const cells = rows
    .map((r, i) => {
      const y = 50 + i * ch;
      const label = `<text x="${left - 8}" y="${f(y + ch / 2 + 3)}" text-anchor="end">${esc(r.name)}</text>`;
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
  const title = 'Mean gate weight by task and expert';
  return (
    `<svg class="chart heatmap" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${esc(title)}">` +
    `<text x="${f(width / 2)}" y="16" text-anchor="middle" class="chart-title">${esc(title)}</text>${head}${cells}</svg>`
  );
}
