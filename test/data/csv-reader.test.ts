import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { test } from 'node:test';
import { openCsv } from '../../src/data/csv-reader.js';
import { DataError } from '../../src/errors.js';
import { tempDir } from './fixtures.js';

async function readAll(path: string): Promise<{ header: string[]; rows: { line: number; fields: string[] }[] }> {
  const f = await openCsv(path);
  const rows: { line: number; fields: string[] }[] = [];
  for await (const r of f.records()) rows.push({ line: r.line, fields: r.fields });
  return { header: f.header, rows };
}

test('records carry 1-based physical lines (header is line 1), blank lines skipped, NA and empty kept as strings', async (t) => {
  const p = join(tempDir(t), 'a.csv');
  writeFileSync(p, 'id,name\r\n1,NA\r\n\r\n2,"multi\nline"\r\n3,\r\n');
  const { header, rows } = await readAll(p);
  assert.deepEqual(header, ['id', 'name']);
  assert.deepEqual(rows, [
    { line: 2, fields: ['1', 'NA'] },
    { line: 5, fields: ['2', 'multi\nline'] },
    { line: 6, fields: ['3', ''] },
  ]);
});

test('gzip files are read by extension; a .gz that is not gzip is rejected clearly', async (t) => {
  const d = tempDir(t);
  writeFileSync(join(d, 'a.csv.gz'), gzipSync('x,y\n1,2\n'));
  assert.deepEqual((await readAll(join(d, 'a.csv.gz'))).rows, [{ line: 2, fields: ['1', '2'] }]);
  writeFileSync(join(d, 'b.csv.gz'), 'x,y\n1,2\n');
  await assert.rejects(readAll(join(d, 'b.csv.gz')), (e: unknown) => e instanceof DataError && e.message.includes('b.csv.gz') && /not gzip/.test(e.message));
});

test('a truncated gzip is a DataError naming the file and the line reached', async (t) => {
  const d = tempDir(t);
  const text = `x,y\n${Array.from({ length: 5000 }, (_, i) => `${i},${(i * 7919) % 1000}`).join('\n')}\n`;
  const gz = gzipSync(text);
  const p = join(d, 'cut.csv.gz');
  writeFileSync(p, gz.subarray(0, Math.floor(gz.length / 2)));
  await assert.rejects(readAll(p), (e: unknown) => {
    assert.ok(e instanceof DataError);
    assert.match(e.message, /cut\.csv\.gz:\d+: gzip stream is truncated/);
    assert.ok((e.location.line ?? 0) > 1);
    return true;
  });
});

test('invalid UTF-8 is a DataError with file and line', async (t) => {
  const p = join(tempDir(t), 'bad.csv');
  writeFileSync(p, Buffer.concat([Buffer.from('x,y\n1,é\n2,'), Buffer.from([0xc3, 0x28]), Buffer.from('\n')]));
  await assert.rejects(readAll(p), (e: unknown) => e instanceof DataError && /bad\.csv:3: invalid UTF-8 \(bytes 0xc3 0x28/.test(e.message));
});

test('an empty file has no header: a DataError', async (t) => {
  const p = join(tempDir(t), 'empty.csv');
  writeFileSync(p, '');
  await assert.rejects(openCsv(p), /empty\.csv: file is empty: a header row is required/);
});

test('an unclosed quote is a structural DataError; a quote inside an unquoted field is data', async (t) => {
  const d = tempDir(t);
  writeFileSync(join(d, 'open.csv'), 'x,y\n1,"never closed\n2,3\n');
  await assert.rejects(readAll(join(d, 'open.csv')), /open\.csv:2: a quoted field opened in the record starting at this line is never closed \(the file ends inside it, at line 3\)/);
  writeFileSync(join(d, 'stray.csv'), 'x,y\n1,a"b\n2,3\n');
  assert.deepEqual((await readAll(join(d, 'stray.csv'))).rows, [
    { line: 2, fields: ['1', 'a"b'] },
    { line: 3, fields: ['2', '3'] },
  ]);
});

test('an unclosed quote names the line where it opened, also past the first chunk and with rows after it', async (t) => {
  const d = tempDir(t);
  const before = Array.from({ length: 10_000 }, (_, i) => `${i},${i}`).join('\n'); // > one 64 KiB chunk
  const after = Array.from({ length: 3000 }, (_, i) => `${i},${i}`).join('\n');
  writeFileSync(join(d, 'late.csv'), `x,y\n${before}\n7,"opens here\n${after}\n`);
  await assert.rejects(readAll(join(d, 'late.csv')), (e: unknown) => e instanceof DataError && e.location.line === 10_002);
  writeFileSync(join(d, 'early.csv'), `x,y\n1,2\n3,"opens here\n${after}\n`);
  await assert.rejects(readAll(join(d, 'early.csv')), (e: unknown) => e instanceof DataError && e.location.line === 3);
});

test('a line of only spaces or tabs is blank: skipped, not a one-field record', async (t) => {
  const p = join(tempDir(t), 'ws.csv');
  writeFileSync(p, 'id,name\n1,a\n   \n\t\n \t \n2,b\n  \n');
  assert.deepEqual((await readAll(p)).rows, [
    { line: 2, fields: ['1', 'a'] },
    { line: 6, fields: ['2', 'b'] },
  ]);
});
