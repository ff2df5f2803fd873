import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { AtomicFile, csvField, formatScore } from '../../src/predict/csv-out.js';

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

test('AtomicFile: nothing at the path until commit; abort leaves no file behind', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'mmoe-atomic-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'out.csv');
  const a = new AtomicFile(path);
  await a.write('a,b\n');
  assert.ok(!existsSync(path));
  await a.commit();
  assert.equal(readFileSync(path, 'utf8'), 'a,b\n');
  await a.abort(); // after commit: a no-op
  assert.ok(existsSync(path));

  const b = new AtomicFile(join(dir, 'partial.csv'));
  await b.write('x\n');
  await b.abort();
  assert.deepEqual(readdirSync(dir), ['out.csv']);
  const c = new AtomicFile(join(dir, 'never.csv')); // aborted before its file was even opened
  await c.abort();
  assert.deepEqual(readdirSync(dir), ['out.csv']);
});
