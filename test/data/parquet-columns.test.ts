import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseConfig } from '../../src/config/load.js';
import { Encoder, type RowTarget } from '../../src/data/encoder.js';
import { featureSpecFromConfig } from '../../src/data/feature-spec.js';
import { float32Value } from '../../src/data/float32-text.js';
import { openParquet } from '../../src/data/parquet-reader.js';
import { localStorage } from '../../src/data/storage/index.js';
import type { TypedColumns } from '../../src/data/typed-columns.js';
import { tempDir } from './fixtures.js';
import { writeParquet } from './parquet-fixtures.js';

// Every Parquet type the encoder reads (DuckDB writes HUGEINT as DOUBLE, so there is none), with
// nulls (empty cells), NaN, infinities, -0, values beyond float32, integers past 2^53, decimals
// too wide for an exact cast to double and decimal ids (scale 0) of 64 and 128 bits, cycled so that
// a chunk holds them all.
const TYPES = {
  s: 'VARCHAR',
  i8: 'TINYINT',
  i32: 'INTEGER',
  u32: 'UINTEGER',
  i64: 'BIGINT',
  u64: 'UBIGINT',
  b: 'BOOLEAN',
  f32: 'FLOAT',
  f64: 'DOUBLE',
  d2: 'DECIMAL(10,2)',
  d38: 'DECIMAL(38,20)',
  id18: 'DECIMAL(18,0)',
  id38: 'DECIMAL(38,0)',
  y: 'INTEGER',
  yr: 'DOUBLE',
  w: 'DOUBLE',
};
const CELLS: Record<keyof typeof TYPES, string[]> = {
  s: ['a1b2c3d4', '', 'héllo wörld, longer than twelve bytes', ' pad ', '007', 'x', 'ünï', 'a1b2c3d4'],
  i8: ['-128', '127', '', '0', '5', '-1'],
  i32: ['2147483647', '-2147483648', '1023', '1024', '', '42', '0'],
  u32: ['4294967295', '2147483648', '0', '', '7'],
  i64: ['9007199254740993', '-9223372036854775808', '9223372036854775807', '', '12', '-5', '9007199254740992'],
  u64: ['18446744073709551615', '9007199254740993', '0', '', '3'],
  b: ['true', 'false', ''],
  f32: ['0.1', '-1.5', '', '3.4028235e38', 'NaN', '1e-45', '-0'],
  f64: ['2.5e-7', 'NaN', 'Infinity', '-Infinity', '', '-0', '1e21', '5e-324', '0.30000000000000004', '1e308', '10'],
  d2: ['12.50', '-0.01', '', '0.00', '99999999.99', '-0.00'],
  d38: ['123456789012345678.12345678901234567890', '0.1', '', '-0.00000000000000000001', '9007199254740993.5'],
  id18: ['999999999999999999', '-999999999999999999', '9007199254740993', '', '0', '1023', '1024', '-7'],
  id38: ['99999999999999999999999999999999999999', '-99999999999999999999999999999999999999', '18446744073709551616', '18446744073709551615', '-9223372036854775809', '-9223372036854775808', '9007199254740993', '', '0', '-1', '42'],
  y: ['0', '1', '2', '', '1', '0', '-1'],
  yr: ['0', '2.5', '-1', '', 'Infinity', '1e300', '-0'],
  w: ['1', '0.5', '', '-1', 'Infinity', '0', '-0', 'NaN', '1e300'],
};
const COLUMNS = Object.keys(TYPES) as (keyof typeof TYPES)[];

function csv(rows: number): string {
  const lines = [COLUMNS.join(',')];
  for (let i = 0; i < rows; i++) lines.push(COLUMNS.map((c, j) => CELLS[c][(i * (j + 1) + (i >> 3)) % CELLS[c].length]!).map((v) => (v.includes(',') ? `"${v}"` : v)).join(','));
  return `${lines.join('\n')}\n`;
}

/** The documented text of a cell, as the encoder's string path then reads it. */
function expectedText(column: keyof typeof TYPES, cell: string): string {
  if (cell === '') return '';
  const type = TYPES[column];
  if (type === 'VARCHAR' || type.endsWith('INT') || type.endsWith(',0)')) return type === 'VARCHAR' ? cell : BigInt(cell).toString(); // ids: every digit
  if (type === 'BOOLEAN') return cell; // true, false: as a CSV export and tf.strings.as_string write them
  if (type === 'FLOAT') return String(float32Value(Math.fround(Number(cell)))); // the float32's shortest text ('0.1')
  return String(Number(cell)); // DOUBLE and decimals: the shortest text of the nearest double
}

