import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Batch } from '../../src/data/batch.js';
import { loadEncoded } from '../../src/data/load-encoded.js';
import { MemoryBudgetError } from '../../src/data/memory-budget.js';
import { ReadAhead, ReadAheadOutgrew } from '../../src/data/read-ahead.js';
import { DataError, InterruptedError } from '../../src/errors.js';
import { silentLogger } from '../../src/logger.js';
import { goodRows, HEADER, smallSpec, tempDir, writePartition } from './fixtures.js';

const source = (d: string) => ({ dataDir: d, dates: ['20240101', '20240102'] });

function fixture(t: Parameters<typeof tempDir>[0], extra = ''): string {
  const d = tempDir(t);
  writePartition(d, '20240101', { 'a.csv': `${HEADER}\n${goodRows(1500)}${extra}`, 'b.csv.gz': `${HEADER}\n${goodRows(700, 1500)}` });
  writePartition(d, '20240102', { 'a.csv': `${HEADER}\n${goodRows(900, 2200)}` });
  return d;
}

async function collect(it: AsyncIterable<Batch> | Iterable<Batch>): Promise<Batch[]> {
  const out: Batch[] = [];
  for await (const b of it) out.push(b);
  return out;
}

/** Each row as one string of its columns, for comparing sets of rows. */
const rowsOf = (bs: { size: number; cat: Int32Array; num: Float32Array; labels: Float32Array }[], nCat = 2, nNum = 1, nTasks = 2) =>
  bs.flatMap((b) => Array.from({ length: b.size }, (_, r) => [...b.cat.subarray(r * nCat, (r + 1) * nCat), ...b.num.subarray(r * nNum, (r + 1) * nNum), ...b.labels.subarray(r * nTasks, (r + 1) * nTasks)].join(',')));

test('the first epoch trains on every training row once while a thread reads; the tables and accounting equal one read', async (t) => {
  const d = fixture(t);
  const spec = smallSpec();
  const opts = { validRatio: 0.2, seed: 5, logger: silentLogger(), shuffleBuffer: 500 };
  const ahead = await ReadAhead.start(spec, source(d), opts);
  assert.ok(ahead.estimatedRows > 0);
  assert.equal(ahead.size, 0, 'unknown until the read is done');
  const first = await collect(ahead.batches(64, 11));
  const read = await ahead.done;
  const once = await loadEncoded(spec, source(d), { validRatio: 0.2, seed: 5 });
  assert.equal(read.trainRows, once.trainRows);
  assert.deepEqual(read.train.cat, once.train.cat, 'rows kept in file order');
  assert.deepEqual(read.valid.labels, once.valid.labels, 'the same hold-out');
  assert.deepEqual(read.account, once.account);
  assert.equal(ahead.size, once.trainRows);
  assert.deepEqual(first.map((b) => b.size).slice(0, -1), Array(first.length - 1).fill(64));
  assert.deepEqual(rowsOf(first).sort(), rowsOf([once.train]).sort(), 'every training row exactly once');
  assert.notDeepEqual(rowsOf(first), rowsOf([once.train]), 'shuffled');
  // Later epochs shuffle the whole table.
  assert.deepEqual(rowsOf(await collect(ahead.batches(64, 12))).sort(), rowsOf([once.train]).sort());
  await ahead.close();

  const again = await ReadAhead.start(spec, source(d), opts);
  assert.deepEqual(rowsOf(await collect(again.batches(64, 11))), rowsOf(first), 'one seed, one order, whatever the timing');
  await again.close();
});

test('a read that fails (too many bad rows) stops the first epoch with its data error', async (t) => {
  const d = fixture(t, 'x,1,a1,s1,9\n'.repeat(20));
  const ahead = await ReadAhead.start(smallSpec(), source(d), { validRatio: 0, seed: 1, logger: silentLogger(), shuffleBuffer: 100 });
  await assert.rejects(collect(ahead.batches(64, 1)), (e: unknown) => e instanceof DataError && /bad rows/.test(e.message));
  await assert.rejects(ahead.done, DataError);
  await ahead.close();
});

