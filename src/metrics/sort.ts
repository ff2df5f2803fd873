// Sorting scores fast enough for million-row evaluations: an LSD radix sort on the IEEE-754 bits,
// O(n), instead of Array.sort with a comparator (which calls back into JS per comparison). The
// label travels with the row index and the key words travel with it through every pass, so each
// pass reads memory sequentially; only weights are gathered at the end.
import { isPositive, type ScoredRows } from './metric-value.js';

const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const SIGN = 0x80000000;
const BITS = 16;
const RADIX = 1 << BITS;
const MASK = RADIX - 1;
const PER_WORD = 32 / BITS;

/**
 * Rows in ascending score order in contiguous arrays, so the sweeps that follow (AUC, ROC, quantile
 * bins, group AUC) read memory sequentially. Equal scores (-0 equal to +0, as numpy sees them) are
 * adjacent in input order. NaN scores (whatever their sign and payload bits) sort last, as one tie
 * group; callers check for them first.
 */
export interface SortedRows {
  /** order[i] = input row at sorted position i. */
  order: Uint32Array;
  scores: Float64Array;
  /** 1 for a positive label. */
  positive: Uint8Array;
  /** All ones when unweighted. */
  weights: Float64Array;
}

/** Order-preserving map of a float's bits to an unsigned integer: flip negatives, set the sign of positives. */
function orderBits(h: number): number {
  return (h & SIGN ? ~h : h | SIGN) >>> 0;
}

function unorderBits(h: number): number {
  return (h & SIGN ? h & ~SIGN : ~h) >>> 0;
}

/** Sorts rows by score; without labels every row counts as negative (argsortScores needs no labels). */
export function sortRows(rows: Omit<ScoredRows, 'labels'> & { labels?: ArrayLike<number> }): SortedRows {
  const { scores, labels, weights } = rows;
  const n = scores.length;
  if (n >= 2 ** 31) throw new RangeError(`cannot sort ${n} rows: at most 2^31 - 1`);
  // Float32 scores need one 32-bit key word; anything else is compared as float64 (two words).
  const wide = !(scores instanceof Float32Array);
  const words = wide ? 2 : 1;
  let hi = new Uint32Array(n);
  let lo = new Uint32Array(wide ? n : 0);
  let payload = new Uint32Array(n);
  const f64 = new Float64Array(1);
  const f64Words = new Uint32Array(f64.buffer);
  const f32 = new Float32Array(1);
  const f32Word = new Uint32Array(f32.buffer);
  const [loW, hiW] = littleEndian ? [0, 1] : [1, 0];
  for (let i = 0; i < n; i++) {
    // One canonical (positive) NaN: a NaN with its sign bit set (x86's default NaN) would sort first.
    const v = scores[i]!;
    const s = v !== v ? Number.NaN : v === 0 ? 0 : v;
    if (wide) {
      f64[0] = s;
      const h = f64Words[hiW]!;
      hi[i] = orderBits(h);
      lo[i] = h & SIGN ? ~f64Words[loW]! >>> 0 : f64Words[loW]!;
    } else {
      f32[0] = s;
      hi[i] = orderBits(f32Word[0]!);
    }
    payload[i] = i * 2 + (labels !== undefined && isPositive(labels[i]!) ? 1 : 0);
  }
  // One sequential pass fills the digit histograms of every pass.
  const passes = PER_WORD * words;
  const hist = new Uint32Array(passes * RADIX);
  for (let i = 0; i < n; i++) {
    const h = hi[i]!;
    if (wide) {
      const l = lo[i]!;
      for (let d = 0; d < PER_WORD; d++) hist[d * RADIX + ((l >>> (d * BITS)) & MASK)]++;
    }
    for (let d = 0; d < PER_WORD; d++) hist[(passes - PER_WORD + d) * RADIX + ((h >>> (d * BITS)) & MASK)]++;
  }
  let hi2 = new Uint32Array(n);
  let lo2 = new Uint32Array(wide ? n : 0);
  let payload2 = new Uint32Array(n);
  for (let pass = 0; pass < passes; pass++) {
    const base = pass * RADIX;
    const useLo = wide && pass < PER_WORD;
    const shift = (pass % PER_WORD) * BITS;
    const first = n > 0 ? ((useLo ? lo[0]! : hi[0]!) >>> shift) & MASK : 0;
    // Scores from float32 stored as float64, or clustered scores: whole passes can be no-ops.
    if (n === 0 || hist[base + first] === n) continue;
    let sum = 0;
    for (let d = 0; d < RADIX; d++) {
      const c = hist[base + d]!;
      hist[base + d] = sum;
      sum += c;
    }
    const src = useLo ? lo : hi;
    for (let i = 0; i < n; i++) {
      const q = hist[base + ((src[i]! >>> shift) & MASK)]!++;
      hi2[q] = hi[i]!;
      if (wide) lo2[q] = lo[i]!;
      payload2[q] = payload[i]!;
    }
    [hi, hi2] = [hi2, hi];
    [lo, lo2] = [lo2, lo];
    [payload, payload2] = [payload2, payload];
  }
  const out: SortedRows = { order: hi2, scores: new Float64Array(n), positive: new Uint8Array(n), weights: new Float64Array(n) };
  for (let i = 0; i < n; i++) {
    const p = payload[i]!;
    const k = p >>> 1;
    out.order[i] = k;
    out.positive[i] = p & 1;
    const h = unorderBits(hi[i]!);
    if (wide) {
      f64Words[hiW] = h;
      f64Words[loW] = h & SIGN ? ~lo[i]! >>> 0 : lo[i]!;
      out.scores[i] = f64[0]!;
    } else {
      f32Word[0] = h;
      out.scores[i] = f32[0]!;
    }
  }
  if (weights == null) out.weights.fill(1);
  else for (let i = 0; i < n; i++) out.weights[i] = weights[out.order[i]!]!;
  return out;
}

