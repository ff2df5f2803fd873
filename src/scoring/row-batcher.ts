// Gathers encoded rows (from file-chunk-sized RowBlocks) into large fixed-size batches for scoring:
// one model call per 8192+ rows instead of one per CSV chunk, in input order, with one tag per row
// (a group key, or the raw record that predict copies --keep columns from).
import type { Batch } from '../data/batch.js';
import { copyRow, newBatch } from '../data/encoded-table.js';
import type { RowTarget } from '../data/encoder.js';
import type { FeatureSpec } from '../data/feature-spec.js';

/** Rows per model call: large enough that per-call overhead vanishes, small enough for cache. */
export const SCORING_BATCH_ROWS = 8192;

export class RowBatcher<T> {
  /** Where the next row is written (row index `size`); reused after every take(). */
  readonly target: Batch;
  readonly tags: T[] = [];
  size = 0;
  private readonly nCat: number;
  private readonly nNum: number;
  private readonly nTasks: number;

  constructor(
    spec: FeatureSpec,
    readonly capacity = SCORING_BATCH_ROWS,
  ) {
    this.nCat = spec.categorical.length;
    this.nNum = spec.numeric.length;
    this.nTasks = spec.tasks.length;
    this.target = newBatch(capacity, this.nCat, this.nNum, this.nTasks, spec.rowWeight !== undefined);
  }

  /** Copies row `r` of `src` into the next slot (not yet counted: call commit). */
  copyFrom(src: RowTarget, r: number): void {
    copyRow(src, r, this.target, this.size, this.nCat, this.nNum, this.nTasks);
  }

  /** Counts the row written at slot `size`; true when the batch is full. */
  commit(tag: T): boolean {
    this.tags[this.size++] = tag;
    return this.size === this.capacity;
  }

  /**
   * The rows so far as a Batch of exactly `size` rows (views of the reused buffers, valid until
   * the next copyFrom), and their tags; then starts over.
   */
  take(): { batch: Batch; tags: T[] } {
    const n = this.size;
    const t = this.target;
    const batch: Batch = {
      size: n,
      cat: t.cat.subarray(0, n * this.nCat),
      num: t.num.subarray(0, n * this.nNum),
      labels: t.labels.subarray(0, n * this.nTasks),
      weights: t.weights ? t.weights.subarray(0, n) : null,
    };
    const tags = this.tags.slice(0, n);
    this.size = 0;
    return { batch, tags };
  }
}
