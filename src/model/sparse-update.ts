// The lazy update of a step's embedding rows, one table at a time: the table's row gradients are
// summed from every shard's block gradient, then the optimizer updates its rows at once, while
// the gradients are still in cache. A row's gradient is summed in one order whatever the number
// of shards or threads: the fields reading its table in field order, each over the whole batch in
// row order, then the crosses it is a factor of, in cross order (what one shard gives).
import type { Batch } from '../data/batch.js';
import type { CrossLayout } from './layout.js';
import type { RowSlots } from './row-slots.js';
import type { SparseOptimizer } from './sparse-optimizer.js';
import type { UndoLog } from './undo-log.js';

/** One shard's block and block gradient ([batch.size, stride] row-major, the first `width` columns used). */
export interface ShardGradient {
  batch: Batch;
  dx: Float32Array;
  block: Float32Array;
  stride: number;
}

/** The threads updating the rows, and which of them this one is. */
export interface RowOwner {
  index: number;
  of: number;
}

/** A table as the update sees it. */
export interface UpdateTable {
  /** [rows, stride]: weights then optimizer slots. */
  store: Float32Array;
  stride: number;
  dim: number;
  rows: number;
  slots: RowSlots;
  undo: UndoLog | null;
  /** The columns of Batch.cat and the block offsets of the fields reading this table, in field order. */
  readers: { column: number; offset: number }[];
  /** The crosses with a factor in this table, in cross order, and which of their factors are. */
  crosses: { cross: CrossLayout; a: number; b: number; oa: number; ob: number; sideA: boolean; sideB: boolean }[];
}

const OWNER_SHIFT = 4; // blocks of 16 rows

/**
 * Who updates which rows, a function of the table and the row only, so that the threads touch
 * disjoint rows and every row has one owner whatever the batch. With at least two tables per
 * thread each table goes whole to one thread (costs balanced, largest first: dim times the fields
 * and cross factors reading it), and a thread reads only its own tables' columns. With fewer
 * tables, each table's rows are dealt in blocks of 16 rows, round-robin from a start that moves
 * with the table, so that the few hot rows of low-cardinality fields do not all fall to one thread.
 * Returns, per table, its owner, or -1 for a table dealt by row blocks.
 */
export function tableOwners(tables: UpdateTable[], threads: number): Int32Array {
  const owners = new Int32Array(tables.length).fill(-1);
  if (threads === 1) return owners.fill(0);
  if (tables.length < 2 * threads) return owners;
  const cost = tables.map((t) => t.dim * (t.readers.length + t.crosses.reduce((n, x) => n + Number(x.sideA) + Number(x.sideB), 0)));
  const load = new Float64Array(threads);
  const order = tables.map((_, i) => i).sort((i, j) => cost[j]! - cost[i]! || i - j);
  for (const i of order) {
    let least = 0;
    for (let k = 1; k < threads; k++) if (load[k]! < load[least]!) least = k;
    owners[i] = least;
    load[least] += cost[i]!;
  }
  return owners;
}

/**
 * Sums the rows' gradients of table `t` (index `ti`) that `owner` updates into t.slots, over the
 * shards in order. `split`: the table's rows are dealt by row blocks (tableOwners gave -1).
 */
export function accumulateTable(t: UpdateTable, ti: number, shards: ShardGradient[], nCat: number, owner: RowOwner, split: boolean): void {
  const s = t.slots;
  const total = shards.reduce((n, x) => n + x.batch.size, 0);
  s.reset(Math.min(split ? Math.ceil(t.rows / owner.of) + (1 << OWNER_SHIFT) : t.rows, total * t.readers.length));
  // Rows r with ((r >> 4) + ti) % of === index are this thread's (all of them when not split).
  const of = split ? owner.of : 1;
  const part = split ? owner.index : 0;
  for (const { column, offset } of t.readers)
    for (const { batch, dx, stride } of shards) addField(s, batch.cat, nCat, column, batch.size, dx, stride, offset, ti, of, part);
  for (const x of t.crosses)
    for (const { batch, dx, block, stride } of shards) {
      const n = batch.size;
      const cat = batch.cat;
      const { dim, offset } = x.cross;
      for (let b = 0; b < n; b++) {
        const o = b * stride;
        if (x.sideA) {
          const row = cat[b * nCat + x.a]!;
          if (of === 1 || ((row >> OWNER_SHIFT) + ti) % of === part) {
            const g = s.offset(row);
            for (let k = 0; k < dim; k++) s.grads[g + k] += dx[o + offset + k]! * block[o + x.ob + k]!;
          }
        }
        if (x.sideB) {
          const row = cat[b * nCat + x.b]!;
          if (of === 1 || ((row >> OWNER_SHIFT) + ti) % of === part) {
            const g = s.offset(row);
            for (let k = 0; k < dim; k++) s.grads[g + k] += dx[o + offset + k]! * block[o + x.oa + k]!;
          }
        }
      }
    }
}

/** Adds column `column`'s block gradient (at `offset`) of a shard's rows into their slots. */
function addField(s: RowSlots, cat: Int32Array, nCat: number, column: number, n: number, dx: Float32Array, stride: number, offset: number, ti: number, of: number, part: number): void {
  const dim = s.dim;
  const grads = s.grads;
  for (let b = 0; b < n; b++) {
    const row = cat[b * nCat + column]!;
    if (of !== 1 && ((row >> OWNER_SHIFT) + ti) % of !== part) continue;
    const at = s.offset(row);
    const src = b * stride + offset;
    if (dim === 4) {
      grads[at] += dx[src]!;
      grads[at + 1] += dx[src + 1]!;
      grads[at + 2] += dx[src + 2]!;
      grads[at + 3] += dx[src + 3]!;
    } else for (let k = 0; k < dim; k++) grads[at + k] += dx[src + k]!;
  }
}

/** Lets `opt` update the rows of t.slots (saving them first while a checkpoint is kept). */
export function applyTable(t: UpdateTable, opt: SparseOptimizer): void {
  if (t.slots.count === 0) return;
  t.undo?.save(t.store, t.slots.rows, t.slots.count);
  opt.apply(t.store, t.stride, t.dim, t.slots);
}
