// An in-memory columnar table of encoded rows, filled by one read and then served as batches:
// shuffled per epoch (deterministic per seed) for training, in row order for evaluation.
import { Rng } from '../util/random.js';
import type { Batch, RowColumns, RowSource } from './batch.js';
import type { RowTarget } from './encoder.js';
import type { FeatureSpec } from './feature-spec.js';

export class EncodedTable implements RowTarget {
  size = 0;
  cat: Int32Array;
  num: Float32Array;
  labels: Float32Array;
  weights: Float32Array | null;
  private capacity: number;
  /**
   * Compacted into SharedArrayBuffers: threads read the rows where they are (the fast path's
   * training threads). A table grows in ordinary memory: a SharedArrayBuffer it outgrew is freed
   * only when every thread that saw it collects its garbage (a training thread allocates almost
   * nothing), so growing in shared memory kept each outgrown copy, about the table's size again.
   */
  readonly shared: boolean;

  constructor(
    readonly nCat: number,
    readonly nNum: number,
    readonly nTasks: number,
    readonly weighted: boolean,
    capacity = 1024,
    options: { shared?: boolean } = {},
  ) {
    this.capacity = capacity;
    this.shared = options.shared ?? false;
    this.cat = new Int32Array(capacity * nCat);
    this.num = new Float32Array(capacity * nNum);
    this.labels = new Float32Array(capacity * nTasks);
    this.weights = weighted ? new Float32Array(capacity) : null;
  }

  /** `shared`: for training rows, which training threads copy into their shards themselves once the table is complete. */
  static forSpec(spec: FeatureSpec, capacity = 1024, options: { shared?: boolean } = {}): EncodedTable {
    return new EncodedTable(spec.categorical.length, spec.numeric.length, spec.tasks.length, spec.rowWeight !== undefined, capacity, options);
  }

  private resize(capacity: number, shared = false): void {
    const grow = <T extends Int32Array | Float32Array>(a: T, width: number, make: (b: ArrayBuffer | SharedArrayBuffer) => T): T => {
      const b = make(shared ? new SharedArrayBuffer(capacity * width * 4) : new ArrayBuffer(capacity * width * 4));
      b.set(a.subarray(0, Math.min(a.length, capacity * width)));
      return b;
    };
    this.cat = grow(this.cat, this.nCat, (b) => new Int32Array(b));
    this.num = grow(this.num, this.nNum, (b) => new Float32Array(b));
    this.labels = grow(this.labels, this.nTasks, (b) => new Float32Array(b));
    if (this.weights) this.weights = grow(this.weights, 1, (b) => new Float32Array(b));
    this.capacity = capacity;
  }

  /** Bytes a row of capacity holds (4 per categorical, numeric and label column, and the weight). */
  get rowBytes(): number {
    return 4 * (this.nCat + this.nNum + this.nTasks + (this.weighted ? 1 : 0));
  }

  /** Bytes held now (the capacity, not just the rows). */
  get heldBytes(): number {
    return this.capacity * this.rowBytes;
  }

  /** Whether the next appendRow reallocates, to twice the capacity. */
  get full(): boolean {
    return this.size === this.capacity;
  }

  /** Appends row `r` of `src` (a block or another table with the same layout). */
  appendRow(src: RowTarget, r: number): void {
    if (this.size === this.capacity) this.resize(this.capacity * 2);
    copyRow(src, r, this, this.size, this.nCat, this.nNum, this.nTasks);
    this.size++;
  }

  /** Releases the spare capacity left by growth, into shared memory if `shared` (call once loading is done). */
  compact(): void {
    if (this.capacity > this.size || (this.shared && !(this.cat.buffer instanceof SharedArrayBuffer))) this.resize(Math.max(this.size, 1), this.shared);
  }

  /** One task's labels, in row order. */
  labelColumn(task: number): Float32Array {
    const out = new Float32Array(this.size);
    for (let i = 0; i < this.size; i++) out[i] = this.labels[i * this.nTasks + task]!;
    return out;
  }

