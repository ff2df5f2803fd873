// Where an encoder writes a row, and which columns of a file it reads: shared by the text
// (encoder.ts) and typed (column-encoder.ts) ways in.

/** Where encoded values go: row `row` of these row-major arrays (the Batch layout). */
export interface RowTarget {
  cat: Int32Array;
  num: Float32Array;
  labels: Float32Array;
  weights: Float32Array | null;
  /**
   * When present, each numeric's parsed value before its transform, in float64 (same layout as
   * `num`). Statistics are computed from these: float32 would round 1e8 + x to steps of 8.
   */
  raw?: Float64Array | null;
}

/** Positions in the file's header of the columns each field reads (-1: none). */
export interface ColumnIndex {
  cat: number[];
  num: number[];
  labels: number[];
  weight: number;
}
