// The fast path of the records layer against csv-parse alone: same records, same line numbers,
// chunk for chunk, and the same errors, whatever the bytes and however they are cut into chunks.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ChunkParser, type RecordChunk } from '../../src/data/csv-reader.js';
import { DataError } from '../../src/errors.js';
import { Rng } from '../../src/util/random.js';

interface Parsed {
  chunks: RecordChunk[];
  error?: { message: string; location: unknown };
  usesCsvParse: boolean;
}

function parse(chunks: Buffer[], fastPath: boolean): Parsed {
  const p = new ChunkParser('t.csv', { fastPath });
  const out: RecordChunk[] = [];
  try {
    for (const c of chunks) out.push(p.feed(c));
    out.push(p.feed(undefined));
  } catch (e) {
    assert.ok(e instanceof DataError, String(e));
    return { chunks: out, error: { message: e.message, location: e.location }, usesCsvParse: p.usesCsvParse };
  }
  return { chunks: out, usesCsvParse: p.usesCsvParse };
}

/** Parses with and without the fast path, asserts identical results and returns the fast one. */
function same(chunks: Buffer[], what: string): Parsed {
  const fast = parse(chunks, true);
  const reference = parse(chunks, false);
  const result = (p: Parsed): Omit<Parsed, 'usesCsvParse'> => ({ chunks: p.chunks, error: p.error });
  assert.deepEqual(result(fast), result(reference), what);
  return fast;
}

function cut(bytes: Buffer, rng: Rng, maxChunk: number): Buffer[] {
  const out: Buffer[] = [];
  for (let o = 0; o < bytes.length; ) {
    const n = 1 + rng.int(maxChunk);
    out.push(bytes.subarray(o, o + n));
    o += n;
  }
  return out;
}

const VALUES = ['', '0', '17', '-3.5e2', 'abc', 'NA', 'a b', ' lead', 'trail ', '\t', 'é', '日本語', '😀', '\u00a0', '\u3000', '\ufeff', "it's", 'x;y'];

function field(rng: Rng): string {
  return rng.next() < 0.01 ? 'w'.repeat(200 + rng.int(3000)) : VALUES[rng.int(VALUES.length)]!;
}

function line(rng: Rng): string {
  const r = rng.next();
  if (r < 0.08) return '';
  if (r < 0.14) return [' ', '\t', ' \t ', '\u3000', '\ufeff'][rng.int(5)]!;
  const s = Array.from({ length: 1 + rng.int(6) }, () => field(rng)).join(',');
  return rng.next() < 0.1 ? `${s},` : s;
}

/** Quote-free CSV: BOM or not, LF or CRLF, blank lines anywhere, ragged rows, maybe no final newline. */
function plainLines(rng: Rng, eol: string): string[] {
  return Array.from({ length: rng.int(60) }, () => line(rng)).map((l) => l + eol);
}

function join(lines: string[], rng: Rng): Buffer {
  let text = lines.join('');
  if (rng.next() < 0.4) text = text.replace(/\r?\n$/, '');
  if (rng.next() < 0.3) text = `\ufeff${text}`;
  return Buffer.from(text);
}

const CHUNK_SIZES = [1, 5, 64, 1000, 70_000];

test('quote-free files: the fast path gives csv-parse records and lines chunk for chunk, and stays fast', () => {
  const rng = new Rng(11);
  for (let i = 0; i < 400; i++) {
    const bytes = join(plainLines(rng, rng.next() < 0.5 ? '\n' : '\r\n'), rng);
    const maxChunk = CHUNK_SIZES[i % CHUNK_SIZES.length]!;
    const fast = same(cut(bytes, rng, maxChunk), `file ${i}, chunks up to ${maxChunk}: ${JSON.stringify(bytes.toString())}`);
    assert.equal(fast.usesCsvParse, false, `file ${i} left the fast path`);
  }
});

test('every way to cut a small file into three chunks (inside the BOM, characters and CRLF) gives csv-parse results', () => {
  const texts = ['\ufeffid,name\r\n1,é\r\n\r\n \r\n2,日本😀\r\n,\r\n3', 'id,name\n\n1,é\n\t\n2,日本😀,\n3\n', '\ufeff\n\na,b\n'];
  for (const text of texts) {
    const b = Buffer.from(text);
    for (let i = 1; i < b.length; i++)
      for (let j = i; j < b.length; j++) {
        const fast = same([b.subarray(0, i), b.subarray(i, j), b.subarray(j)].filter((c) => c.length > 0), `${JSON.stringify(text)} cut at ${i}, ${j}`);
        assert.equal(fast.usesCsvParse, false);
      }
  }
});

