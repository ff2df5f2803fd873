import assert from 'node:assert/strict';
import { test } from 'node:test';
import { upgradeSpec } from '../../src/data/feature-spec.js';
import { EmbeddingTables } from '../../src/model/embeddings.js';
import { blockLayout, type BlockLayout } from '../../src/model/layout.js';
import { SparseOptimizer } from '../../src/model/sparse-optimizer.js';
import { type ShardGradient, tableOwners } from '../../src/model/sparse-update.js';
import { Rng } from '../../src/util/random.js';
import { syntheticBatch, tinySpec } from './fixtures.js';

/** Crosses whose two sides share one table, in both orders, and a field crossed with itself: each row's two contributions are still summed in the 1-thread order. */
const HARD_CROSSES = [
  { name: 'item_x_prev', fields: ['item', 'prev_item'] },
  { name: 'prev_x_item', fields: ['prev_item', 'item'] },
  { name: 'dev_x_dev', fields: ['device', 'device'] },
];

/** tinySpec (a shared table, a cross) with `extra` more tables of dims 8, 16, 2, 4, ... (and `hard` crosses). */
function spec(extra: number, hard = false) {
  const base = tinySpec();
  const dims = [8, 16, 2, 4];
  const more = Array.from({ length: extra }, (_, i) => ({ name: `x${i}`, buckets: 6 + 7 * i, embeddingDim: dims[i % dims.length]!, table: `x${i}` }));
  return upgradeSpec({ ...base, categorical: [...base.categorical, ...more], crosses: [{ name: 'user_x_item', fields: ['user', 'item'] }, ...(hard ? HARD_CROSSES : [])] });
}

/** Three steps of Adam on the same tables and gradients, each batch split into `cuts` shards and updated by `threads` owners in turn. */
function train(layout: BlockLayout, threads: number, cuts: number[], checkpoint: boolean): Float32Array[] {
  const s = spec(layout.tables.length - 3);
  const tables = new EmbeddingTables(layout, 2, new Rng(3));
  if (checkpoint) tables.checkpoint();
  const opts = Array.from({ length: threads }, () => new SparseOptimizer('adam', 0.05));
  const rng = new Rng(4);
  for (let step = 0; step < 3; step++) {
    const batch = syntheticBatch(s, 37, 10 + step);
    const dx = Float32Array.from({ length: batch.size * layout.width }, () => rng.normal());
    const block = Float32Array.from({ length: batch.size * layout.width }, () => rng.normal());
    const nCat = layout.fields.length;
    const edges = [0, ...cuts, batch.size];
    const shards: ShardGradient[] = edges.slice(1).map((end, i) => {
      const a = edges[i]!;
      const rows = { size: end - a, cat: batch.cat.subarray(a * nCat, end * nCat), num: batch.num, labels: batch.labels, weights: null };
      return { batch: rows, dx: dx.subarray(a * layout.width, end * layout.width), block: block.subarray(a * layout.width, end * layout.width), stride: layout.width };
    });
    opts.forEach((opt, t) => tables.update(shards, opt, { index: t, of: threads }));
  }
  if (checkpoint) tables.rollback();
  return tables.stores().map((x) => x.slice());
}

for (const extra of [0, 5])
  test(`every row's gradient is summed in one order however the batch is split and whichever threads own the rows (${3 + extra} tables)`, () => {
    const layout = blockLayout(spec(extra, true));
    const one = train(layout, 1, [], false);
    for (const [threads, cuts] of [[2, [18]], [3, [5, 20]], [2, [0, 36]]] as [number, number[]][])
      assert.deepEqual(train(layout, threads, cuts, false), one, `${threads} threads, cuts ${cuts}`);
    // accumulate + apply (the tfjs path) is the same update on one shard.
    const s = spec(extra);
    const tables = new EmbeddingTables(layout, 2, new Rng(3));
    const opt = new SparseOptimizer('adam', 0.05);
    const rng = new Rng(4);
    for (let step = 0; step < 3; step++) {
      const batch = syntheticBatch(s, 37, 10 + step);
      const dx = Float32Array.from({ length: batch.size * layout.width }, () => rng.normal());
      const block = Float32Array.from({ length: batch.size * layout.width }, () => rng.normal());
      tables.accumulate(batch, dx, block);
      tables.apply(opt);
    }
    assert.deepEqual(tables.stores(), one);
    // A checkpoint taken before puts back every row whichever thread changed it.
    const start = new EmbeddingTables(layout, 2, new Rng(3)).stores();
    assert.deepEqual(train(layout, 2, [18], true), start);
    assert.deepEqual(train(layout, 3, [5, 20], true), start);
  });

test('with two tables or more per thread each table goes whole to one thread, costs balanced; with fewer, rows are dealt by blocks', () => {
  const many = blockLayout(spec(5));
  const list = many.tables.map((t) => ({
    dim: t.dim,
    readers: many.fields.filter((f) => f.table === t),
    crosses: many.crosses.filter((x) => many.fields[x.a]!.table === t || many.fields[x.b]!.table === t).map(() => ({ sideA: true, sideB: false })),
  }));
  assert.deepEqual([...tableOwners(list as never, 1)], Array(8).fill(0));
  assert.deepEqual([...tableOwners(list as never, 5)], Array(8).fill(-1));
  const two = tableOwners(list as never, 2);
  // Costs (dim x readers and cross factors): user 8, item 12 (two fields and the cross), device 3, x0..x4 8, 16, 2, 4, 8.
  const load = [0, 0];
  const costs = [8, 12, 3, 8, 16, 2, 4, 8];
  two.forEach((o, i) => (load[o]! += costs[i]!));
  assert.deepEqual(load, [31, 30]);
});
