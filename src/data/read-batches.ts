// Streaming batches straight from the partitions, with a seeded shuffle buffer: memory is the
// buffer plus one batch whatever the data size, and one seed always gives the same batches.
import { Rng } from '../util/random.js';
import type { Batch } from './batch.js';
import { EncodedTable, copyRow, newBatch } from './encoded-table.js';
import { encodeRows, newAccounting, type ReadOptions, type RowBlock } from './encode-rows.js';
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

class BatchFiller {
  private out: SourcedBatch;
  constructor(
    private readonly table: EncodedTable,
    private readonly batchSize: number,
    private readonly withSources: boolean,
  ) {
    this.out = this.fresh();
  }

  private fresh(): SourcedBatch {
    const t = this.table;
    const b = newBatch(this.batchSize, t.nCat, t.nNum, t.nTasks, t.weighted);
    const src = this.withSources ? { fileIndex: new Int32Array(this.batchSize), line: new Int32Array(this.batchSize) } : { fileIndex: null, line: null };
    return { ...b, size: 0, ...src };
  }

  /** Adds a row; returns a full batch when this row completed one. */
  add(src: { cat: Int32Array; num: Float32Array; labels: Float32Array; weights: Float32Array | null }, r: number, fileIndex: number, line: number): SourcedBatch | null {
    const b = this.out;
    const t = this.table;
    copyRow(src, r, b, b.size, t.nCat, t.nNum, t.nTasks);
    if (b.fileIndex) {
      b.fileIndex[b.size] = fileIndex;
      b.line![b.size] = line;
    }
    if (++b.size < this.batchSize) return null;
    this.out = this.fresh();
    return b;
  }

  /** The last, partial batch (arrays trimmed to its size), or null. */
  rest(): SourcedBatch | null {
    const b = this.out;
    if (b.size === 0) return null;
    const t = this.table;
    const n = b.size;
    return {
      size: n,
      cat: b.cat.slice(0, n * t.nCat),
      num: b.num.slice(0, n * t.nNum),
      labels: b.labels.slice(0, n * t.nTasks),
      weights: b.weights ? b.weights.slice(0, n) : null,
      fileIndex: b.fileIndex ? b.fileIndex.slice(0, n) : null,
      line: b.line ? b.line.slice(0, n) : null,
    };
  }
}

/**
 * Streams batches of encoded rows over a source. With shuffleBuffer S > 1 the first S rows fill a
 * buffer; each further row takes the place of a uniformly drawn buffered row, which is emitted.
 */
export async function* readBatches(spec: FeatureSpec, source: DataSource, opts: BatchOptions): AsyncGenerator<SourcedBatch> {
  const account = opts.account ?? newAccounting(source, opts.logger);
  const cap = Math.max(opts.shuffleBuffer ?? 0, 1);
  const buffer = EncodedTable.forSpec(spec, cap);
  const fill = new BatchFiller(buffer, opts.batchSize, opts.withSources ?? false);
  const bufFile = new Int32Array(cap);
  const bufLine = new Int32Array(cap);
  const rng = new Rng(opts.seed ?? 0);
  const blocks: AsyncGenerator<RowBlock> = encodeRows(spec, source, { ...opts, account });
  for await (const block of blocks) {
    for (let r = 0; r < block.size; r++) {
      const line = block.lines[r]!;
      let full: SourcedBatch | null;
      if (cap === 1) full = fill.add(block, r, block.fileIndex, line);
      else if (buffer.size < cap) {
        bufFile[buffer.size] = block.fileIndex;
        bufLine[buffer.size] = line;
        buffer.appendRow(block, r);
        continue;
      } else {
        const j = rng.int(cap);
        full = fill.add(buffer, j, bufFile[j]!, bufLine[j]!);
        copyRow(block, r, buffer, j, buffer.nCat, buffer.nNum, buffer.nTasks);
        bufFile[j] = block.fileIndex;
        bufLine[j] = line;
      }
      if (full) yield full;
    }
  }
  // Drain what the buffer still holds, in a seeded random order.
  const order = new Uint32Array(buffer.size);
  for (let i = 0; i < order.length; i++) order[i] = i;
  rng.shuffle(order);
  for (const j of order) {
    const full = fill.add(buffer, j, bufFile[j]!, bufLine[j]!);
    if (full) yield full;
  }
  const last = fill.rest();
  if (last) yield last;
}
