import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseBinaryLabel, parseDecimal } from '../../src/data/decimal.js';

test('parseDecimal takes decimal numbers only, with spaces or tabs around', () => {
  const good: [string, number][] = [
    ['0', 0], ['42', 42], ['-2.5', -2.5], ['+3', 3], ['.5', 0.5], ['5.', 5], ['1e3', 1000], ['1E-3', 0.001],
    ['-1.5e+2', -150], [' 7 ', 7], ['\t8', 8], ['100000000.123', 100000000.123], ['007', 7],
  ];
  for (const [s, x] of good) assert.equal(parseDecimal(s), x, JSON.stringify(s));
  const bad = ['', ' ', '0x10', '0b1', '0o7', 'Infinity', '-Infinity', 'NaN', 'abc', '1,5', '1.2.3', '1e', '1e+', 'e3', '.', '-', '+', '1 2', '--1', '1e999', '１'];
  for (const s of bad) assert.ok(Number.isNaN(parseDecimal(s)), JSON.stringify(s));
});

test('parseBinaryLabel takes 0 and 1, also with a zero fraction; nothing else', () => {
  for (const [s, y] of [['0', 0], ['1', 1], ['1.0', 1], ['0.00', 0], [' 1 ', 1], ['1.', 1]] as const) assert.equal(parseBinaryLabel(s), y, s);
  for (const s of ['0x1', '1e0', '+1', '-0', '.0', '2', '0.5', '1.01', '', 'true', '01']) assert.ok(Number.isNaN(parseBinaryLabel(s)), s);
});
