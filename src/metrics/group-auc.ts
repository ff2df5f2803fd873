// Group AUC (GAUC): the impression-weighted mean of per-group AUC (e.g. per user), over the groups
// that have both classes; single-class groups carry no ranking information and are skipped.
import { aucFromSweep, sweepAuc, type ScoredRows } from './auc.js';
import { sortRows, type SortedRows } from './sort.js';
import { checkLengths, countNaN, defined, undefinedMetric, type MetricValue } from './metric-value.js';

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
 * One global sort by score (or `sorted`), then a stable counting sort by group leaves every group
 * contiguous and still score-ordered, so each group is one sequential AUC sweep.
 */
export function groupAuc(rows: ScoredRows, groups: readonly string[] | Uint32Array, sorted?: SortedRows): GroupAuc {
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
  const byScore = sorted ?? sortRows(rows);
  const byGroup: SortedRows = {
    order: new Uint32Array(n),
    scores: new Float64Array(n),
    positive: new Uint8Array(n),
    weights: new Float64Array(n),
  };
  const next = starts.slice(0, nGroups);
  for (let p = 0; p < n; p++) {
    const k = byScore.order[p]!;
    const q = next[ids[k]!]!++;
    byGroup.order[q] = k;
    byGroup.scores[q] = byScore.scores[p]!;
    byGroup.positive[q] = byScore.positive[p]!;
    byGroup.weights[q] = byScore.weights[p]!;
  }
  let sum = 0;
  let impressions = 0;
  let groupsUsed = 0;
  let groupsSkipped = 0;
  let rowsUsed = 0;
  for (let g = 0; g < nGroups; g++) {
    if (starts[g] === starts[g + 1]) continue;
    const sweep = sweepAuc(byGroup, starts[g], starts[g + 1]);
    const auc = aucFromSweep(sweep);
    if (auc.value === undefined) {
      groupsSkipped++;
      continue;
    }
    const w = sweep.positives + sweep.negatives;
    sum += w * auc.value;
    impressions += w;
    groupsUsed++;
    rowsUsed += starts[g + 1]! - starts[g]!;
  }
  const gauc = groupsUsed > 0 ? defined(sum / impressions) : undefinedMetric('group AUC is undefined: no group has both positive and negative rows');
  return { gauc, groupsUsed, groupsSkipped, rowsUsed };
}
