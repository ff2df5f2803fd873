import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InvalidArgumentError } from 'commander';
import { parseDateList, parseDay, parseDuration } from '../../src/cli/options.js';

test('parseDateList keeps the order given and refuses a repeated date, naming it', () => {
  assert.deepEqual(parseDateList('20240103, 20240101'), ['20240103', '20240101']);
  assert.throws(() => parseDateList('20240101,20240103,20240103'), (e: unknown) => e instanceof InvalidArgumentError && /'20240103' is listed twice/.test(e.message));
  assert.throws(() => parseDateList('20240101,2024-01-02'), /'2024-01-02' is not a date in YYYYMMDD form/);
});

test('parseDuration reads a number with a unit, or several, and refuses a bare number', () => {
  assert.equal(parseDuration('90s'), 90_000);
  assert.equal(parseDuration('2h'), 7_200_000);
  assert.equal(parseDuration('1h30m'), 5_400_000);
  assert.equal(parseDuration('1.5s'), 1500);
  assert.equal(parseDuration('250ms'), 250);
  for (const bad of ['7200', '2 h', 'h', '2hours', '-1h', ''])
    assert.throws(() => parseDuration(bad), (e: unknown) => e instanceof InvalidArgumentError && /is not a duration; write a number with a unit/.test(e.message), bad);
});

test('parseDay: YYYYMMDD, or today and yesterday in the local time zone, across a month and a year end', () => {
  assert.equal(parseDay('20240229'), '20240229');
  assert.equal(parseDay('yesterday', new Date(2024, 2, 1, 0, 30)), '20240229');
  assert.equal(parseDay('today', new Date(2024, 2, 1, 23, 59)), '20240301');
  assert.equal(parseDay('yesterday', new Date(2025, 0, 1, 2, 30)), '20241231');
  assert.throws(() => parseDay('tomorrow'), /'tomorrow' is not a date in YYYYMMDD form/);
});