test('files that need csv-parse partway (quotes, bare CR, mixed line endings) give identical records, lines and errors', () => {
  const rng = new Rng(12);
  const quoted = ['7,"a,b\nc"', '"x""y",1', 'a"b,2', '"never closed,3'];
  const endings = ['\r', 'x\ry', '\r\n', '\n'];
  for (let i = 0; i < 300; i++) {
    const eol = rng.next() < 0.5 ? '\n' : '\r\n';
    const lines = plainLines(rng, eol);
    const withQuote = rng.next() < 0.6;
    const extra = withQuote ? quoted[rng.int(quoted.length)]! + eol : endings[rng.int(endings.length)]!;
    lines.splice(rng.int(lines.length + 1), 0, extra);
    const bytes = join(lines, rng);
    const maxChunk = CHUNK_SIZES[i % CHUNK_SIZES.length]!;
    const fast = same(cut(bytes, rng, maxChunk), `file ${i}, chunks up to ${maxChunk}: ${JSON.stringify(bytes.toString())}`);
    if (withQuote) assert.equal(fast.usesCsvParse, true, `file ${i} has a quote`);
  }
});

function records(p: Parsed): { line: number; fields: string[] }[] {
  return p.chunks.flatMap((c) => c.records.map((fields, k) => ({ line: c.lines[k]!, fields })));
}

test('a quoted field after thousands of plain lines: same records from there on, line numbers as csv-parse counts them', () => {
  const rng = new Rng(13);
  for (const eol of ['\n', '\r\n']) {
    const plain = (from: number, n: number): string => Array.from({ length: n }, (_, k) => `${from + k},é${k},${k % 7}${eol}`).join('');
    const text = `id,v,w${eol}${plain(0, 5000)}7,"a,b${eol}c",x${eol}${plain(5000, 3000)}1,bare\rCR,2${eol}${plain(8000, 100)}`;
    for (const maxChunk of [1 << 16, 4096, 700]) {
      const fast = same(cut(Buffer.from(text), rng, maxChunk), `eol ${JSON.stringify(eol)}, chunks up to ${maxChunk}`);
      assert.equal(fast.usesCsvParse, true);
      const rows = records(fast);
      assert.equal(rows.length, 1 + 5000 + 1 + 3000 + 1 + 100);
      // Line numbers are csv-parse's, which count every '\r' and '\n' as a line ending, also in a
      // field: from the '\r\n' inside quotes (counted twice) and the bare '\r', they run ahead of
      // the physical lines.
      const ahead = eol === '\r\n' ? 1 : 0;
      assert.deepEqual(rows[5001], { line: 5003 + ahead, fields: ['7', `a,b${eol}c`, 'x'] }); // the line the record ends on
      assert.deepEqual(rows[5002], { line: 5004 + ahead, fields: ['5000', 'é0', '0'] });
      assert.deepEqual(rows[8002], { line: 8005 + ahead, fields: ['1', 'bare\rCR', '2'] });
      assert.deepEqual(rows.at(-1), { line: 8105 + ahead, fields: ['8099', 'é99', '1'] });
    }
  }
});

test('an unclosed quote late in the file: the same DataError, naming the line where it opened', () => {
  const rng = new Rng(14);
  const text = `x,y\n${Array.from({ length: 10_000 }, (_, i) => `${i},${i}`).join('\n')}\n7,"opens here\n1,2\n3,4\n`;
  for (const maxChunk of [1 << 16, 333]) {
    const fast = same(cut(Buffer.from(text), rng, maxChunk), `chunks up to ${maxChunk}`);
    assert.deepEqual(fast.error?.location, { file: 't.csv', line: 10_002 });
    assert.match(fast.error!.message, /never closed \(the file ends inside it, at line 10004\)/);
  }
});

test('a line longer than the record limit: the same DataError from the fast path as from csv-parse', () => {
  const text = Buffer.concat([Buffer.from('x,y\n1,2\n'), Buffer.alloc(9 << 20, 'a')]);
  const fast = same(cut(text, new Rng(15), 1 << 16), 'a 9 MiB line');
  assert.equal(fast.usesCsvParse, false);
  assert.deepEqual(fast.error?.location, { file: 't.csv', line: 3 });
  assert.match(fast.error!.message, /a line runs on for more than 8 MiB without a line break \(and without a quote\)/);
  const quoted = same(cut(Buffer.concat([Buffer.from('x,y\n1,"2\n'), Buffer.alloc(9 << 20, 'a')]), new Rng(16), 1 << 16), 'an open quote');
  assert.match(quoted.error!.message, /a record spans more than 8 MiB: a quoted field is probably never closed/);
});

test('a UTF-16 BOM (which the UTF-8 check rejects before parsing anyway) leaves the file to csv-parse', () => {
  const fast = same([Buffer.from('\ufeffa,b\n1,2\n', 'utf16le')], 'UTF-16LE');
  assert.equal(fast.usesCsvParse, true);
  assert.deepEqual(fast.chunks.flatMap((c) => c.records), [['a', 'b'], ['1', '2']]);
});
