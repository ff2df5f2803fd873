// Streaming batches straight from the partitions, with a seeded shuffle buffer: memory is the
// buffer plus one batch whatever the data size, and one seed always gives the same batches.
//
// Rows move between typed arrays held in local variables and fields of one class, so every copy
// is monomorphic: a generic copy over differently shaped containers cost more than the encoding.
import { Rng } from '../util/random.js';
import type { Batch } from './batch.js';
import { encodeRows, newAccounting, type ReadOptions } from './encode-rows.js';
import type { FeatureSpec } from './feature-spec.js';
import type { DataSource } from './partitions.js';

export interface BatchOptions extends ReadOptions {
  batchSize: number;
  /** Rows held for shuffling (as tf.data's shuffle buffer); 0 or 1 keeps file order. */
  shuffleBuffer?: number;
  seed?: number;
  /** Add each row's file (index into the accounting's files) and line to the batches. */
  withSources?: boolean;
}

/** A batch that also says where each row came from (for predictions written next to inputs). */
export interface SourcedBatch extends Batch {
  fileIndex: Int32Array | null;
  line: Int32Array | null;
}

/** Row-major storage for `capacity` rows plus their sources: the shuffle buffer and each batch. */
class Rows {
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

  /** Row d of this = row r of `from`. */
  copyFrom(from: Rows, r: number, d: number): void {
    const { nCat, nNum, nTasks } = this;
    for (let i = 0, s = r * nCat, o = d * nCat; i < nCat; i++) this.cat[o + i] = from.cat[s + i]!;
    for (let i = 0, s = r * nNum, o = d * nNum; i < nNum; i++) this.num[o + i] = from.num[s + i]!;
    for (let i = 0, s = r * nTasks, o = d * nTasks; i < nTasks; i++) this.labels[o + i] = from.labels[s + i]!;
    if (this.weights !== null) this.weights[d] = from.weights![r]!;
    this.fileIndex[d] = from.fileIndex[r]!;
    this.line[d] = from.line[r]!;
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

/**
 * Streams batches of encoded rows over a source. With shuffleBuffer S > 1 the first S rows fill a
 * buffer; each further row takes the place of a uniformly drawn buffered row, which is emitted.
 */
export async function* readBatches(spec: FeatureSpec, source: DataSource, opts: BatchOptions): AsyncGenerator<SourcedBatch> {
  const account = opts.account ?? newAccounting(source, opts.logger);
  const withSources = opts.withSources ?? false;
  const dims = [spec.categorical.length, spec.numeric.length, spec.tasks.length, spec.rowWeight !== undefined] as const;
  const cap = Math.max(opts.shuffleBuffer ?? 0, 1);
  const shuffling = cap > 1;
  const buffer = new Rows(shuffling ? cap : 1, ...dims);
  const rng = new Rng(opts.seed ?? 0);
  let out = new Rows(opts.batchSize, ...dims);

  for await (const block of encodeRows(spec, source, { ...opts, account })) {
    const { cat, num, labels, weights, lines, fileIndex, size } = block;
    for (let r = 0; r < size; r++) {
      if (!shuffling) {
        out.copyFromArrays(cat, num, labels, weights, r, out.size);
        out.fileIndex[out.size] = fileIndex;
        out.line[out.size] = lines[r]!;
      } else {
        // While filling, park the row; once full, emit a random parked row and park this one there.
        const filling = buffer.size < cap;
        const j = filling ? buffer.size++ : rng.int(cap);
        if (!filling) out.copyFrom(buffer, j, out.size);
        buffer.copyFromArrays(cat, num, labels, weights, r, j);
        buffer.fileIndex[j] = fileIndex;
        buffer.line[j] = lines[r]!;
        if (filling) continue;
      }
      if (++out.size === out.capacity) {
        yield out.toBatch(withSources);
        out = new Rows(opts.batchSize, ...dims);
      }
    }
  }
  // Drain what the buffer still holds, in a seeded random order.
  if (shuffling) {
    const order = new Uint32Array(buffer.size);
    for (let i = 0; i < order.length; i++) order[i] = i;
    rng.shuffle(order);
    for (const j of order) {
      out.copyFrom(buffer, j, out.size);
      if (++out.size === out.capacity) {
        yield out.toBatch(withSources);
        out = new Rows(opts.batchSize, ...dims);
      }
    }
  }
  if (out.size > 0) yield out.toBatch(withSources);
}
