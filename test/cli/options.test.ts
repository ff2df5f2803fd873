import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InvalidArgumentError } from 'commander';
import { main } from '../../src/cli/main.js';
import { parseDateList, parseDay, parseDuration, parseThreadCount } from '../../src/cli/options.js';
import { fakeEnv } from './fake-env.js';

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

test('--threads above 256 is a usage error (exit 2) naming the flag and the value, for train, eval and predict', async () => {
  assert.equal(parseThreadCount(256), 256);
  assert.throws(() => parseThreadCount(257), (e: unknown) => e instanceof InvalidArgumentError && /'257' is more than 256 threads/.test(e.message));
  const runs = [
    ['train', '--train-data-dir', 'no-such-dir', '--cur-date', '20240101', '--threads', '257'],
    ['eval', '--model', 'no-such-model', '--threads', '1000'],
    ['predict', '--model', 'no-such-model', '--output', 'x.csv', '--threads', '300'],
  ];
  for (const args of runs) {
    const env = fakeEnv();
    assert.equal(await main(['node', 'mmoe', ...args], env), 2, args.join(' '));
    const value = args.at(-1)!;
    assert.match(env.err(), new RegExp(`option '--threads <n\\|auto>' argument '${value}' is invalid\\. '${value}' is more than 256 threads`), env.err());
  }
});
