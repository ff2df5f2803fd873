// A Parquet FLOAT column reads as the number its CSV export writes: the shortest text of the
// float32 ('0.7'), not the widened double (0.699999988...). Checked against DuckDB's own CSV export
// of the same table, through the whole encoder (transforms, bucket boundaries, labels, weights).
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { DuckDBInstance } from '@duckdb/node-api';
import { parseConfig } from '../../src/config/load.js';
import { parseDecimal } from '../../src/data/decimal.js';
import { featureSpecFromConfig } from '../../src/data/feature-spec.js';
import { float32Value, Float32Values } from '../../src/data/float32-text.js';
import { loadEncoded } from '../../src/data/load-encoded.js';
import { openParquet } from '../../src/data/parquet-reader.js';
import { localStorage } from '../../src/data/storage/index.js';
import { tempDir } from './fixtures.js';

test('float32Value is the value of the shortest text that reads back to the float32', () => {
  const f = (x: number) => float32Value(Math.fround(x));
  assert.equal(f(0.1), 0.1);
  assert.equal(f(0.7), 0.7);
  assert.equal(f(-1.1), -1.1);
  assert.equal(f(16777217), 16777216);
  assert.equal(f(3.4028235e38), 3.4028235e38);
  assert.equal(f(1e-45), 1e-45); // the smallest subnormal
  assert.equal(f(2 ** -30), 9.313226e-10); // a power of two: its lower half-gap is the narrow one
  assert.equal(f(1 / 3), 0.33333334);
  assert.ok(Object.is(f(-0), -0) && Number.isNaN(f(Number.NaN)) && f(-Infinity) === -Infinity);
  // The cache answers what the function does, for every float it is asked about, in any order.
  const cache = new Float32Values();
  const xs = Float32Array.from({ length: 20000 }, (_, i) => (i % 7 === 0 ? 2 ** ((i % 200) - 100) : Math.sin(i) * 10 ** ((i % 40) - 20)));
  for (let k = 0; k < 2; k++) for (const x of xs) assert.equal(cache.value(x), float32Value(x), `${x}`);
});

test("a Parquet FLOAT column gives the encoder the numbers of DuckDB's CSV export of the same table", async (t) => {
  const d = tempDir(t);
  for (const f of ['csv', 'pq']) mkdirSync(join(d, f, '20260101'), { recursive: true });
  const skip = new Set<number>();
  const conn = await (await DuckDBInstance.create(':memory:')).connect();
  try {
    // Random floats of every magnitude, powers of two, short decimals (0.7), values at a bucket
    // boundary, nulls; a FLOAT label and weight.
    await conn.run('SELECT setseed(0.42)');
    await conn.run(`CREATE TABLE t AS SELECT
      CASE WHEN i % 97 = 0 THEN NULL WHEN i % 5 = 0 THEN ((i % 1000) / 100)::FLOAT WHEN i % 7 = 0 THEN pow(2, (i % 60) - 30)::FLOAT ELSE (random() * 10)::FLOAT END AS x,
      (random() * 2000 - 1000)::FLOAT AS z,
      ((((i * 7919) % 20011) - 10005.5) / 1000)::FLOAT AS zs,
      (pow(10, (i % 45) - 45) * random())::FLOAT AS tiny,
      (i % 2)::INTEGER AS y,
      ((i % 9) / 10)::FLOAT AS v,
      ((i % 13) / 10)::FLOAT AS w
      FROM range(30000) r(i)`);
    await conn.run(`COPY t TO '${join(d, 'csv', '20260101', 'part-0.csv')}' (HEADER)`);
    await conn.run(`COPY t TO '${join(d, 'pq', '20260101', 'part-0.parquet')}' (FORMAT parquet, ROW_GROUP_SIZE 10000)`);
    // Each FLOAT as DuckDB's CSV writer prints it, against ours. DuckDB prints some floats, about
    // 1 in 50 random ones and only where the float's exact value is a short decimal (ties between
    // two shortest texts, halfway points), as that exact value instead: both read back to the same
    // float32. Those rows are left out of the comparison of the encoded rows below.
    const file = await openParquet(join(d, 'pq', '20260101', 'part-0.parquet'), localStorage);
    const floats = ['x', 'z', 'zs', 'tiny', 'v', 'w'];
    const theirs = (await conn.runAndReadAll(`SELECT ${floats.map((c) => `coalesce(${c}::VARCHAR, '')`).join(', ')} FROM t`)).getRows() as string[][];
    let row = 0;
    for await (const r of file.records()) {
      const want = theirs[row]!;
      floats.forEach((c, j) => {
        const ours = r.fields[file.header.indexOf(c)]!;
        if (want[j] === '') return assert.equal(ours, '', `row ${row + 1} column ${c}`);
        const [a, b] = [parseDecimal(ours), parseDecimal(want[j]!)];
        if (a === b) return;
        assert.ok(Math.fround(a) === Math.fround(b) && Math.fround(b) === b, `row ${row + 1} column ${c}: ${ours} vs DuckDB's ${want[j]}`);
        skip.add(row);
      });
      row++;
    }
    assert.equal(row, 30000);
    assert.ok(skip.size < 300, `rows where DuckDB prints the exact value: ${skip.size}`);
  } finally {
    conn.closeSync();
  }
  const spec = featureSpecFromConfig(
    parseConfig({
      features: {
        categorical: [{ name: 'x_b', column: 'x', boundaries: [0.1, 0.3, 0.7, 1.1, 2.2, 5.3], embeddingDim: 2 }],
        numeric: [
          { name: 'x_log', column: 'x', transform: 'log1p', fillEmpty: 0 },
          { name: 'z_std', column: 'z', transform: 'standardize', mean: 1.3, std: 2.7 },
          { name: 'z_fit', column: 'zs', transform: 'standardize' }, // short decimals: DuckDB prints each shortest, so the statistics must match
          { name: 'tiny', transform: 'minmax', min: 0, max: 0.05 },
        ],
      },
      tasks: [
        { name: 'ctr', label: 'y', type: 'binary' },
        { name: 'value', label: 'v', type: 'regression', labelTransform: 'log1p' },
      ],
      rowWeight: 'w',
    }),
  );
  const a = await loadEncoded(spec, { dataDir: join(d, 'csv'), dates: ['20260101'] });
  const b = await loadEncoded(spec, { dataDir: join(d, 'pq'), dates: ['20260101'] });
  assert.equal(b.train.size, 30000);
  assert.equal(b.train.size, a.train.size);
  // Rows in file order (no hold-out): row r of each table is line r + 2 of the CSV.
  const differ = (x: ArrayLike<number>, y: ArrayLike<number>, width: number) => Array.from(x).filter((v, i) => !skip.has(Math.floor(i / width)) && !Object.is(v, y[i])).length;
  assert.equal(differ(b.train.cat, a.train.cat, 1), 0, 'bucket ids (0.7 at a boundary of 0.7)');
  assert.equal(differ(b.train.num, a.train.num, 4), 0, 'numerics after log1p, standardize and minmax');
  assert.equal(differ(b.train.labels, a.train.labels, 2), 0, 'log1p regression labels');
  assert.equal(differ(b.train.weights!, a.train.weights!, 1), 0, 'weights');
  const z = b.spec.numeric.find((n) => n.name === 'z_fit')!;
  const zc = a.spec.numeric.find((n) => n.name === 'z_fit')!;
  assert.deepEqual([z.mean, z.std], [zc.mean, zc.std], 'standardize statistics computed from the data');
});
