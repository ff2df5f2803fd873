import assert from 'node:assert/strict';
import { test } from 'node:test';
import { csvField, formatScore } from '../../src/predict/csv-out.js';

test('csvField quotes only fields with a comma, a quote or a line break, doubling quotes', () => {
  assert.equal(csvField('abc'), 'abc');
  assert.equal(csvField(''), '');
  assert.equal(csvField('a,b'), '"a,b"');
  assert.equal(csvField('say "hi"'), '"say ""hi"""');
  assert.equal(csvField('two\nlines'), '"two\nlines"');
  assert.equal(csvField('cr\r'), '"cr\r"');
});

test('formatScore: the shortest decimal that reads back as the same float32', () => {
  assert.equal(formatScore(0.5), '0.5');
  assert.equal(formatScore(0), '0');
  assert.equal(formatScore(Math.fround(0.1)), '0.1');
  assert.equal(formatScore(Number.NaN), 'NaN');
  for (let i = 0; i < 2000; i++) {
    const f = Math.fround(Math.sin(i) ** 2 * 10 ** ((i % 13) - 8));
    const s = formatScore(f);
    assert.equal(Math.fround(Number(s)), f, `${f} -> ${s}`);
    assert.ok(s.replace(/^0\.0*|\.|e.*$/g, '').length <= 9, s);
  }
});
