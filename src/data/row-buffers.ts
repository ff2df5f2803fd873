// Row stores of the streaming batcher. Batches are column-blocked row-major arrays (the Batch
// contract); the shuffle buffer keeps each row's values contiguous instead, so the random row a
// shuffle reads and overwrites costs one or two cache lines rather than one per array.
import type { Batch } from './batch.js';

/** A batch that also says where each row came from (for predictions written next to inputs). */
export interface SourcedBatch extends Batch {
  fileIndex: Int32Array | null;
  line: Int32Array | null;
}

/** `capacity` rows, each [cat..., num..., labels..., weight, fileIndex, line] in one buffer. */
export class ShuffleBuffer {
  readonly stride: number;
  readonly ints: Int32Array;
  /** The same memory read as floats (numerics, labels, weight). */
  readonly floats: Float32Array;
  size = 0;

  constructor(
    readonly capacity: number,
    readonly nCat: number,
    readonly nNum: number,
    readonly nTasks: number,
  ) {
    this.stride = nCat + nNum + nTasks + 3;
    this.ints = new Int32Array(capacity * this.stride);
    this.floats = new Float32Array(this.ints.buffer);
  }

  /** Row j = row r of an encoded block, with its source. */
  put(j: number, cat: Int32Array, num: Float32Array, labels: Float32Array, weights: Float32Array | null, r: number, fileIndex: number, line: number): void {
    const { nCat, nNum, nTasks } = this;
    const ints = this.ints;
    const floats = this.floats;
    let p = j * this.stride;
    for (let i = 0, s = r * nCat; i < nCat; i++) ints[p++] = cat[s + i]!;
    for (let i = 0, s = r * nNum; i < nNum; i++) floats[p++] = num[s + i]!;
    for (let i = 0, s = r * nTasks; i < nTasks; i++) floats[p++] = labels[s + i]!;
    floats[p] = weights !== null ? weights[r]! : 0;
    ints[p + 1] = fileIndex;
    ints[p + 2] = line;
  }
}

/** A batch being filled: row-major arrays (the Batch layout) plus each row's source. */
export class BatchRows {
  readonly cat: Int32Array;
  readonly num: Float32Array;
  readonly labels: Float32Array;
  readonly weights: Float32Array | null;
  readonly fileIndex: Int32Array;
  readonly line: Int32Array;
  size = 0;

  constructor(
    readonly capacity: number,
    readonly nCat: number,
    readonly nNum: number,
    readonly nTasks: number,
    weighted: boolean,
  ) {
    this.cat = new Int32Array(capacity * nCat);
    this.num = new Float32Array(capacity * nNum);
    this.labels = new Float32Array(capacity * nTasks);
    this.weights = weighted ? new Float32Array(capacity) : null;
    this.fileIndex = new Int32Array(capacity);
    this.line = new Int32Array(capacity);
  }

  /** Row d of this = row j of a shuffle buffer. */
  takeFrom(from: ShuffleBuffer, j: number, d: number): void {
    const { nCat, nNum, nTasks } = this;
    const ints = from.ints;
    const floats = from.floats;
    let p = j * from.stride;
    for (let i = 0, o = d * nCat; i < nCat; i++) this.cat[o + i] = ints[p++]!;
    for (let i = 0, o = d * nNum; i < nNum; i++) this.num[o + i] = floats[p++]!;
    for (let i = 0, o = d * nTasks; i < nTasks; i++) this.labels[o + i] = floats[p++]!;
    if (this.weights !== null) this.weights[d] = floats[p]!;
    this.fileIndex[d] = ints[p + 1]!;
    this.line[d] = ints[p + 2]!;
  }

  /** Row d of this = row r of an encoded block (same layout, arrays passed in). */
  copyFromArrays(cat: Int32Array, num: Float32Array, labels: Float32Array, weights: Float32Array | null, r: number, d: number): void {
    const { nCat, nNum, nTasks } = this;
    for (let i = 0, s = r * nCat, o = d * nCat; i < nCat; i++) this.cat[o + i] = cat[s + i]!;
    for (let i = 0, s = r * nNum, o = d * nNum; i < nNum; i++) this.num[o + i] = num[s + i]!;
    for (let i = 0, s = r * nTasks, o = d * nTasks; i < nTasks; i++) this.labels[o + i] = labels[s + i]!;
    if (this.weights !== null) this.weights[d] = weights![r]!;
  }

  /** The first `size` rows as a batch (views when full, trimmed copies for the last one). */
  toBatch(withSources: boolean): SourcedBatch {
    const n = this.size;
    const cut = <T extends Int32Array | Float32Array>(a: T, width: number): T => (n === this.capacity ? a : (a.slice(0, n * width) as T));
    return {
      size: n,
      cat: cut(this.cat, this.nCat),
      num: cut(this.num, this.nNum),
      labels: cut(this.labels, this.nTasks),
      weights: this.weights ? cut(this.weights, 1) : null,
      fileIndex: withSources ? cut(this.fileIndex, 1) : null,
      line: withSources ? cut(this.line, 1) : null,
    };
  }
}

