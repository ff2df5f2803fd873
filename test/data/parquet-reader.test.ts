import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { encodeRows, newAccounting } from '../../src/data/encode-rows.js';
import { openParquet } from '../../src/data/parquet-reader.js';
import { localStorage } from '../../src/data/storage/index.js';
import { S3Storage } from '../../src/data/storage/s3.js';
import { DataError } from '../../src/errors.js';
import { HEADER, smallSpec, tempDir, writePartition } from './fixtures.js';
import { writeParquet } from './parquet-fixtures.js';
import { awsEnv, newBucket, put, requireS3, testClient } from './storage/s3-server.js';

/** Rows for the small spec with nulls (empty cells) in a categorical, the numeric and a label. */
function rowsWithNulls(n: number): string {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const click = i % 97 === 5 ? '' : String(i % 3 === 0 ? 1 : 0);
    const site = i % 11 === 0 ? '' : `s${i % 7}`;
    const price = i % 13 === 0 ? '' : ((i % 17) * 0.25).toFixed(2);
    out.push(`${click},${(i * 7) % 11},a${i % 29},${site},${price}`);
  }
  return `${HEADER}\n${out.join('\n')}\n`;
}

async function readAll(dataDir: string, fillEmpty = 0) {
  const spec = smallSpec({ features: { categorical: [{ name: 'ad', buckets: 100, embeddingDim: 4 }, { name: 'site', buckets: 50, embeddingDim: 4 }], numeric: [{ name: 'price', transform: 'none', fillEmpty }] } });
  const source = { dataDir, dates: ['20240101'] };
  const account = newAccounting(source);
  const cat: number[] = [];
  const num: number[] = [];
  const labels: number[] = [];
  const lines: number[] = [];
  for await (const b of encodeRows(spec, source, { account, maxBadRows: 0.5 })) {
    cat.push(...b.cat.subarray(0, b.size * 2));
    num.push(...b.num.subarray(0, b.size));
    labels.push(...b.labels.subarray(0, b.size * 2));
    lines.push(...b.lines.subarray(0, b.size));
  }
  return { cat, num, labels, lines, account: account.toJSON() };
}

test('a Parquet file of several row groups with nulls encodes to the rows of the same data as CSV (null = empty)', async (t) => {
  const d = tempDir(t);
  const csv = rowsWithNulls(5000);
  writePartition(d, '20240101', { 'a.csv': csv });
  const fromCsv = await readAll(d);
  const p = tempDir(t);
  const dir = writePartition(p, '20240101', {});
  const groups = await writeParquet(join(dir, 'a.parquet'), csv, { click: 'INTEGER', watch: 'BIGINT', price: 'DOUBLE' }, 2048);
  assert.ok(groups >= 2, `several row groups: ${groups}`);
  const fromParquet = await readAll(p);
  assert.equal(fromParquet.cat.length, 2 * (5000 - 52), 'rows with a null label are bad rows in both');
  assert.deepEqual(fromParquet.cat, fromCsv.cat);
  assert.deepEqual(fromParquet.num, fromCsv.num);
  assert.deepEqual(fromParquet.labels, fromCsv.labels);
  // Parquet rows are numbered from 1; a CSV line counts the header.
  assert.deepEqual(fromParquet.lines, fromCsv.lines.map((l) => l - 1));
  assert.deepEqual(fromParquet.account.badRows.byReason.label_not_binary?.count, fromCsv.account.badRows.byReason.label_not_binary?.count);
  assert.deepEqual(fromParquet.account.badRows.byReason.label_not_binary?.examples[0], { file: join(dir, 'a.parquet'), line: 6, column: 'click', value: '' });
  assert.deepEqual(fromParquet.account.files.map((f) => [f.path, f.rows, f.badRows]), [['20240101/a.parquet', 5000, 52]]);
});

