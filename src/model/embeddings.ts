// Embedding tables as plain Float32Arrays: a step gathers the batch's rows into the dense input
// block and scatters the block's gradient back into only those rows. tfjs cannot do this cheaply
// here (its cpu gather gradient is O(buckets) per step; wasm has no UnsortedSegmentSum at all).
// Each table is one array of row records [weights (dim) | optimizer slots (dim each)], so a step
// visits each touched row in one place (see sparse-optimizer.ts).
import { DataError } from '../errors.js';
import type { Batch } from '../data/batch.js';
import type { Rng } from '../util/random.js';
import type { BlockLayout, TableLayout } from './layout.js';
import { RowSlots } from './row-slots.js';
import { accumulateTable, applyTable, type RowOwner, type ShardGradient, tableOwners, type UpdateTable } from './sparse-update.js';
import { adviseHugePages } from './huge-pages.js';
import { touchRows } from './touch.js';
import { UndoLog } from './undo-log.js';
import type { SparseGradient, SparseOptimizer } from './sparse-optimizer.js';

export type { RowOwner, ShardGradient } from './sparse-update.js';

/** Initial values: small and random, so rows start apart from each other. */
const INIT_RANGE = 0.05;

interface Table extends UpdateTable {
  layout: TableLayout;
}

export class EmbeddingTables {
  private readonly tables = new Map<string, Table>();
  /** The tables in layout order. */
  private readonly list: Table[] = [];
  /** Each field's table, in field order (Batch.cat's columns). */
  private readonly fieldTables: Table[];
  /** tableOwners() by thread count. */
  private readonly owners = new Map<number, Int32Array>();
  /** Bytes of the tables (weights and optimizer slots) allocated here, and of those in huge pages. */
  readonly pages = { bytes: 0, hugeBytes: 0 };

  /**
   * `slotsPerWeight`: optimizer state kept per weight (Adam 2, Adagrad 1). `shared`: tables in
   * SharedArrayBuffers, so that training threads read and update the one copy (`stores()`).
   */
  constructor(
    readonly layout: BlockLayout,
    slotsPerWeight: number,
    rng: Rng | null,
    options: { shared?: boolean; stores?: Float32Array[] } = {},
  ) {
    layout.tables.forEach((t, i) => {
      const stride = t.dim * (1 + slotsPerWeight);
      let store = options.stores?.[i];
      if (!store) {
        store = options.shared ? new Float32Array(new SharedArrayBuffer(t.rows * stride * 4)) : new Float32Array(t.rows * stride);
        this.pages.bytes += store.byteLength;
        if (adviseHugePages(store)) this.pages.hugeBytes += store.byteLength; // before the first write
        for (let r = 0; r < t.rows; r++) for (let k = 0; k < t.dim; k++) store[r * stride + k] = (rng!.next() * 2 - 1) * INIT_RANGE;
      }
      const readers = layout.fields.filter((f) => f.table === t).map((f) => ({ column: f.column, offset: f.offset }));
      const crosses = layout.crosses
        .map((cross) => ({ cross, a: layout.fields[cross.a]!.column, b: layout.fields[cross.b]!.column, oa: layout.fields[cross.a]!.offset, ob: layout.fields[cross.b]!.offset, sideA: layout.fields[cross.a]!.table === t, sideB: layout.fields[cross.b]!.table === t }))
        .filter((x) => x.sideA || x.sideB);
      const table: Table = { layout: t, store, stride, dim: t.dim, rows: t.rows, readers, crosses, slots: new RowSlots(t.dim, t.rows), undo: null };
      this.tables.set(t.name, table);
      this.list.push(table);
    });
    this.fieldTables = layout.fields.map((f) => this.get(f.table.name));
  }

  /** The tables' storage in layout order (what another thread attaches to with `options.stores`). */
  stores(): Float32Array[] {
    return this.layout.tables.map((t) => this.get(t.name).store);
  }

  /**
   * A table's storage, not copied: row r's weights are store[r * stride, r * stride + dim). For
   * readers only (scoring); with no optimizer slots (stride == dim) it is the [rows, dim] table.
   */
  view(name: string): { store: Float32Array; stride: number; dim: number; rows: number } {
    const { store, stride, layout } = this.get(name);
    return { store, stride, dim: layout.dim, rows: layout.rows };
  }

