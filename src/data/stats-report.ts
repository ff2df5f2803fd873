// Renders DataStats for a terminal: one aligned table per section. JSON output is DataStats itself.
import { formatLocation } from '../errors.js';
import type { DataStats } from './stats.js';

type Cell = string | number;

function fmt(x: Cell, digits = 4): string {
  if (typeof x === 'string') return x;
  if (Number.isNaN(x)) return '-';
  if (Number.isInteger(x)) return String(x);
  return Math.abs(x) >= 1e5 || (Math.abs(x) < 1e-3 && x !== 0) ? x.toExponential(2) : x.toFixed(digits);
}

const pct = (x: number): string => (Number.isNaN(x) ? '-' : `${(100 * x).toFixed(2)}%`);

/** Aligned columns: text left, numbers right. */
export function renderTable(headers: string[], rows: Cell[][]): string {
  const cells = rows.map((r) => r.map((c) => fmt(c)));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => r[i]!.length)));
  const right = headers.map((_, i) => rows.length > 0 && rows.every((r) => typeof r[i] === 'number'));
  const line = (r: string[]): string =>
    `  ${r.map((c, i) => (right[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ')}`.trimEnd();
  return [line(headers), ...cells.map(line)].join('\n');
}

export function formatStatsTable(s: DataStats): string {
  const out: string[] = [];
  const badShare = s.rows.read > 0 ? s.rows.bad / s.rows.read : 0;
  out.push(`Data: ${s.source.dataDir}, ${s.source.dates.length} day(s) ${s.source.dates[0]}..${s.source.dates.at(-1)}, ${s.source.files} file(s)`);
  out.push(`Rows: ${s.rows.read} read, ${s.rows.used} used, ${s.rows.bad} bad (${pct(badShare)})`, '');

  out.push('Rows per day', renderTable(['date', 'files', 'read', 'bad', 'used'], s.days.map((d) => [d.date, d.files, d.rowsRead, d.badRows, d.rowsUsed])), '');

  const reasons = Object.entries(s.badRows.byReason);
  if (reasons.length > 0) {
    out.push(
      'Bad rows by reason',
      renderTable(
        ['reason', 'count', 'first example'],
        reasons.map(([r, c]) => [r, c.count, c.examples[0] ? `${formatLocation(c.examples[0])}${c.examples[0].detail ? ` (${c.examples[0].detail})` : ''}` : '']),
      ),
      '',
    );
  }

  out.push(
    'Tasks',
    renderTable(
      ['task', 'label', 'type', 'rows', 'positive rate', 'mean', 'std', 'min', 'max'],
      s.tasks.map((t) => [t.name, t.label, t.type, t.rows, t.positiveRate === undefined ? '-' : pct(t.positiveRate), t.mean, t.std, t.min, t.max]),
    ),
    '',
  );

  if (s.categorical.length > 0) {
    out.push(
      'Categorical features (collision: share of distinct values sharing a bucket; expected: same for random hashing)',
      renderTable(
        ['feature', 'buckets', 'distinct', 'buckets used', 'collision', 'expected', 'empty'],
        s.categorical.map((c) => [c.name, c.buckets, c.distinctExact ? c.distinctValues : `~${c.distinctValues}`, c.bucketsUsed, pct(c.collisionRate), pct(c.expectedCollisionRate), c.empty]),
      ),
    );
    if (s.categorical.some((c) => !c.distinctExact)) out.push('  (~: more distinct values than the exact-count cap; HyperLogLog estimate, about 1% error)');
    out.push('');
  }

  if (s.numeric.length > 0) {
    out.push(
      'Numeric features (raw values, before the transform)',
      renderTable(
        ['feature', 'transform', 'rows', 'missing', 'mean', 'std', 'min', 'max'],
        s.numeric.map((n) => [n.name, n.transform, n.rows, n.missing, n.mean, n.std, n.min, n.max]),
      ),
      '',
    );
  }

  const r = s.relatedness;
  if (r.pairs.length > 0) {
    const how = r.spearmanSample.sampled
      ? `Spearman on a seeded reservoir sample of ${r.spearmanSample.rows} rows (seed ${r.spearmanSample.seed})`
      : `Spearman over all rows`;
    out.push(
      `Task relatedness (Pearson over all ${r.rows} rows; ${how})`,
      renderTable(['task a', 'task b', 'pearson', 'spearman'], r.pairs.map((p) => [p.a, p.b, p.pearson, p.spearman])),
      '',
    );
  }
  return out.join('\n');
}
