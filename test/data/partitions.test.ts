import assert from 'node:assert/strict';
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

test('finds YYYYMMDD and dt=YYYYMMDD partitions with every csv and csv.gz file sorted', (t) => {
  const d = tempDir(t);
  writePartition(d, '20240101', { 'b.csv': 'x\n', 'a.csv.gz': 'x\n', 'notes.txt': 'no', '.hidden.csv': 'x\n' });
  writePartition(d, 'dt=20240102', { 'part-0.csv': 'x\n' });
  const parts = findPartitions({ dataDir: d, dates: ['20240101', '20240102'] });
  assert.deepEqual(
    parts.map((p) => p.files.map((f) => f.slice(d.length + 1))),
    [['20240101/a.csv.gz', '20240101/b.csv'], ['dt=20240102/part-0.csv']],
  );
});

test('a missing partition is a DataError naming the directory', (t) => {
  const d = tempDir(t);
  writePartition(d, '20240102', { 'a.csv': 'x\n' });
  assert.throws(
    () => findPartitions({ dataDir: d, dates: ['20240101', '20240102'] }),
    (e: unknown) => e instanceof DataError && e.exitCode === 3 && e.message.includes(join(d, '20240101')),
  );
});

test('an empty partition is a DataError naming it', (t) => {
  const d = tempDir(t);
  const p = writePartition(d, '20240101', { 'readme.txt': 'nothing' });
  assert.throws(() => findPartitions({ dataDir: d, dates: ['20240101'] }), (e: unknown) => e instanceof DataError && e.message.includes(p) && /empty/.test(e.message));
});

test('requireSuccess rejects a partition without _SUCCESS', (t) => {
  const d = tempDir(t);
  writePartition(d, '20240101', { 'a.csv': 'x\n' }, false);
  assert.equal(findPartitions({ dataDir: d, dates: ['20240101'] }).length, 1);
  assert.throws(() => findPartitions({ dataDir: d, dates: ['20240101'], requireSuccess: true }), /_SUCCESS/);
});
