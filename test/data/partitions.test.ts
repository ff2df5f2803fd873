import assert from 'node:assert/strict';
import { statSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { DataError } from '../../src/errors.js';
import { findPartitions, resolveDates, datesFrom } from '../../src/data/partitions.js';
import { tempDir, writePartition } from './fixtures.js';

test('resolveDates gives N days ending at cur-date, oldest first, across month and year ends', () => {
  assert.deepEqual(resolveDates('20240102', 2), ['20240101', '20240102']);
  assert.deepEqual(resolveDates('20240301', 3), ['20240228', '20240229', '20240301']);
  assert.deepEqual(resolveDates('20250101', 2), ['20241231', '20250101']);
  assert.deepEqual(datesFrom('20241231', 2), ['20241231', '20250101']);
  assert.throws(() => resolveDates('20240230', 1), /not a date/);
});

test('finds YYYYMMDD and dt=YYYYMMDD partitions with every csv, csv.gz and parquet file sorted', async (t) => {
  const d = tempDir(t);
  writePartition(d, '20240101', { 'b.csv': 'x\n', 'a.csv.gz': 'x\n', 'c.parquet': 'x', 'notes.txt': 'no', '.hidden.csv': 'x\n' });
  writePartition(d, 'dt=20240102', { 'part-0.csv': 'x\n' });
  const parts = await findPartitions({ dataDir: d, dates: ['20240101', '20240102'] });
  assert.deepEqual(
    parts.map((p) => p.files.map((f) => f.path.slice(d.length + 1))),
    [['20240101/a.csv.gz', '20240101/b.csv', '20240101/c.parquet'], ['dt=20240102/part-0.csv']],
  );
  assert.deepEqual(
    parts[0]!.files.map((f) => f.bytes),
    parts[0]!.files.map((f) => statSync(f.path).size),
  );
});

test('a missing partition is a DataError naming the directory', async (t) => {
  const d = tempDir(t);
  writePartition(d, '20240102', { 'a.csv': 'x\n' });
  await assert.rejects(
    findPartitions({ dataDir: d, dates: ['20240101', '20240102'] }),
    (e: unknown) => e instanceof DataError && e.exitCode === 3 && e.message.includes(join(d, '20240101')),
  );
});

test('an empty partition is a DataError naming it', async (t) => {
  const d = tempDir(t);
  const p = writePartition(d, '20240101', { 'readme.txt': 'nothing' });
  await assert.rejects(findPartitions({ dataDir: d, dates: ['20240101'] }), (e: unknown) => e instanceof DataError && e.message.includes(p) && /empty/.test(e.message));
});

test('requireSuccess rejects a partition without _SUCCESS', async (t) => {
  const d = tempDir(t);
  writePartition(d, '20240101', { 'a.csv': 'x\n' }, false);
  assert.equal((await findPartitions({ dataDir: d, dates: ['20240101'] })).length, 1);
  await assert.rejects(findPartitions({ dataDir: d, dates: ['20240101'], requireSuccess: true }), /_SUCCESS/);
});

test('a symbolic link to a missing data file is a DataError naming it, not a silently smaller day', async (t) => {
  const d = tempDir(t);
  const p = writePartition(d, '20240101', { 'a.csv': 'x\n' });
  symlinkSync(join(p, 'gone.csv'), join(p, 'b.csv'));
  await assert.rejects(findPartitions({ dataDir: d, dates: ['20240101'] }), (e: unknown) => e instanceof DataError && e.message.includes(join(p, 'b.csv')));
});

test('a missing data directory is a DataError naming it', async (t) => {
  const d = join(tempDir(t), 'nope');
  await assert.rejects(findPartitions({ dataDir: d, dates: ['20240101'] }), (e: unknown) => e instanceof DataError && e.message.includes(d) && /does not exist/.test(e.message));
});