  /**
   * Every row once, in a random order fixed by `seed` (pass a different seed per epoch). The
   * batches name their rows (TableBatch): nothing is copied until a batch's arrays are read.
   */
  *batches(batchSize: number, seed: number): Generator<Batch> {
    const order = new Uint32Array(this.size);
    for (let i = 0; i < order.length; i++) order[i] = i;
    new Rng(seed).shuffle(order);
    for (let start = 0; start < this.size; start += batchSize) yield new TableBatch(this, order.subarray(start, Math.min(start + batchSize, this.size)));
  }

  /** Every row once, in row order; batches are views into the table (no copy). */
  *sequentialBatches(batchSize: number): Generator<Batch> {
    for (let start = 0; start < this.size; start += batchSize) {
      const end = Math.min(start + batchSize, this.size);
      yield {
        size: end - start,
        cat: this.cat.subarray(start * this.nCat, end * this.nCat),
        num: this.num.subarray(start * this.nNum, end * this.nNum),
        labels: this.labels.subarray(start * this.nTasks, end * this.nTasks),
        weights: this.weights ? this.weights.subarray(start, end) : null,
      };
    }
  }
}

/** A batch of rows of a table by index: its own arrays are copied from the table when first read. */
export class TableBatch implements Batch {
  readonly size: number;
  readonly source: RowSource;
  private copy: RowColumns | null = null;

  constructor(
    private readonly table: EncodedTable,
    rows: Uint32Array,
  ) {
    this.size = rows.length;
    this.source = { table, rows };
  }

  get cat(): Int32Array {
    return this.copied().cat;
  }

  get num(): Float32Array {
    return this.copied().num;
  }

  get labels(): Float32Array {
    return this.copied().labels;
  }

  get weights(): Float32Array | null {
    return this.copied().weights;
  }

  private copied(): RowColumns {
    if (this.copy) return this.copy;
    const { nCat, nNum, nTasks, weighted } = this.table;
    const b = newBatch(this.size, nCat, nNum, nTasks, weighted);
    copyRows(this.table, this.source.rows, 0, this.size, b, { nCat, nNum, nTasks });
    return (this.copy = b);
  }
}

/** Rows `rows[k]` of `src` for k in [from, to) into rows k of `dst` (same layout), one column group at a time. */
export function copyRows(src: RowColumns, rows: ArrayLike<number>, from: number, to: number, dst: RowColumns, dims: { nCat: number; nNum: number; nTasks: number }): void {
  const { nCat, nNum, nTasks } = dims;
  const [sc, sn, sl, sw, dc, dn, dl, dw] = [src.cat, src.num, src.labels, src.weights, dst.cat, dst.num, dst.labels, dst.weights];
  for (let k = from; k < to; k++) {
    const r = rows[k]!;
    for (let i = 0, s = r * nCat, o = k * nCat; i < nCat; i++) dc[o + i] = sc[s + i]!;
    for (let i = 0, s = r * nNum, o = k * nNum; i < nNum; i++) dn[o + i] = sn[s + i]!;
    for (let i = 0, s = r * nTasks, o = k * nTasks; i < nTasks; i++) dl[o + i] = sl[s + i]!;
    if (dw !== null && sw !== null) dw[k] = sw[r]!;
  }
}

/** A batch of exactly `size` rows (array lengths match `size`). */
export function newBatch(size: number, nCat: number, nNum: number, nTasks: number, weighted: boolean): Batch {
  return {
    size,
    cat: new Int32Array(size * nCat),
    num: new Float32Array(size * nNum),
    labels: new Float32Array(size * nTasks),
    weights: weighted ? new Float32Array(size) : null,
  };
}

/** Copies one row between row-major targets; loops beat subarray().set() for a dozen values. */
export function copyRow(src: RowTarget, r: number, dst: RowTarget, d: number, nCat: number, nNum: number, nTasks: number): void {
  for (let i = 0, s = r * nCat, o = d * nCat; i < nCat; i++) dst.cat[o + i] = src.cat[s + i]!;
  for (let i = 0, s = r * nNum, o = d * nNum; i < nNum; i++) dst.num[o + i] = src.num[s + i]!;
  for (let i = 0, s = r * nTasks, o = d * nTasks; i < nTasks; i++) dst.labels[o + i] = src.labels[s + i]!;
  if (dst.weights !== null && src.weights !== null) dst.weights[d] = src.weights[r]!;
}