test('Parquet types: integers, floats, decimals, strings and booleans read as the CSV spelling of their value', async (t) => {
  const d = tempDir(t);
  const path = join(d, 't.parquet');
  const csv =
    'i8,i64,big,f32,f64,dec,s,b,n,id,id18\n-3,9007199254740993,18446744073709551615,0.1,2.5e-7,12.50,héllo wörld long string,true,,12345678901234567890123456789012345678,900719925474099300\n4,0,1,-1.5,3,0.00,x,false,,-100000000000000000000,-5\n';
  await writeParquet(path, csv, { i8: 'TINYINT', i64: 'BIGINT', big: 'UBIGINT', f32: 'FLOAT', f64: 'DOUBLE', dec: 'DECIMAL(10,2)', b: 'BOOLEAN', n: 'INTEGER', id: 'DECIMAL(38,0)', id18: 'DECIMAL(18,0)' });
  const f = await openParquet(path, localStorage);
  assert.deepEqual(f.header, ['i8', 'i64', 'big', 'f32', 'f64', 'dec', 's', 'b', 'n', 'id', 'id18']);
  assert.equal(f.columnTypes.get('dec'), 'DECIMAL(10,2)');
  const rows = [];
  for await (const r of f.records()) rows.push(r);
  // Booleans as Spark's and DuckDB's CSV writers and tf.strings.as_string spell them; decimal ids
  // (scale 0) with every digit, no exponent and no '.0'.
  assert.deepEqual(
    rows.map((r) => r.fields),
    [
      ['-3', '9007199254740993', '18446744073709551615', '0.1', '2.5e-7', '12.5', 'héllo wörld long string', 'true', '', '12345678901234567890123456789012345678', '900719925474099300'],
      ['4', '0', '1', '-1.5', '3', '0', 'x', 'false', '', '-100000000000000000000', '-5'],
    ],
  );
  assert.deepEqual(
    rows.map((r) => r.line),
    [1, 2],
  );
  assert.equal(f.linesRead(), 2);
});

test('a column of the wrong type is a DataError naming the file, the column and its type', async (t) => {
  const d = tempDir(t);
  const dir = writePartition(d, '20240101', {});
  await writeParquet(join(dir, 'a.parquet'), `${HEADER}\n1,2,a,s,cheap\n`, { click: 'INTEGER', watch: 'INTEGER' });
  const spec = smallSpec();
  await assert.rejects(
    (async () => {
      for await (const _ of encodeRows(spec, { dataDir: d, dates: ['20240101'] }));
    })(),
    (e: unknown) =>
      e instanceof DataError && e.exitCode === 3 && e.message.includes(join(dir, 'a.parquet')) && e.message.includes("column 'price'") && /Parquet type VARCHAR, which a numeric feature cannot use/.test(e.message),
  );
  await writeParquet(join(dir, 'a.parquet'), `${HEADER}\n1,2,1.5,s,1\n`, { click: 'INTEGER', watch: 'INTEGER', ad: 'DOUBLE', price: 'DOUBLE' });
  await assert.rejects(
    (async () => {
      for await (const _ of encodeRows(spec, { dataDir: d, dates: ['20240101'] }));
    })(),
    (e: unknown) => e instanceof DataError && e.message.includes("column 'ad'") && /Parquet type DOUBLE, which a categorical feature cannot use/.test(e.message),
  );
  // A categorical reading a column under another name is a categorical all the same: a float id
  // would hash as the text of a double.
  const renamed = smallSpec({ features: { categorical: [{ name: 'site', buckets: 100, embeddingDim: 4 }, { name: 'price_id', column: 'price', buckets: 50, embeddingDim: 4 }], numeric: [] } });
  await assert.rejects(
    (async () => {
      for await (const _ of encodeRows(renamed, { dataDir: d, dates: ['20240101'] }));
    })(),
    (e: unknown) => e instanceof DataError && e.message.includes("column 'price'") && /Parquet type DOUBLE, which a categorical feature 'price_id' cannot use/.test(e.message),
  );
  // A decimal id (scale 0) is an id; any other decimal is a float id.
  await writeParquet(join(dir, 'a.parquet'), `${HEADER}\n1,2,12345678901234567890,s,1\n`, { click: 'INTEGER', watch: 'INTEGER', ad: 'DECIMAL(38,0)', price: 'DOUBLE' });
  let rows = 0;
  for await (const b of encodeRows(spec, { dataDir: d, dates: ['20240101'] })) rows += b.size;
  assert.equal(rows, 1);
  await writeParquet(join(dir, 'a.parquet'), `${HEADER}\n1,2,12,s,1\n`, { click: 'INTEGER', watch: 'INTEGER', ad: 'DECIMAL(18,2)', price: 'DOUBLE' });
  await assert.rejects(
    (async () => {
      for await (const _ of encodeRows(spec, { dataDir: d, dates: ['20240101'] }));
    })(),
    (e: unknown) => e instanceof DataError && e.message.includes("column 'ad'") && /Parquet type DECIMAL\(18,2\), which a categorical feature cannot use: it needs a string, integer or boolean column. Fix the export's schema or the config/.test(e.message),
  );
  // Strings written as plain BINARY (older Hive and Impala writers) read as BLOB: refused, saying how to fix the export.
  await writeParquet(join(dir, 'a.parquet'), `${HEADER}\n1,2,a1,s,1\n`, { click: 'INTEGER', watch: 'INTEGER', ad: 'BLOB', price: 'DOUBLE' });
  await assert.rejects(
    (async () => {
      for await (const _ of encodeRows(spec, { dataDir: d, dates: ['20240101'] }));
    })(),
    (e: unknown) =>
      e instanceof DataError &&
      e.message.includes("column 'ad'") &&
      /Parquet type BLOB, which a categorical feature cannot use: .* BINARY without the string \(UTF8\) annotation.*PARQUET_ANNOTATE_STRINGS_UTF8=true.*spark\.sql\.parquet\.binaryAsString=true/.test(e.message),
  );
});

