import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BadRowTally } from '../../src/data/bad-rows.js';
import { DataError } from '../../src/errors.js';

test('--max-bad-rows is the share tolerated: exactly that share passes, one row more fails', () => {
  const tally = new BadRowTally();
  tally.check(100, 0); // no bad rows: nothing to check, even at 0
  tally.add('numeric_unparsable', () => ({ file: 'a.csv', line: 7, column: 'price', value: 'x' }));
  tally.check(100, 0.01); // 1 of 100 rows at 0.01
  tally.check(1000, 0.001);
  assert.throws(() => tally.check(99, 0.01), (e: unknown) => e instanceof DataError && /too many bad rows: 1 of 99 rows read \(1\.010%\) exceed --max-bad-rows 0\.01/.test(e.message));
  assert.throws(() => tally.check(100, 0), /exceed --max-bad-rows 0 /);
  tally.add('field_count', () => ({ file: 'a.csv', line: 9 }));
  assert.throws(() => tally.check(100, 0.01), /2 of 100 rows read \(2\.000%\) exceed --max-bad-rows 0\.01 \(field_count: 1, numeric_unparsable: 1\)\. First field_count: a\.csv:9\./);
});
