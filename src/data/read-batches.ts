// Streaming batches straight from the partitions, with a seeded shuffle buffer: memory is the
// buffer plus one batch whatever the data size, and one seed always gives the same batches.
//
// Rows move between typed arrays held in locals and fields of one class each, so every copy is
// monomorphic: a generic copy over differently shaped containers cost more than the encoding.
import { Rng } from '../util/random.js';
import { encodeRows, newAccounting, type ReadOptions } from './encode-rows.js';
import { Holdout } from './holdout.js';
import type { FeatureSpec } from './feature-spec.js';
import type { DataSource } from './partitions.js';
import { BatchRows, ShuffleBuffer, type SourcedBatch } from './row-buffers.js';

export type { SourcedBatch };

export interface BatchOptions extends ReadOptions {
  batchSize: number;
  /** Rows held for shuffling (as tf.data's shuffle buffer); 0 or 1 keeps file order. */
  shuffleBuffer?: number;
  seed?: number;
  /** Add each row's file (index into the accounting's files) and line to the batches. */
  withSources?: boolean;
  /** Leave out the rows the hold-out rule (holdout.ts, as loadEncoded) puts in validation. */
  holdout?: { validRatio: number; seed: number };
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
  const buffer = new ShuffleBuffer(shuffling ? cap : 1, dims[0], dims[1], dims[2]);
  const rng = new Rng(opts.seed ?? 0);
  let out = new BatchRows(opts.batchSize, ...dims);

  const holdout = opts.holdout ? new Holdout(opts.holdout.validRatio, opts.holdout.seed) : null;
  for await (const block of encodeRows(spec, source, { ...opts, account })) {
    const { cat, num, labels, weights, lines, fileIndex, size } = block;
    for (let r = 0; r < size; r++) {
      if (holdout?.holds(block, r)) continue;
      if (!shuffling) {
        out.copyFromArrays(cat, num, labels, weights, r, out.size);
        out.fileIndex[out.size] = fileIndex;
        out.line[out.size] = lines[r]!;
      } else {
        // While filling, park the row; once full, emit a random parked row and park this one there.
        const filling = buffer.size < cap;
        const j = filling ? buffer.size++ : rng.int(cap);
        if (!filling) out.takeFrom(buffer, j, out.size);
        buffer.put(j, cat, num, labels, weights, r, fileIndex, lines[r]!);
        if (filling) continue;
      }
      if (++out.size === out.capacity) {
        yield out.toBatch(withSources);
        out = new BatchRows(opts.batchSize, ...dims);
      }
    }
  }
  // Drain what the buffer still holds, in a seeded random order.
  if (shuffling) {
    const order = new Uint32Array(buffer.size);
    for (let i = 0; i < order.length; i++) order[i] = i;
    rng.shuffle(order);
    for (const j of order) {
      out.takeFrom(buffer, j, out.size);
      if (++out.size === out.capacity) {
        yield out.toBatch(withSources);
        out = new BatchRows(opts.batchSize, ...dims);
      }
    }
  }
  if (out.size > 0) yield out.toBatch(withSources);
}