test('a damaged Parquet file is a DataError naming it', async (t) => {
  const d = tempDir(t);
  const path = join(d, 'x.parquet');
  writeFileSync(path, 'PAR1 this is not parquet at all');
  await assert.rejects(openParquet(path, localStorage), (e: unknown) => e instanceof DataError && e.message.startsWith(path) && /damaged or not Parquet/.test(e.message));
});

test('a reader stopped after its first chunk closes cleanly, and its file can be read again', async (t) => {
  const d = tempDir(t);
  const path = join(d, 'a.parquet');
  await writeParquet(path, rowsWithNulls(10_000), {}, 2048);
  for (let k = 0; k < 3; k++) {
    const f = await openParquet(path, localStorage);
    for await (const c of f.chunks()) {
      assert.equal(c.records.length, 2048);
      break;
    }
  }
  const f = await openParquet(path, localStorage);
  let rows = 0;
  for await (const c of f.chunks()) rows += c.records.length;
  assert.equal(rows, 10_000);
  await f.close();
});

test('a file under a Hive-style directory (dt=YYYYMMDD/) reads as its own columns and values, as from S3 or CSV', async (t) => {
  const d = tempDir(t);
  const dir = join(d, 'region=eu', 'dt=20240101');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'a.parquet');
  await writeParquet(path, 'dt,click\n2024-01-01,1\n2024-01-01,0\n', { click: 'INTEGER' });
  const f = await openParquet(path, localStorage);
  assert.deepEqual(f.header, ['dt', 'click'], 'no columns made up from the path');
  assert.equal(f.columnTypes.get('dt'), 'VARCHAR');
  const rows = [];
  for await (const r of f.records()) rows.push(r.fields);
  assert.deepEqual(rows, [
    ['2024-01-01', '1'],
    ['2024-01-01', '0'],
  ]);
});

test('Parquet objects read from S3 one after another each give their own rows, though their copies are read at /proc/self/fd/N, numbers the process reuses', async (t) => {
  const url = requireS3(t);
  if (!url) return;
  Object.assign(process.env, awsEnv());
  const client = testClient();
  const bucket = await newBucket(t, client);
  const d = tempDir(t);
  const csv = (k: number) => `a,b\n${Array.from({ length: 5000 }, (_, i) => `${(i * 7 + k) % 1000},x${(i + k) % 97}`).join('\n')}\n`;
  for (const k of [1, 2]) {
    await writeParquet(join(d, `${k}.parquet`), csv(k), { a: 'INTEGER' });
    await put(client, bucket, `${k}.parquet`, readFileSync(join(d, `${k}.parquet`)));
  }
  const storage = new S3Storage({ endpoint: url });
  t.after(() => storage.close());
  const paths: string[] = [];
  const copy = storage.localCopy.bind(storage);
  storage.localCopy = async (path) => {
    const c = await copy(path);
    paths.push(c.path);
    return c;
  };
  for (const k of [1, 2, 1, 2]) {
    const f = await openParquet(`s3://${bucket}/${k}.parquet`, storage);
    const rows: string[] = [];
    for await (const r of f.records()) rows.push(r.fields.join(','));
    assert.deepEqual(rows, csv(k).trim().split('\n').slice(1), `object ${k}`);
  }
  if (process.platform === 'linux') for (const p of paths) assert.match(p, /^\/proc\/self\/fd\/\d+$/);
});