test('days without a training row: the first epoch ends with the no-training-rows error', async (t) => {
  const d = tempDir(t);
  writePartition(d, '20240101', { 'a.csv': `${HEADER}\n` });
  writePartition(d, '20240102', { 'a.csv': `${HEADER}\n` });
  const ahead = await ReadAhead.start(smallSpec(), source(d), { validRatio: 0, seed: 1, logger: silentLogger(), shuffleBuffer: 100 });
  await assert.rejects(collect(ahead.batches(64, 1)), /no training rows in 20240101, 20240102/);
  await ahead.close();
});

test('negative sampling: the same rows kept and dropped, and validation rows weighted, as one read', async (t) => {
  const d = fixture(t);
  const spec = smallSpec();
  const negativeSampling = { task: 0, rate: 0.3, seed: 3 };
  const ahead = await ReadAhead.start(spec, source(d), { validRatio: 0.2, seed: 5, logger: silentLogger(), shuffleBuffer: 200, negativeSampling });
  const first = await collect(ahead.batches(64, 1));
  const read = await ahead.done;
  const once = await loadEncoded(spec, source(d), { validRatio: 0.2, seed: 5, negativeSampling });
  assert.ok((once.account.sampledOut ?? 0) > 0);
  assert.deepEqual(read.account, once.account);
  assert.deepEqual(read.train.labels, once.train.labels);
  assert.deepEqual(read.valid.weights, once.valid.weights, 'kept negatives stand for 1/rate');
  assert.deepEqual(rowsOf(first).sort(), rowsOf([once.train]).sort());
  await ahead.close();
});

test('the memory budget is checked as one read checks it: "memory" stops naming the file and line, "auto" says the rows outgrew it', async (t) => {
  const d = fixture(t);
  const memoryBudget = { bytes: 40_000, source: '--memory-budget 0.0 MiB' };
  const opts = { validRatio: 0.2, seed: 5, logger: silentLogger(), shuffleBuffer: 100, memoryBudget };
  const memory = await ReadAhead.start(smallSpec(), source(d), { ...opts, keepTrain: true, overBudgetAdvice: { train: 'stream them', valid: 'fewer' } });
  await assert.rejects(
    collect(memory.batches(64, 1)),
    (e: unknown) => e instanceof MemoryBudgetError && /a\.csv:\d+: the (training|validation) rows do not fit in memory: .* held after [\d,]+ rows, growing to .*, over the memory budget of .*; (stream them|fewer)$/.test(e.message),
  );
  await memory.close();
  const auto = await ReadAhead.start(smallSpec(), source(d), { ...opts, keepTrain: 'auto' });
  await assert.rejects(collect(auto.batches(64, 1)), (e: unknown) => e instanceof ReadAheadOutgrew && /^the training rows outgrew the memory budget at .*a\.csv:\d+ \(.* over the memory budget/.test(e.message));
  await auto.close();
  const roomy = await ReadAhead.start(smallSpec(), source(d), { ...opts, memoryBudget: { bytes: 2 ** 20, source: 'test' }, keepTrain: 'auto' });
  assert.ok((await collect(roomy.batches(64, 1))).length > 0);
  assert.ok(roomy.complete);
  await roomy.close();
});

test('an interrupt stops the read at once: the first epoch and the read end with InterruptedError', async (t) => {
  const d = fixture(t);
  const controller = new AbortController();
  const ahead = await ReadAhead.start(smallSpec(), source(d), { validRatio: 0, seed: 1, logger: silentLogger(), shuffleBuffer: 100, signal: controller.signal });
  const batches = ahead.batches(64, 1);
  controller.abort();
  await assert.rejects(collect(batches), InterruptedError);
  await assert.rejects(ahead.done, /interrupted while reading the data/);
  assert.equal(ahead.complete, false);
  await ahead.close();
});
