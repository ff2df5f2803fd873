// Group AUC (GAUC): the impression-weighted mean of per-group AUC (e.g. per user), over the groups
// that have both classes; single-class groups carry no ranking information and are skipped.
import { aucFromSweep, sweepAuc, type ScoredRows } from './auc.js';
import { argsortScores } from './sort.js';
import { checkLengths, countNaN, defined, undefinedMetric, weightAt, type MetricValue } from './metric-value.js';

export interface GroupAuc {
  gauc: MetricValue;
  /** Groups with both classes, whose AUC entered the mean. */
  groupsUsed: number;
  /** Groups with a single class (or zero weight). */
  groupsSkipped: number;
  /** Rows (impressions) in the used groups. */
  rowsUsed: number;
}

/** Maps string keys to dense ids 0, 1, 2... in order of first sight; `names[id]` gives the key back. */
export class KeyInterner {
  readonly names: string[] = [];
  private readonly index = new Map<string, number>();

  id(key: string): number {
    let id = this.index.get(key);
    if (id === undefined) {
      id = this.names.length;
      this.index.set(key, id);
      this.names.push(key);
    }
    return id;
  }
}

export function internKeys(keys: readonly string[]): { ids: Uint32Array; names: string[] } {
  const interner = new KeyInterner();
  const ids = new Uint32Array(keys.length);
  for (let i = 0; i < keys.length; i++) ids[i] = interner.id(keys[i]!);
  return { ids, names: interner.names };
}

/**
 * GAUC = sum_g impressions_g * AUC_g / sum_g impressions_g, where impressions are row weights
 * (row counts when unweighted). `groups` is one key per row, or ids from internKeys.
 * One global sort by score (or `byScore`, ascending), then a stable counting sort by group keeps each group score-ordered.
 */
export function groupAuc(rows: ScoredRows, groups: readonly string[] | Uint32Array, byScore?: ArrayLike<number>): GroupAuc {
  const n = rows.scores.length;
  checkLengths(n, { labels: rows.labels, weights: rows.weights, groups });
  const ids = groups instanceof Uint32Array ? groups : internKeys(groups).ids;
  const nan = countNaN(rows.scores, n);
  if (nan > 0) {
    return { gauc: undefinedMetric(`group AUC is undefined: ${nan} of ${n} scores are NaN`), groupsUsed: 0, groupsSkipped: 0, rowsUsed: 0 };
  }
  let nGroups = 0;
  for (let i = 0; i < n; i++) nGroups = Math.max(nGroups, ids[i]! + 1);
  const starts = new Uint32Array(nGroups + 1);
  for (let i = 0; i < n; i++) starts[ids[i]! + 1]!++;
  for (let g = 0; g < nGroups; g++) starts[g + 1]! += starts[g]!;
  const sorted = byScore ?? argsortScores(rows.scores, n);
  const order = new Uint32Array(n);
  const next = starts.slice(0, nGroups);
  for (let i = 0; i < n; i++) {
    const k = sorted[i]!;
    order[next[ids[k]!]!++] = k;
  }
  let sum = 0;
  let impressions = 0;
  let groupsUsed = 0;
  let groupsSkipped = 0;
  let rowsUsed = 0;
  for (let g = 0; g < nGroups; g++) {
    const start = starts[g]!;
    const end = starts[g + 1]!;
    if (start === end) continue;
    const auc = aucFromSweep(sweepAuc(rows, order, start, end));
    if (auc.value === undefined) {
      groupsSkipped++;
      continue;
    }
    let w = 0;
    for (let i = start; i < end; i++) w += weightAt(rows.weights, order[i]!);
    sum += w * auc.value;
    impressions += w;
    groupsUsed++;
    rowsUsed += end - start;
  }
  const gauc = groupsUsed > 0 ? defined(sum / impressions) : undefinedMetric('group AUC is undefined: no group has both positive and negative rows');
  return { gauc, groupsUsed, groupsSkipped, rowsUsed };
}
