// Hand-written SVG plot for the task-relatedness bench: mean test MSE against p, one line per
// model, error bars of one standard deviation. No plotting dependency: the figure is a few lines,
// axes and a legend, and a text file diffs well in the repository.
import { cellOf, type Summary } from './task-relatedness-stats.js';

const W = 720;
const H = 460;
const M = { left: 78, right: 180, top: 52, bottom: 78 };
const STYLES: Record<string, { color: string; dash: string; marker: 'circle' | 'square' | 'triangle' }> = {
  shared_bottom: { color: '#d62728', dash: '', marker: 'square' },
  moe: { color: '#2ca02c', dash: '6 4', marker: 'triangle' },
  mmoe: { color: '#1f77b4', dash: '', marker: 'circle' },
};
const FALLBACK = ['#9467bd', '#8c564b', '#e377c2', '#7f7f7f'];

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const f = (x: number) => x.toFixed(1);

/** A round step giving about `target` ticks over [0, max]. */
function niceStep(max: number, target: number): number {
  const raw = max / target;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const r = raw / mag;
  return (r <= 1 ? 1 : r <= 2 ? 2 : r <= 2.5 ? 2.5 : r <= 5 ? 5 : 10) * mag;
}

function marker(kind: 'circle' | 'square' | 'triangle', x: number, y: number, color: string): string {
  if (kind === 'circle') return `<circle cx="${f(x)}" cy="${f(y)}" r="4.5" fill="${color}"/>`;
  if (kind === 'square') return `<rect x="${f(x - 4)}" y="${f(y - 4)}" width="8" height="8" fill="${color}"/>`;
  return `<polygon points="${f(x)},${f(y - 5.5)} ${f(x - 5)},${f(y + 4)} ${f(x + 5)},${f(y + 4)}" fill="${color}"/>`;
}

