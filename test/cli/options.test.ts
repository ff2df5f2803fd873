import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InvalidArgumentError } from 'commander';
import { parseDateList } from '../../src/cli/options.js';

test('parseDateList keeps the order given and refuses a repeated date, naming it', () => {
  assert.deepEqual(parseDateList('20240103, 20240101'), ['20240103', '20240101']);
  assert.throws(() => parseDateList('20240101,20240103,20240103'), (e: unknown) => e instanceof InvalidArgumentError && /'20240103' is listed twice/.test(e.message));
  assert.throws(() => parseDateList('20240101,2024-01-02'), /'2024-01-02' is not a date in YYYYMMDD form/);
});
