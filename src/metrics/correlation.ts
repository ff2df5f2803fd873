// Task relatedness: Pearson and Spearman (rank, ties averaged) correlation of two series.
import { newTieGroup, type SortedRows, sortRows, tieGroup } from './sort.js';

/** Pearson correlation; NaN when either series is constant, shorter than 2 or holds a non-finite value. */
export function pearson(x: ArrayLike<number>, y: ArrayLike<number>): number {
  const n = Math.min(x.length, y.length);
  if (n < 2) return Number.NaN;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += x[i]!;
    my += y[i]!;
  }
  mx /= n;
  my /= n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i]! - mx;
    const dy = y[i]! - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  return sxx === 0 || syy === 0 ? Number.NaN : sxy / Math.sqrt(sxx * syy);
}

/** Ranks of 0/1 values (labels of binary tasks) without a sort: every 0 ties, every 1 ties. */
function binaryRanks(x: ArrayLike<number>): Float64Array | null {
  const n = x.length;
  let zeros = 0;
  for (let i = 0; i < n; i++) {
    const v = x[i]!;
    if (v === 0) zeros++;
    else if (v !== 1) return null;
  }
  const ranks = new Float64Array(n);
  const [r0, r1] = [(zeros + 1) / 2, zeros + (n - zeros + 1) / 2];
  for (let i = 0; i < n; i++) ranks[i] = x[i] === 0 ? r0 : r1;
  return ranks;
}

/**
 * 1-based ranks with ties given their average rank (as scipy.stats.rankdata 'average'); a NaN
 * value gets a NaN rank (so a correlation over it is NaN, as scipy's).
 * `presorted`: x already sorted by sortRows (the same order and values), to skip the sort.
 */
export function averageRanks(x: ArrayLike<number>, presorted?: SortedRows): Float64Array {
  const n = x.length;
  if (!presorted) {
    const binary = binaryRanks(x);
    if (binary) return binary;
  }
  // Radix argsort: the comparator sort took over a second on a million-row eval.
  const s = presorted ?? sortRows({ scores: x });
  const { order, scores: sorted } = s;
  const ranks = new Float64Array(n);
  const g = newTieGroup();
  for (let i = 0; i < n; ) {
    const end = tieGroup(s, i, n, 1, g);
    const r = sorted[i] === sorted[i] ? (i + end - 1) / 2 + 1 : Number.NaN;
    for (let k = i; k < end; k++) ranks[order[k]!] = r;
    i = end;
  }
  return ranks;
}

/** Spearman correlation: Pearson of average ranks. */
export function spearman(x: ArrayLike<number>, y: ArrayLike<number>): number {
  const n = Math.min(x.length, y.length);
  const head = (a: ArrayLike<number>): ArrayLike<number> => (a.length === n ? a : Array.prototype.slice.call(a, 0, n));
  return pearson(averageRanks(head(x)), averageRanks(head(y)));
}