  /** A table's weights as a fresh [rows, dim] array. */
  read(name: string): Float32Array {
    const { store, stride, layout } = this.get(name);
    const out = new Float32Array(layout.rows * layout.dim);
    for (let r = 0; r < layout.rows; r++) out.set(store.subarray(r * stride, r * stride + layout.dim), r * layout.dim);
    return out;
  }

  /** Replaces a table's weights with `values` [rows, dim]; optimizer state is kept. */
  write(name: string, values: Float32Array): void {
    const { store, stride, layout } = this.get(name);
    if (values.length !== layout.rows * layout.dim)
      throw new DataError(`embedding table '${name}' has ${layout.rows}x${layout.dim} weights, got ${values.length} values`);
    for (let r = 0; r < layout.rows; r++) store.set(values.subarray(r * layout.dim, (r + 1) * layout.dim), r * stride);
  }

  /** Optimizer slots per row of a table (stride - dim). */
  slotWidth(name: string): number {
    const { stride, layout } = this.get(name);
    return stride - layout.dim;
  }

  /** Copies the optimizer slots of rows [start, start + count) into `out` ([count, slotWidth]). */
  copySlotRows(name: string, start: number, count: number, out: Float32Array): void {
    const { store, stride, layout } = this.get(name);
    const k = stride - layout.dim;
    for (let r = 0; r < count; r++) out.set(store.subarray((start + r) * stride + layout.dim, (start + r + 1) * stride), r * k);
  }

  /** Sets the optimizer slots of rows [start, start + values.length / slotWidth). */
  setSlotRows(name: string, start: number, values: Float32Array): void {
    const { store, stride, layout } = this.get(name);
    const k = stride - layout.dim;
    for (let r = 0; r * k < values.length; r++) store.set(values.subarray(r * k, (r + 1) * k), (start + r) * stride + layout.dim);
  }

  /** Zeroes every optimizer slot: a fresh optimizer (Adam's moments, Adagrad's sums above their start). */
  clearSlots(): void {
    for (const { store, stride, layout } of this.tables.values())
      for (let r = 0; r < layout.rows; r++) store.fill(0, r * stride + layout.dim, (r + 1) * stride);
  }

  /** A table's optimizer slots as a fresh [rows, slotWidth] array. */
  readSlots(name: string): Float32Array {
    const out = new Float32Array(this.get(name).layout.rows * this.slotWidth(name));
    this.copySlotRows(name, 0, this.get(name).layout.rows, out);
    return out;
  }

  /**
   * Fills `out` ([batch.size, outStride] row-major, outStride >= width) with embeddings, crosses and
   * numerics. One field at a time (its table's page-table entries stay cached), its rows touched
   * first (touch.ts).
   */
  gather(batch: Batch, out: Float32Array, outStride = this.layout.width): void {
    const { fields, crosses, numericOffset, numeric } = this.layout;
    const nCat = fields.length;
    const nNum = numeric.length;
    const n = batch.size;
    // Read once: a batch drawn from a table (TableBatch) hands its columns out through getters.
    const { cat, num } = batch;
    fields.forEach((field, f) => {
      const { store, stride, layout } = this.fieldTables[f]!;
      const { dim, rows } = layout;
      for (let b = 0; b < n; b++) {
        const id = cat[b * nCat + f];
        if (!(id >= 0 && id < rows)) throw badId(field.name, id, rows);
      }
      touchRows(store, stride, dim - 1, cat, f, nCat, n);
      for (let b = 0; b < n; b++) {
        const src = cat[b * nCat + f] * stride;
        const dst = b * outStride + field.offset;
        for (let k = 0; k < dim; k++) out[dst + k] = store[src + k];
      }
    });
    for (const x of crosses) {
      // Both factors are already in the block: the cross is their product.
      const oa = fields[x.a].offset;
      const ob = fields[x.b].offset;
      for (let b = 0; b < n; b++) {
        const o = b * outStride;
        for (let k = 0; k < x.dim; k++) out[o + x.offset + k] = out[o + oa + k] * out[o + ob + k];
      }
    }
    for (let b = 0; b < n; b++) for (let j = 0; j < nNum; j++) out[b * outStride + numericOffset + j] = num[b * nNum + j];
  }

