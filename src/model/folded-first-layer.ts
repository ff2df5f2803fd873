// The first layers of a scoring graph on folded tables (folded-tables.ts): per batch, the heap
// address of each folded field's projected row, one matrix product for the rest columns (crosses,
// numerics, unfolded fields; bias fused) that seeds the sums, then one kernel call per layer that
// also applies ReLU and writes the layer's output tensor in place.
import * as tf from '@tensorflow/tfjs';
import type { Batch } from '../data/batch.js';
import { badId, type EmbeddingTables } from './embeddings.js';
import type { FoldedTables, LayerSlot } from './folded-tables.js';
import type { BlockLayout, FieldLayout } from './layout.js';
import { FLOATS_PER_VECTOR } from './wasm/scoring-kernels.js';
import type { TfjsHeap } from './wasm/tfjs-heap.js';

/** Writes its columns of the rest block ([batch.size, width] row-major) for a batch. */
type Segment = (batch: Batch, out: Float32Array, width: number) => void;

type TableView = ReturnType<EmbeddingTables['view']>;

interface Field {
  layout: FieldLayout;
  /** Byte address of the field's projected row 0 in the heap. */
  base: number;
}

export class FoldedFirstLayer {
  private readonly fields: Field[];
  private readonly layers: LayerSlot[];
  private readonly rowFloats: number;
  private readonly rest: { width: number; segments: Segment[] } | null;
  private restBlock = new Float32Array(0);
  private offsets = new Uint32Array(0);

  constructor(
    private readonly layout: BlockLayout,
    tables: EmbeddingTables,
    private readonly folded: FoldedTables,
    private readonly heap: TfjsHeap,
  ) {
    this.layers = folded.layers;
    this.rowFloats = folded.rowFloats;
    const byName = new Map(layout.fields.map((f) => [f.name, f]));
    // Tensor memory does not move while the tensor lives (the heap grows in place).
    this.fields = folded.fields.map((f) => ({ layout: byName.get(f.name)!, base: heap.address(f.table) }));
    const isFolded = new Set(folded.fields.map((f) => f.name));
    if (folded.rest) {
      // Same column order as foldTables' rest rows: unfolded fields, crosses, numerics.
      const segments: Segment[] = [];
      let width = 0;
      const nCat = layout.fields.length;
      for (const field of layout.fields.filter((f) => !isFolded.has(f.name))) {
        // The tables' own storage, not copies: an unfolded field's table may be the largest one.
        segments.push(embeddingSegment(field, tables.view(field.table.name), width, nCat));
        width += field.table.dim;
      }
      for (const x of layout.crosses) {
        const [a, b] = [layout.fields[x.a]!, layout.fields[x.b]!];
        segments.push(crossSegment(a, b, tables.view(a.table.name), tables.view(b.table.name), width, nCat));
        width += x.dim;
      }
      if (layout.numeric.length > 0) {
        segments.push(numericSegment(layout.numeric.length, width));
        width += layout.numeric.length;
      }
      this.rest = { width, segments };
    } else this.rest = null;
  }

  /** Each first layer's output for a batch, [batch.size, units] (after ReLU where the slot says so). Call inside tf.tidy. */
  forward(batch: Batch): tf.Tensor2D[] {
    const n = batch.size;
    const nf = this.fields.length;
    const nCat = this.layout.fields.length;
    const rowBytes = this.rowFloats * 4;
    if (this.offsets.length < n * nf) this.offsets = new Uint32Array(n * nf);
    const offs = this.offsets;
    this.fields.forEach((f, j) => {
      const { column, name, table } = f.layout;
      for (let r = 0; r < n; r++) {
        const id = batch.cat[r * nCat + column]!;
        if (!(id >= 0 && id < table.rows)) throw badId(name, id, table.rows);
        offs[r * nf + j] = f.base + id * rowBytes;
      }
    });
    const offsT = tf.tensor1d(new Int32Array(offs.buffer, 0, n * nf), 'int32');
    let init = { address: this.heap.address(this.folded.bias), stride: 0 };
    if (this.rest) {
      const { width, segments } = this.rest;
      if (this.restBlock.length < n * width) this.restBlock = new Float32Array(n * width);
      for (const s of segments) s(batch, this.restBlock, width);
      const a = tf.tensor2d(this.restBlock.subarray(0, n * width), [n, width]);
      const product = tf.fused.matMul({ a, b: this.folded.rest!.kernel, bias: this.folded.bias }); // [n, rowFloats]
      init = { address: this.heap.address(product), stride: rowBytes };
    }
    // Addresses are read after every allocation above: the heap may have grown, never moved.
    const offsAt = this.heap.address(offsT);
    return this.layers.map((l) => {
      const w = l.vecs * FLOATS_PER_VECTOR;
      const out = this.heap.output([n, w], (at) =>
        this.heap.kernels.gatherSum({ offs: offsAt, nf, shift: l.at * 4, init: init.address + l.at * 4, istride: init.stride, out: at, rows: n, vecs: l.vecs, relu: l.relu }),
      );
      return w === l.units ? out : tf.slice(out, [0, 0], [n, l.units]);
    });
  }
}

function embeddingSegment(field: FieldLayout, t: TableView, at: number, nCat: number): Segment {
  const { column, name } = field;
  const { dim, rows, store: weights, stride } = t;
  return (batch, out, width) => {
    for (let r = 0; r < batch.size; r++) {
      const id = batch.cat[r * nCat + column]!;
      if (!(id >= 0 && id < rows)) throw badId(name, id, rows);
      const src = id * stride;
      const dst = r * width + at;
      for (let k = 0; k < dim; k++) out[dst + k] = weights[src + k]!;
    }
  };
}

function crossSegment(a: FieldLayout, b: FieldLayout, ta: TableView, tb: TableView, at: number, nCat: number): Segment {
  const dim = a.table.dim;
  const [wa, sa, wb, sb] = [ta.store, ta.stride, tb.store, tb.stride];
  return (batch, out, width) => {
    for (let r = 0; r < batch.size; r++) {
      const ia = batch.cat[r * nCat + a.column]!;
      const ib = batch.cat[r * nCat + b.column]!;
      if (!(ia >= 0 && ia < a.table.rows)) throw badId(a.name, ia, a.table.rows);
      if (!(ib >= 0 && ib < b.table.rows)) throw badId(b.name, ib, b.table.rows);
      const dst = r * width + at;
      for (let k = 0; k < dim; k++) out[dst + k] = wa[ia * sa + k]! * wb[ib * sb + k]!;
    }
  };
}

function numericSegment(count: number, at: number): Segment {
  return (batch, out, width) => {
    for (let r = 0; r < batch.size; r++) for (let k = 0; k < count; k++) out[r * width + at + k] = batch.num[r * count + k]!;
  };
}
