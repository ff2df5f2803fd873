// A batch of encoded rows: the one shape the data side hands the model side.
import type { RowTarget } from './row-target.js';

export interface Batch {
  /** Rows in this batch. */
  size: number;
  /** [size, nCategorical] row-major bucket ids in [0, buckets] (buckets = the empty value). */
  cat: Int32Array;
  /** [size, nNumeric] row-major, already transformed. */
  num: Float32Array;
  /** [size, nTasks] row-major, label transforms applied. */
  labels: Float32Array;
  /** [size] per-row loss weights, or null when the config has no rowWeight column. */
  weights: Float32Array | null;
  /**
   * The table the rows were drawn from, when they were (encoded-table.ts): a consumer that copies
   * the rows elsewhere anyway (the fast path's threads, each its own shard) takes them from there,
   * and the arrays above are filled only if read.
   */
  source?: RowSource;
}

/** Row k of a batch is row `rows[k]` of `table` (whose arrays may be replaced as it grows: read them through it). */
export interface RowSource {
  table: RowColumns;
  rows: Uint32Array;
}

/** Row-major columns of encoded rows, as a batch or a table holds them: where encoders write, without the raw numerics. */
export type RowColumns = Omit<RowTarget, 'raw'>;

export function emptyBatch(capacity: number, nCat: number, nNum: number, nTasks: number, weighted: boolean): Batch {
  return {
    size: 0,
    cat: new Int32Array(capacity * nCat),
    num: new Float32Array(capacity * nNum),
    labels: new Float32Array(capacity * nTasks),
    weights: weighted ? new Float32Array(capacity) : null,
  };
}
