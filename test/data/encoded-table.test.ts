import assert from 'node:assert/strict';
import { test } from 'node:test';
import { copyRow, EncodedTable, newBatch, TableBatch } from '../../src/data/encoded-table.js';

/** A table of `n` rows whose every value tells its row: cat = 10 r + column, num = r + column / 10, label = r, weight = r. */
function table(n: number, options: { shared?: boolean } = {}): EncodedTable {
  const t = new EncodedTable(3, 2, 1, true, 4, options);
  const one = newBatch(1, 3, 2, 1, true);
  for (let r = 0; r < n; r++) {
    one.cat.set([10 * r, 10 * r + 1, 10 * r + 2]);
    one.num.set([r, r + 0.5]);
    one.labels[0] = r;
    one.weights![0] = r;
    t.appendRow(one, 0);
  }
  return t;
}

test('shuffled batches name their rows of the table and copy them only when read, in the batch order', () => {
  const t = table(50);
  const batches = [...t.batches(16, 3)];
  assert.deepEqual(batches.map((b) => b.size), [16, 16, 16, 2]);
  const rows = batches.flatMap((b) => [...b.source!.rows]);
  assert.deepEqual([...rows].sort((a, b) => a - b), Array.from({ length: 50 }, (_, i) => i), 'every row once');
  assert.notDeepEqual(rows, Array.from({ length: 50 }, (_, i) => i), 'shuffled');
  for (const b of batches) {
    assert.ok(b instanceof TableBatch && b.source!.table === t);
    const r = b.source!.rows;
    assert.deepEqual([...b.labels], [...r]);
    assert.deepEqual([...b.weights!], [...r]);
    assert.deepEqual([...b.cat], [...r].flatMap((x) => [10 * x, 10 * x + 1, 10 * x + 2]));
    assert.deepEqual([...b.num], [...r].flatMap((x) => [x, x + 0.5]));
    assert.equal(b.cat, b.cat, 'copied once');
  }
  assert.deepEqual([...t.batches(16, 3)].flatMap((b) => [...b.source!.rows]), rows, 'one seed, one order');
});

test('a shared table grows in ordinary memory and moves to shared memory when compacted; a plain one never uses it', () => {
  // An outgrown SharedArrayBuffer lingers until every thread that saw it collects garbage: growth
  // in shared memory held each outgrown copy (peak RSS 700 MB against 469 for a 214 MB table).
  const t = table(37, { shared: true });
  for (const a of [t.cat, t.num, t.labels, t.weights!]) assert.ok(!(a.buffer instanceof SharedArrayBuffer), 'growing');
  t.compact();
  for (const a of [t.cat, t.num, t.labels, t.weights!]) assert.ok(a.buffer instanceof SharedArrayBuffer, 'compacted');
  assert.equal(t.cat.length, 37 * 3);
  const full = table(4, { shared: true }); // exactly at capacity: compaction still moves it
  full.compact();
  assert.ok(full.cat.buffer instanceof SharedArrayBuffer);
  assert.deepEqual([...full.cat], [0, 1, 2, 10, 11, 12, 20, 21, 22, 30, 31, 32]);
  const plain = table(37);
  plain.compact();
  assert.ok(!(plain.cat.buffer instanceof SharedArrayBuffer));
  const copy = newBatch(1, 3, 2, 1, true);
  copyRow(t, 36, copy, 0, 3, 2, 1);
  assert.deepEqual([...copy.cat, ...copy.num, ...copy.labels, ...copy.weights!], [360, 361, 362, 36, 36.5, 36, 36]);
});