  /**
   * Sums the block gradient `dx` into per-table row gradients; `block` is the input the forward
   * pass saw (both [batch.size, width]). A cross passes dx * other factor to each of its two rows.
   * The result stays valid until the next `accumulate` or `update`.
   */
  accumulate(batch: Batch, dx: Float32Array, block: Float32Array): Map<string, SparseGradient> {
    const shards = [{ batch, dx, block, stride: this.layout.width }];
    this.list.forEach((t, i) => accumulateTable(t, i, shards, this.layout.fields.length, { index: 0, of: 1 }, false));
    return new Map([...this.tables].map(([name, t]) => [name, t.slots]));
  }

  /** Lets `opt` update the rows gathered by the last `accumulate` (saving them first while a checkpoint is kept). */
  apply(opt: SparseOptimizer): void {
    opt.nextStep();
    for (const t of this.list) applyTable(t, opt);
  }

  /**
   * One step of `opt` on the rows `owner` updates (sparse-update.ts: tableOwners), from the
   * block gradients of the shards of one batch in order: `accumulate` then `apply`, table by
   * table. Every row's gradient is summed in the order one shard gives, however the batch was
   * split, and threads with different owners touch disjoint rows.
   */
  update(shards: ShardGradient[], opt: SparseOptimizer, owner: RowOwner = { index: 0, of: 1 }): void {
    opt.nextStep();
    let owners = this.owners.get(owner.of);
    if (!owners) this.owners.set(owner.of, (owners = tableOwners(this.list, owner.of)));
    const nCat = this.layout.fields.length;
    for (let i = 0; i < this.list.length; i++) {
      const o = owners[i]!;
      if (o !== owner.index && o !== -1) continue;
      const t = this.list[i]!;
      accumulateTable(t, i, shards, nCat, owner, o === -1);
      applyTable(t, opt);
    }
  }

  /**
   * Makes the current rows (weights and optimizer slots) the checkpoint `rollback` returns to.
   * From now on `apply` saves each row it is about to change for the first time; changes through
   * write() or setSlotRows() are not tracked.
   */
  checkpoint(): void {
    for (const t of this.tables.values()) {
      t.undo ??= new UndoLog(t.layout.rows, t.stride);
      t.undo.clear();
    }
  }

  /**
   * While a checkpoint is kept: saves the rows `batch` reads (every field's, so every row a step
   * on it may change) that are not saved yet. For steps whose updates are made elsewhere: the
   * fast path's threads each update the rows they own, with tables of their own. An id outside
   * its table throws (as gather() would) before the log holds it: the step is refused.
   */
  saveForCheckpoint(batch: Batch): void {
    const fields = this.layout.fields;
    const nCat = fields.length;
    const tables = this.fieldTables;
    if (tables.every((t) => !t.undo)) return;
    // A batch drawn from a table is read there (its own arrays may never be filled): row by row,
    // as the table's rows are scattered.
    const [cat, rows] = batch.source ? [batch.source.table.cat, batch.source.rows] : [batch.cat, null];
    for (let b = 0; b < batch.size; b++) {
      const at = (rows ? rows[b]! : b) * nCat;
      for (let f = 0; f < nCat; f++) {
        const id = cat[at + f]!;
        const limit = fields[f]!.table.rows;
        if (!(id >= 0 && id < limit)) throw badId(fields[f]!.name, id, limit);
        tables[f]!.undo?.saveRow(tables[f]!.store, id);
      }
    }
  }

  /** Puts back every row changed since the checkpoint, which stays kept. */
  rollback(): void {
    for (const t of this.tables.values()) {
      if (!t.undo) throw new Error('no embedding checkpoint to roll back to');
      t.undo.restore(t.store);
    }
  }

  /** Stops tracking changes and frees what the checkpoint held. */
  dropCheckpoint(): void {
    for (const t of this.tables.values()) t.undo = null;
  }

  /** Rows saved for the checkpoint so far, and the bytes it holds (0 without one). */
  checkpointSize(): { rows: number; bytes: number } {
    let rows = 0;
    let bytes = 0;
    for (const t of this.tables.values()) {
      rows += t.undo?.count ?? 0;
      bytes += t.undo?.bytes ?? 0;
    }
    return { rows, bytes };
  }

  private get(name: string): Table {
    return this.tables.get(name)!;
  }
}

export function badId(field: string, id: number, rows: number): DataError {
  return new DataError(`bucket id ${id} is outside the embedding table [0, ${rows - 1}]; the batch and the feature spec disagree`, {
    column: field,
    value: String(id),
  });
}
