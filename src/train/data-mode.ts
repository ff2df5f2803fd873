// Whether a run keeps its encoded training rows in memory or reads the days again every epoch:
// `training.data` asks, and `auto` (the default) answers from the memory budget and an estimate
// of the rows from the input files' sizes. The read checks the real sizes as it goes, so `auto`
// still switches to streaming if the estimate was low (and `memory` stops cleanly instead).
import type { FeatureSpec } from '../data/feature-spec.js';
import { missingNumericStats } from '../data/feature-spec.js';
import { EncodedTable } from '../data/encoded-table.js';
import { estimateInput, type MemoryBudget, mib } from '../data/memory-budget.js';
import type { Partition } from '../data/partitions.js';

export interface DataModeChoice {
  /** What loadEncoded is asked: keep the rows, do not, or keep them while they fit. */
  keepTrain: boolean | 'auto';
  reason: string;
}

/**
 * Bytes a training row takes when kept: the encoded columns, the raw float64 of numerics whose
 * statistics are still to compute, the epoch's shuffled order; twice that for a table that grows by
 * doubling (it holds up to twice its rows, and both copies while it grows).
 */
export function keptBytesPerRow(spec: FeatureSpec): number {
  return 2 * (EncodedTable.forSpec(spec, 1).rowBytes + 8 * missingNumericStats(spec).length + 4);
}

export async function chooseDataMode(requested: 'auto' | 'memory' | 'stream', spec: FeatureSpec, partitions: Partition[], budget: MemoryBudget): Promise<DataModeChoice> {
  if (requested === 'stream') return { keepTrain: false, reason: 'training.data "stream": the days are read again every epoch' };
  if (requested === 'memory') return { keepTrain: true, reason: `training.data "memory": the encoded rows are kept (within the memory budget of ${mib(budget.bytes)}, ${budget.source})` };
  const est = await estimateInput(partitions);
  const need = est.rows * keptBytesPerRow(spec);
  const parquet = est.unestimated ? ` (and ${est.unestimated} Parquet file(s), checked while reading)` : '';
  const about = `about ${est.rows.toLocaleString('en-US')} rows (estimated from ${mib(est.bytes)} of CSV${parquet}) need about ${mib(need)} in memory`;
  if (need > budget.bytes)
    return { keepTrain: false, reason: `training.data "auto": ${about}, over the memory budget of ${mib(budget.bytes)} (${budget.source}): the days are read again every epoch` };
  return { keepTrain: 'auto', reason: `training.data "auto": ${about}, within the memory budget of ${mib(budget.bytes)} (${budget.source}): kept in memory` };
}