/** `floor`, when given, is the MSE of a perfect predictor (the label noise variance), drawn as a dashed line. */
export function renderSvg(s: Summary, title: string, subtitle: string, floor?: number): string {
  const pw = W - M.left - M.right;
  const ph = H - M.top - M.bottom;
  const ps = s.correlations;
  const pMin = Math.min(...ps);
  const pMax = Math.max(...ps);
  const xLo = pMin - 0.05;
  const xHi = pMax + 0.05;
  const yTop = Math.max(...s.cells.map((c) => c.headline.mean + c.headline.std));
  const step = niceStep(yTop, 5);
  const yHi = Math.ceil((yTop * 1.05) / step) * step;
  const sx = (p: number) => M.left + ((p - xLo) / (xHi - xLo)) * pw;
  const sy = (v: number) => M.top + ph - (v / yHi) * ph;
  // Enough decimals for the step (0.025 needs three), the same for every tick.
  const tickDigits = Math.max(0, -Math.floor(Math.log10(step) + 1e-9) + (Number.isInteger(step / 10 ** Math.floor(Math.log10(step))) ? 0 : 1));
  // Models sit side by side around each p so their error bars do not hide each other.
  const offset = (i: number) => (i - (s.models.length - 1) / 2) * 9;

  const o: string[] = [];
  o.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="Helvetica, Arial, sans-serif" font-size="13">`);
  o.push(`<rect width="${W}" height="${H}" fill="#ffffff"/>`);
  o.push(`<text x="${W / 2}" y="24" text-anchor="middle" font-size="16" font-weight="bold">${esc(title)}</text>`);
  o.push(`<text x="${W / 2}" y="42" text-anchor="middle" font-size="12" fill="#555">${esc(subtitle)}</text>`);

  // Horizontal grid and y ticks.
  for (let v = 0; v <= yHi + step / 2; v += step) {
    const y = sy(v);
    o.push(`<line x1="${M.left}" y1="${f(y)}" x2="${M.left + pw}" y2="${f(y)}" stroke="#e5e5e5"/>`);
    o.push(`<text x="${M.left - 8}" y="${f(y + 4)}" text-anchor="end">${v.toFixed(tickDigits)}</text>`);
  }
  // X ticks at the measured p values, with the measured label correlation under each.
  for (const p of ps) {
    const x = sx(p);
    o.push(`<line x1="${f(x)}" y1="${M.top + ph}" x2="${f(x)}" y2="${M.top + ph + 6}" stroke="#333"/>`);
    o.push(`<text x="${f(x)}" y="${M.top + ph + 21}" text-anchor="middle">${p.toFixed(1)}</text>`);
    const pr = s.pearson.get(p);
    if (pr) o.push(`<text x="${f(x)}" y="${M.top + ph + 37}" text-anchor="middle" font-size="11" fill="#555">Pearson ${pr.mean.toFixed(2)}</text>`);
  }
  if (floor !== undefined && floor > 0 && floor < yHi) {
    const y = sy(floor);
    o.push(`<line x1="${M.left}" y1="${f(y)}" x2="${M.left + pw}" y2="${f(y)}" stroke="#888" stroke-dasharray="2 3"/>`);
    // Label it in the widest gap between p values, where no error bar runs.
    const sorted = [...ps].sort((a, b) => a - b);
    let mid = (xLo + sorted[0]!) / 2;
    let gap = 0;
    for (let i = 1; i < sorted.length; i++)
      if (sorted[i]! - sorted[i - 1]! > gap) [gap, mid] = [sorted[i]! - sorted[i - 1]!, (sorted[i]! + sorted[i - 1]!) / 2];
    o.push(`<text x="${f(sx(mid))}" y="${f(y - 5)}" text-anchor="middle" font-size="11" fill="#666">noise floor (label noise variance ${floor})</text>`);
  }
  o.push(`<rect x="${M.left}" y="${M.top}" width="${pw}" height="${ph}" fill="none" stroke="#333"/>`);
  o.push(`<text x="${M.left + pw / 2}" y="${H - 14}" text-anchor="middle">p = cos(w1, w2) (task relatedness; measured label Pearson below)</text>`);
  o.push(`<text transform="translate(20 ${M.top + ph / 2}) rotate(-90)" text-anchor="middle">test MSE, mean of y1 and y2</text>`);

  s.models.forEach((model, i) => {
    const st = STYLES[model] ?? { color: FALLBACK[i % FALLBACK.length]!, dash: '', marker: 'circle' as const };
    const pts = ps.flatMap((p) => {
      const c = cellOf(s, model, p);
      return c ? [{ x: sx(p) + offset(i), c }] : [];
    });
    const path = pts.map((pt) => `${f(pt.x)},${f(sy(pt.c.headline.mean))}`).join(' ');
    o.push(`<polyline points="${path}" fill="none" stroke="${st.color}" stroke-width="2"${st.dash ? ` stroke-dasharray="${st.dash}"` : ''}/>`);
    for (const { x, c } of pts) {
      const lo = sy(Math.max(0, c.headline.mean - c.headline.std));
      const hi = sy(c.headline.mean + c.headline.std);
      o.push(`<g stroke="${st.color}" stroke-width="1.5"><line x1="${f(x)}" y1="${f(lo)}" x2="${f(x)}" y2="${f(hi)}"/><line x1="${f(x - 4)}" y1="${f(lo)}" x2="${f(x + 4)}" y2="${f(lo)}"/><line x1="${f(x - 4)}" y1="${f(hi)}" x2="${f(x + 4)}" y2="${f(hi)}"/></g>`);
      o.push(marker(st.marker, x, sy(c.headline.mean), st.color));
    }
    // Legend entry.
    const ly = M.top + 16 + i * 24;
    const lx = M.left + pw + 18;
    o.push(`<line x1="${lx}" y1="${ly}" x2="${lx + 30}" y2="${ly}" stroke="${st.color}" stroke-width="2"${st.dash ? ` stroke-dasharray="${st.dash}"` : ''}/>`);
    o.push(marker(st.marker, lx + 15, ly, st.color));
    o.push(`<text x="${lx + 38}" y="${ly + 4}">${esc(model)}</text>`);
  });
  const ly = M.top + 16 + s.models.length * 24 + 8;
  o.push(`<text x="${M.left + pw + 18}" y="${ly}" font-size="11" fill="#555">bars: ± 1 std over seeds</text>`);
  o.push('</svg>');
  return o.join('\n') + '\n';
}
