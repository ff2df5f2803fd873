import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readBatches } from '../../src/data/read-batches.js';
import { goodRows, HEADER, smallSpec, tempDir, writePartition } from './fixtures.js';

async function collect(dataDir: string, opts: { shuffleBuffer: number; seed: number; batchSize?: number }) {
  const batches = [];
  for await (const b of readBatches(smallSpec(), { dataDir, dates: ['20240101', '20240102'] }, { batchSize: opts.batchSize ?? 16, withSources: true, ...opts }))
    batches.push(b);
  return batches;
}

function fixture(t: Parameters<typeof tempDir>[0]): string {
  const d = tempDir(t);
  writePartition(d, '20240101', { 'a.csv': `${HEADER}\n${goodRows(70)}`, 'b.csv': `${HEADER}\n${goodRows(30, 70)}` });
  writePartition(d, '20240102', { 'a.csv.gz': `${HEADER}\n${goodRows(55, 100)}` });
  return d;
}

test('one seed gives identical batches; another seed another order; every row exactly once', async (t) => {
  const d = fixture(t);
  const a = await collect(d, { shuffleBuffer: 40, seed: 7 });
  const b = await collect(d, { shuffleBuffer: 40, seed: 7 });
  const c = await collect(d, { shuffleBuffer: 40, seed: 8 });
  assert.deepEqual(a, b);
  assert.notDeepEqual(
    a.map((x) => [...x.line!]),
    c.map((x) => [...x.line!]),
  );
  assert.deepEqual(
    a.map((x) => x.size),
    [...Array(9).fill(16), 11],
  );
  const seen = a.flatMap((x) => [...x.fileIndex!].map((f, i) => `${f}:${x.line![i]}`)).sort();
  assert.equal(new Set(seen).size, 155);
  const last = a.at(-1)!;
  assert.equal(last.cat.length, 11 * 2);
  assert.equal(last.labels.length, 11 * 2);
});

test('shuffleBuffer 0 or 1 keeps file order', async (t) => {
  const d = fixture(t);
  for (const shuffleBuffer of [0, 1]) {
    const batches = await collect(d, { shuffleBuffer, seed: 1, batchSize: 200 });
    assert.equal(batches.length, 1);
    const [b] = batches;
    assert.deepEqual([...b!.fileIndex!.slice(0, 3)], [0, 0, 0]);
    assert.deepEqual([...b!.line!.slice(0, 3)], [2, 3, 4]);
    assert.deepEqual([...b!.fileIndex!.slice(-1)], [2]);
  }
});
