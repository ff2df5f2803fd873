// An in-memory columnar table of encoded rows, filled by one read and then served as batches:
// shuffled per epoch (deterministic per seed) for training, in row order for evaluation.
import { Rng } from '../util/random.js';
import type { Batch } from './batch.js';
import type { RowTarget } from './encoder.js';
import type { FeatureSpec } from './feature-spec.js';

export class EncodedTable implements RowTarget {
  size = 0;
  cat: Int32Array;
  num: Float32Array;
  labels: Float32Array;
  weights: Float32Array | null;
  private capacity: number;

  constructor(
    readonly nCat: number,
    readonly nNum: number,
    readonly nTasks: number,
    readonly weighted: boolean,
    capacity = 1024,
  ) {
    this.capacity = capacity;
    this.cat = new Int32Array(capacity * nCat);
    this.num = new Float32Array(capacity * nNum);
    this.labels = new Float32Array(capacity * nTasks);
    this.weights = weighted ? new Float32Array(capacity) : null;
  }

  static forSpec(spec: FeatureSpec, capacity = 1024): EncodedTable {
    return new EncodedTable(spec.categorical.length, spec.numeric.length, spec.tasks.length, spec.rowWeight !== undefined, capacity);
  }

  private resize(capacity: number): void {
    const grow = <T extends Int32Array | Float32Array>(a: T, width: number, make: (n: number) => T): T => {
      const b = make(capacity * width);
      b.set(a.subarray(0, Math.min(a.length, capacity * width)));
      return b;
    };
    this.cat = grow(this.cat, this.nCat, (n) => new Int32Array(n));
    this.num = grow(this.num, this.nNum, (n) => new Float32Array(n));
    this.labels = grow(this.labels, this.nTasks, (n) => new Float32Array(n));
    if (this.weights) this.weights = grow(this.weights, 1, (n) => new Float32Array(n));
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

  /** Releases the spare capacity left by growth (call once loading is done). */
  compact(): void {
    if (this.capacity > this.size) this.resize(Math.max(this.size, 1));
  }

  /** One task's labels, in row order. */
  labelColumn(task: number): Float32Array {
    const out = new Float32Array(this.size);
    for (let i = 0; i < this.size; i++) out[i] = this.labels[i * this.nTasks + task]!;
    return out;
  }

  /** Every row once, in a random order fixed by `seed` (pass a different seed per epoch). */
  *batches(batchSize: number, seed: number): Generator<Batch> {
    const order = new Uint32Array(this.size);
    for (let i = 0; i < order.length; i++) order[i] = i;
    new Rng(seed).shuffle(order);
    for (let start = 0; start < this.size; start += batchSize) {
      const size = Math.min(batchSize, this.size - start);
      const b = newBatch(size, this.nCat, this.nNum, this.nTasks, this.weighted);
      for (let k = 0; k < size; k++) copyRow(this, order[start + k]!, b, k, this.nCat, this.nNum, this.nTasks);
      yield b;
    }
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
