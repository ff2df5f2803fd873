import assert from 'node:assert/strict';
import { test } from 'node:test';
import { newAccounting, encodeRows } from '../../src/data/encode-rows.js';
import { DataError } from '../../src/errors.js';
import { goodRows, HEADER, smallSpec, tempDir, writePartition } from './fixtures.js';

async function countRows(dataDir: string, dates: string[], maxBadRows?: number) {
  const source = { dataDir, dates };
  const account = newAccounting(source);
  let rows = 0;
  for await (const b of encodeRows(smallSpec(), source, { account, ...(maxBadRows !== undefined ? { maxBadRows } : {}) })) rows += b.size;
  return { rows, account: account.toJSON() };
}

test('bad rows under the ratio are skipped and accounted by reason with examples', async (t) => {
  const d = tempDir(t);
  writePartition(d, '20240101', { 'a.csv': `${HEADER}\n${goodRows(50)}2,1,a,s,1\n`, 'b.csv.gz': `${HEADER}\n${goodRows(49, 50)}` });
  writePartition(d, '20240102', { 'c.csv': `${HEADER}\n${goodRows(10)}1,1,a,s,oops\n1,1,a\n` });
  const { rows, account } = await countRows(d, ['20240101', '20240102'], 0.05);
  assert.equal(rows, 109);
  assert.equal(account.rowsRead, 112);
  assert.equal(account.rowsUsed, 109);
  assert.deepEqual(account.rowsPerDay, { '20240101': 99, '20240102': 10 });
  assert.deepEqual(
    account.files.map((f) => [f.path, f.day, f.rows, f.badRows]),
    [
      ['20240101/a.csv', '20240101', 51, 1],
      ['20240101/b.csv.gz', '20240101', 49, 0],
      ['20240102/c.csv', '20240102', 12, 2],
    ],
  );
  const by = account.badRows.byReason;
  assert.equal(account.badRows.total, 3);
  assert.deepEqual(by.label_not_binary?.examples[0], { file: `${d}/20240101/a.csv`, line: 52, column: 'click', value: '2' });
  assert.deepEqual(by.numeric_unparsable?.examples[0], { file: `${d}/20240102/c.csv`, line: 12, column: 'price', value: 'oops' });
  assert.equal(by.field_count?.examples[0]?.line, 13);
  assert.ok(account.files.every((f) => f.bytes > 0));
  assert.doesNotThrow(() => JSON.stringify(account));
});

test('a number beyond float32 stops the read like any bad value: file, line, column, value and why', async (t) => {
  const d = tempDir(t);
  writePartition(d, '20240101', { 'a.csv': `${HEADER}\n${goodRows(20)}1,1,a,s,1e300\n` });
  await assert.rejects(countRows(d, ['20240101'], 0), (e: unknown) => {
    assert.ok(e instanceof DataError);
    assert.equal(e.exitCode, 3);
    assert.match(e.message, /numeric_out_of_range: 1/);
    assert.match(e.message, /a\.csv:22, column 'price', value "1e300" \(.*outside float32's range/);
    return true;
  });
});

test('past maxBadRows the read fails with exit 3, the counts by reason and the first example', async (t) => {
  const d = tempDir(t);
  writePartition(d, '20240101', { 'a.csv': `${HEADER}\n${goodRows(100)}5,1,a,s,1\n` });
  await assert.rejects(countRows(d, ['20240101']), (e: unknown) => {
    assert.ok(e instanceof DataError);
    assert.equal(e.exitCode, 3);
    assert.match(e.message, /too many bad rows: 1 of 101 rows read/);
    assert.match(e.message, /label_not_binary: 1/);
    assert.match(e.message, /a\.csv:102, column 'click', value "5"/);
    return true;
  });
  assert.equal((await countRows(d, ['20240101'], 0.01)).rows, 100);
});
