// A batch of encoded rows: the one shape the data side hands the model side.

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
}

export function emptyBatch(capacity: number, nCat: number, nNum: number, nTasks: number, weighted: boolean): Batch {
  return {
    size: 0,
    cat: new Int32Array(capacity * nCat),
    num: new Float32Array(capacity * nNum),
    labels: new Float32Array(capacity * nTasks),
    weights: weighted ? new Float32Array(capacity) : null,
  };
}
