// Embedding tables as plain Float32Arrays: a step gathers the batch's rows into the dense input
// block and scatters the block's gradient back into only those rows. tfjs cannot do this cheaply
// here (its cpu gather gradient is O(buckets) per step; wasm has no UnsortedSegmentSum at all).
import { DataError } from '../errors.js';
import type { Batch } from '../data/batch.js';
import type { Rng } from '../util/random.js';
import type { BlockLayout, TableLayout } from './layout.js';
import type { SparseGradient, SparseOptimizer } from './sparse-optimizer.js';

/** Initial values: small and random, so rows start apart from each other. */
const INIT_RANGE = 0.05;

interface Accumulator extends SparseGradient {
  /** slot + 1 of each table row touched in the current step, 0 when untouched. */
  slotOf: Int32Array;
}

export class EmbeddingTables {
  readonly data = new Map<string, Float32Array>();
  private readonly acc = new Map<string, Accumulator>();

  constructor(
    readonly layout: BlockLayout,
    rng: Rng,
  ) {
    for (const t of layout.tables) {
      const a = new Float32Array(t.rows * t.dim);
      for (let i = 0; i < a.length; i++) a[i] = (rng.next() * 2 - 1) * INIT_RANGE;
      this.data.set(t.name, a);
    }
  }

  table(t: TableLayout): Float32Array {
    return this.data.get(t.name)!;
  }

  /** Fills `out` ([batch.size, width] row-major) with embeddings, crosses and numerics. */
  gather(batch: Batch, out: Float32Array): void {
    const { fields, crosses, width, numericOffset, numeric } = this.layout;
    const nCat = fields.length;
    const nNum = numeric.length;
    const tables = fields.map((f) => this.table(f.table));
    for (let b = 0; b < batch.size; b++) {
      const o = b * width;
      for (let f = 0; f < nCat; f++) {
        const { dim, rows } = fields[f].table;
        const id = batch.cat[b * nCat + f];
        if (!(id >= 0 && id < rows)) throw badId(fields[f].name, id, rows);
        const src = id * dim;
        const dst = o + fields[f].offset;
        const t = tables[f];
        for (let k = 0; k < dim; k++) out[dst + k] = t[src + k];
      }
      for (const x of crosses) {
        const ta = tables[x.a];
        const tb = tables[x.b];
        const ra = batch.cat[b * nCat + x.a] * x.dim;
        const rb = batch.cat[b * nCat + x.b] * x.dim;
        for (let k = 0; k < x.dim; k++) out[o + x.offset + k] = ta[ra + k] * tb[rb + k];
      }
      for (let j = 0; j < nNum; j++) out[o + numericOffset + j] = batch.num[b * nNum + j];
    }
  }

  /**
   * Sums the block gradient `dx` ([batch.size, width]) into per-table row gradients: a cross
   * passes dx * other-embedding to each of its two rows. Reads the current embeddings, so it runs
   * before they change. The result stays valid until `apply` or `clear`.
   */
  accumulate(batch: Batch, dx: Float32Array): Map<string, SparseGradient> {
    const { fields, crosses, width } = this.layout;
    const nCat = fields.length;
    this.clear();
    const accs = fields.map((f) => this.accumulator(f.table, batch.size));
    const tables = fields.map((f) => this.table(f.table));
    for (let b = 0; b < batch.size; b++) {
      const o = b * width;
      for (let f = 0; f < nCat; f++) {
        const { dim } = fields[f].table;
        const s = slot(accs[f], batch.cat[b * nCat + f], dim) * dim;
        const g = accs[f].grads;
        const src = o + fields[f].offset;
        for (let k = 0; k < dim; k++) g[s + k] += dx[src + k];
      }
      for (const x of crosses) {
        const ra = batch.cat[b * nCat + x.a];
        const rb = batch.cat[b * nCat + x.b];
        const sa = slot(accs[x.a], ra, x.dim) * x.dim;
        const sb = slot(accs[x.b], rb, x.dim) * x.dim;
        const ga = accs[x.a].grads;
        const gb = accs[x.b].grads;
        const ea = tables[x.a];
        const eb = tables[x.b];
        for (let k = 0; k < x.dim; k++) {
          const d = dx[o + x.offset + k];
          ga[sa + k] += d * eb[rb * x.dim + k];
          gb[sb + k] += d * ea[ra * x.dim + k];
        }
      }
    }
    return this.acc;
  }

  /** Lets `opt` update the rows gathered by the last `accumulate`. */
  apply(opt: SparseOptimizer): void {
    opt.nextStep();
    for (const t of this.layout.tables) {
      const a = this.acc.get(t.name);
      if (a && a.count > 0) opt.apply(t.name, this.table(t), t.dim, a);
    }
    this.clear();
  }

  /** Forgets the accumulated rows. */
  clear(): void {
    for (const a of this.acc.values()) {
      for (let i = 0; i < a.count; i++) a.slotOf[a.rows[i]] = 0;
      a.count = 0;
    }
  }

  private accumulator(t: TableLayout, batchSize: number): Accumulator {
    const fieldsOfTable = this.layout.fields.filter((f) => f.table === t).length;
    const capacity = Math.min(t.rows, batchSize * fieldsOfTable);
    let a = this.acc.get(t.name);
    if (!a || a.rows.length < capacity) {
      a = { slotOf: a?.slotOf ?? new Int32Array(t.rows), rows: new Int32Array(capacity), grads: new Float32Array(capacity * t.dim), count: 0 };
      this.acc.set(t.name, a);
    }
    return a;
  }
}

function badId(field: string, id: number, rows: number): DataError {
  return new DataError(`bucket id ${id} is outside the embedding table [0, ${rows - 1}]; the batch and the feature spec disagree`, {
    column: field,
    value: String(id),
  });
}

/** The accumulator slot of `row`, claiming (and zeroing) a fresh one on first touch this step. */
function slot(a: Accumulator, row: number, dim: number): number {
  const s = a.slotOf[row];
  if (s !== 0) return s - 1;
  const n = a.count++;
  a.rows[n] = row;
  a.slotOf[row] = n + 1;
  a.grads.fill(0, n * dim, n * dim + dim);
  return n;
}