const numeric = (name: string, extra: Record<string, unknown> = {}) => ({ name, transform: 'none', ...extra });

/** Specs that read every column every way the encoder can (hashed, bucketized, numeric, label, weight). */
const SPECS = {
  hashed: { categorical: ['s', 'i8', 'i32', 'u32', 'i64', 'u64', 'b', 'id18', 'id38'].map((name) => ({ name, buckets: 97, embeddingDim: 2 })), numeric: [] },
  bucketized: { categorical: ['f64', 'd2', 'i64', 'f32', 'd38', 'b', 'id38'].map((c) => ({ name: `${c}_b`, column: c, boundaries: [-1, 0, 0.5, 10, 1e20], embeddingDim: 2 })), numeric: [] },
  numeric: { categorical: [], numeric: [numeric('f32', { fillEmpty: -7 }), numeric('f64', { fillEmpty: 1 }), numeric('d2', { fillEmpty: 0 }), numeric('d38', { fillEmpty: 0 }), numeric('u64', { fillEmpty: 0 }), numeric('b', { fillEmpty: 0 }), numeric('i32', { fillEmpty: 2 }), numeric('id18', { fillEmpty: 0 }), numeric('id38', { fillEmpty: 0 })] },
  strict: { categorical: [], numeric: [numeric('i8', { transform: 'log1p' }), numeric('d2', { transform: 'minmax', min: -1, max: 100 }), numeric('f64', { transform: 'standardize', mean: 1, std: 2 })] },
};

/**
 * The one documented difference from encoding the text: a BOOLEAN read as a number (a numeric
 * feature, a bucketized one, a label, the weight) is 1 or 0, where a CSV cell 'true' is a bad row.
 * The reference text path reads those columns as '1' and '0'; hashed ones keep 'true' and 'false'.
 */
function referenceRecord(record: string[], numericBooleans: number[]): string[] {
  if (numericBooleans.length === 0) return record;
  const out = [...record];
  for (const j of numericBooleans) out[j] = out[j] === 'true' ? '1' : out[j] === 'false' ? '0' : out[j]!;
  return out;
}

function encoderFor(features: unknown, weighted: boolean, labels: boolean): Encoder {
  const cfg = parseConfig({
    features,
    tasks: [
      { name: 'ctr', label: 'y', type: 'binary' },
      { name: 'value', label: 'yr', type: 'regression', labelTransform: 'log1p' },
    ],
    ...(weighted ? { rowWeight: 'w' } : {}),
  });
  return new Encoder(featureSpecFromConfig(cfg), { labels });
}

function target(enc: Encoder): RowTarget {
  return { cat: new Int32Array(enc.nCat), num: new Float32Array(enc.nNum), labels: new Float32Array(enc.nTasks), weights: new Float32Array(1), raw: new Float64Array(enc.nNum) };
}