/** Row indices ordered by ascending score (stable). */
export function argsortScores(scores: ArrayLike<number>): Uint32Array {
  return sortRows({ scores }).order;
}

/** What tieGroup reports about one run of tied scores. */
export interface TieGroup {
  /** Weight of its positive and of its negative rows. */
  positive: number;
  negative: number;
  /** Rows in it. */
  rows: number;
}

/**
 * The one step of every tie-group sweep (AUC, ROC, quantile bins, ranks): from sorted position i,
 * going up (`dir` 1, positions below `stop`) or down (`dir` -1, positions above `stop`), over the
 * run of scores tied with `scores[i]`, summing its positive and negative weight into `g` in the
 * same pass. Returns the first position past the run. NaN ties with NaN: a sweep comparing with
 * === alone would never leave a NaN (NaN !== NaN) and spin forever.
 */
export function tieGroup(sorted: SortedRows, i: number, stop: number, dir: 1 | -1, g: TieGroup): number {
  const { scores, positive, weights } = sorted;
  const s = scores[i]!;
  const nan = s !== s;
  let pos = 0;
  let neg = 0;
  let j = i;
  do {
    if (positive[j]) pos += weights[j]!;
    else neg += weights[j]!;
    j += dir;
  } while (j !== stop && (scores[j] === s || (nan && scores[j] !== scores[j])));
  g.positive = pos;
  g.negative = neg;
  g.rows = (j - i) * dir;
  return j;
}

/** A TieGroup to reuse across the steps of a sweep. */
export function newTieGroup(): TieGroup {
  return { positive: 0, negative: 0, rows: 0 };
}

/** Sorted positions [lo, hi) of the finite scores: -Infinity sorts first, +Infinity and NaN last. */
export function finiteRange(scores: ArrayLike<number>): { lo: number; hi: number } {
  let lo = 0;
  let hi = scores.length;
  while (lo < hi && !Number.isFinite(scores[lo]!)) lo++;
  while (hi > lo && !Number.isFinite(scores[hi - 1]!)) hi--;
  return { lo, hi };
}
