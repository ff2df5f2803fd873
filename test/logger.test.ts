import assert from 'node:assert/strict';
import { test } from 'node:test';
import { roundNumbers } from '../src/logger.js';

test('logged numbers keep 6 significant digits; integers, strings and non-finite values stay', () => {
  assert.deepEqual(roundNumbers({ lr: 0.0018000000000000002, seconds: 4.7082269100000005, rows: 36095, tasks: ['ctr'], nested: { auc: 0.6616322532833049, nan: NaN } }), {
    lr: 0.0018,
    seconds: 4.70823,
    rows: 36095,
    tasks: ['ctr'],
    nested: { auc: 0.661632, nan: NaN },
  });
});