test('Parquet columns read as the documented text of each type, and encode from the typed columns exactly as from that text, bad rows included', async (t) => {
  const d = tempDir(t);
  const path = join(d, 'typed.parquet');
  const rows = 5000;
  await writeParquet(path, csv(rows), TYPES, 2048);
  const file = await openParquet(path, localStorage);
  const header = file.header;
  const encoders = Object.entries(SPECS).flatMap(([name, features]) =>
    [
      [true, true],
      [false, true],
      [false, false],
    ].map(([weighted, labels]) => ({
      name: `${name}${weighted ? ' weighted' : ''}${labels ? '' : ' no labels'}`,
      enc: encoderFor(features, weighted!, labels!),
      numericBooleans: name === 'hashed' ? [] : COLUMNS.flatMap((c, j) => (TYPES[c] === 'BOOLEAN' ? [j] : [])),
    })),
  );
  assert.ok(encoders.some((e) => e.numericBooleans.length > 0) && SPECS.hashed.categorical.some((c) => TYPES[c.name as keyof typeof TYPES] === 'BOOLEAN'), 'booleans are read both ways');
  const files = encoders.map(({ enc }) => ({ typed: enc.forFile(path, header), text: enc.forFile(path, header), a: target(enc), b: target(enc) }));
  const reasons = new Map<string, number>();
  let row = 0;
  for await (const chunk of file.chunks()) {
    const cols = chunk.columns as TypedColumns;
    const records = chunk.records;
    for (let i = 0; i < cols.size; i++, row++) {
      assert.equal(chunk.lines[i], row + 1, 'rows are numbered from 1');
      COLUMNS.forEach((c, j) => {
        const cell = CELLS[c][(row * (j + 1) + (row >> 3)) % CELLS[c].length]!;
        assert.equal(records[i]![j], expectedText(c, cell), `row ${row} column ${c} (${TYPES[c]}) cell '${cell}'`);
      });
    }
    for (const [k, f] of files.entries()) {
      f.typed.bindColumns(cols);
      for (let i = 0; i < cols.size; i++) {
        const a = f.typed.encodeColumns(i, f.a, 0);
        const b = f.text.encode(referenceRecord(records[i]!, encoders[k]!.numericBooleans), f.b, 0);
        const where = `${encoders[k]!.name}, line ${chunk.lines[i]}`;
        assert.deepEqual([a, f.typed.badColumn, f.typed.badValue, f.typed.badDetail], [b, f.text.badColumn, f.text.badValue, f.text.badDetail], where);
        if (b === null) assert.deepEqual(f.a, f.b, where);
        reasons.set(`${encoders[k]!.name}: ${b}`, (reasons.get(`${encoders[k]!.name}: ${b}`) ?? 0) + 1);
      }
    }
  }
  assert.equal(row, rows);
  // The cycle reaches every path: good rows and each kind of bad row.
  for (const r of ['hashed weighted: null', 'hashed: label_not_binary', 'hashed: label_not_number', 'hashed: label_out_of_range', 'hashed weighted: weight_invalid', 'bucketized no labels: numeric_unparsable', 'bucketized no labels: null', 'numeric no labels: numeric_unparsable', 'numeric no labels: numeric_out_of_range', 'numeric no labels: null', 'strict no labels: numeric_out_of_range', 'strict no labels: numeric_unparsable', 'strict no labels: null'])
    assert.ok((reasons.get(r) ?? 0) > 0, `no row for ${r}: ${JSON.stringify([...reasons])}`);
});

test('a column of distinct values bypasses the cache and one of few values uses it, with the same text either way', async (t) => {
  const d = tempDir(t);
  const path = join(d, 'ids.parquet');
  // Column u: 60,000 distinct ids (misses on most rows); r: 40 values (cached, slots reused across
  // chunks); i: 50,000 distinct 64-bit integers; w: 40 decimal ids past 2^64 (cached by their 128
  // bits); b: booleans.
  const n = 60_000;
  const lines = ['u,r,i,w,b'];
  const wide = (i: number) => String(10n ** 30n * BigInt(i % 40) - 7n);
  for (let i = 0; i < n; i++) lines.push(`id${(i * 7919) % n},v${i % 40},${(i * 104_729) % 50_000},${wide(i)},${i % 3 === 0}`);
  await writeParquet(path, `${lines.join('\n')}\n`, { i: 'BIGINT', w: 'DECIMAL(38,0)', b: 'BOOLEAN' });
  const file = await openParquet(path, localStorage);
  let row = 0;
  let usedR = 0;
  let bypassed = 0;
  let chunks = 0;
  for await (const chunk of file.chunks()) {
    const cols = chunk.columns!;
    chunks++;
    if (cols.dictionary(0).usedCount === cols.size) bypassed++; // one code per row: not cached
    const u = cols.text(0);
    const r = cols.text(1);
    const ints = cols.text(2);
    const dict = cols.dictionary(1);
    usedR += dict.usedCount;
    assert.ok(cols.dictionary(3).usedCount <= 40 && cols.dictionary(4).usedCount <= 2, 'a chunk lists each decimal id and boolean once');
    const w = cols.text(3);
    const b = cols.text(4);
    for (let i = 0; i < cols.size; i++, row++) {
      assert.equal(w[i], wide(row));
      assert.equal(b[i], String(row % 3 === 0));
      assert.equal(u[i], `id${(row * 7919) % n}`);
      assert.equal(r[i], `v${row % 40}`);
      assert.equal(dict.value(dict.codes[i]!), `v${row % 40}`);
      assert.equal(ints[i], String((row * 104_729) % 50_000));
    }
  }
  assert.equal(row, n);
  assert.ok(bypassed > chunks / 2, `the distinct ids bypass the cache in most chunks: ${bypassed} of ${chunks}`);
  assert.ok(usedR <= 40 * Math.ceil(n / 2048) + 40, `a chunk lists each of r's 40 values once: ${usedR}`);
});
