// Ids from Parquet hash as their CSV export writes them: a BOOLEAN as true/false (Spark's and
// DuckDB's CSV writers, tf.strings.as_string), a DECIMAL(p,0) (Snowflake's NUMBER(38,0)) as all of
// its digits. Checked against DuckDB's own CSV export of the same table, through the whole encoder.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { DuckDBInstance } from '@duckdb/node-api';
import { parseConfig } from '../../src/config/load.js';
import { encodeRows, newAccounting } from '../../src/data/encode-rows.js';
import { featureSpecFromConfig } from '../../src/data/feature-spec.js';
import { loadEncoded } from '../../src/data/load-encoded.js';
import { tempDir } from './fixtures.js';

test("BOOLEAN and DECIMAL(p,0) ids from Parquet hash to the buckets of DuckDB's CSV export of the same table", async (t) => {
  const d = tempDir(t);
  for (const f of ['csv', 'pq']) mkdirSync(join(d, f, '20260101'), { recursive: true });
  const conn = await (await DuckDBInstance.create(':memory:')).connect();
  try {
    // Ids past 2^53 and past 2^64, negative ones, nulls; booleans with nulls.
    await conn.run(`CREATE TABLE t AS SELECT
      CASE WHEN i % 31 = 0 THEN NULL ELSE (i % 3 = 0) END AS flag,
      CASE WHEN i % 37 = 0 THEN NULL ELSE ((i % 500)::HUGEINT * 123456789012345678901234567 - 5)::DECIMAL(38,0) END AS account,
      CASE WHEN i % 41 = 0 THEN NULL ELSE ((i % 700)::BIGINT * 1234567890123456 - 999)::DECIMAL(18,0) END AS campaign,
      (i % 600)::DECIMAL(9,0) AS slot,
      (i % 2)::INTEGER AS y
      FROM range(20000) r(i)`);
    await conn.run(`COPY t TO '${join(d, 'csv', '20260101', 'part-0.csv')}' (HEADER)`);
    await conn.run(`COPY t TO '${join(d, 'pq', '20260101', 'part-0.parquet')}' (FORMAT parquet, ROW_GROUP_SIZE 8192)`);
  } finally {
    conn.closeSync();
  }
  const csv = readFileSync(join(d, 'csv', '20260101', 'part-0.csv'), 'utf8');
  assert.match(csv, /^flag,account,campaign,slot,y\n,,,0,0\nfalse,123456789012345678901234562,1234567890122457,1,1\n/, "DuckDB's export spells ids with every digit");
  assert.match(csv, /\ntrue,369/, "and booleans as true and false");
  const spec = featureSpecFromConfig(
    parseConfig({
      features: { categorical: ['flag', 'account', 'campaign', 'slot'].map((name) => ({ name, buckets: 1009, embeddingDim: 2 })), numeric: [] },
      tasks: [{ name: 'ctr', label: 'y', type: 'binary' }],
    }),
  );
  const a = await loadEncoded(spec, { dataDir: join(d, 'csv'), dates: ['20260101'] });
  const b = await loadEncoded(spec, { dataDir: join(d, 'pq'), dates: ['20260101'] });
  assert.equal(b.train.size, 20000);
  assert.equal(a.train.size, 20000);
  // Rows in file order (no hold-out): compare bucket ids field by field.
  for (let f = 0; f < 4; f++) {
    const differ = Array.from({ length: 20000 }, (_, r) => r).filter((r) => a.train.cat[r * 4 + f] !== b.train.cat[r * 4 + f]).length;
    assert.equal(differ, 0, `bucket ids of ${spec.categorical[f]!.name}`);
  }
});

test('a Parquet BOOLEAN read as a number is 1 or 0, where the same CSV cell (true) is a bad row', async (t) => {
  const d = tempDir(t);
  for (const f of ['csv', 'pq']) mkdirSync(join(d, f, '20260101'), { recursive: true });
  const conn = await (await DuckDBInstance.create(':memory:')).connect();
  try {
    await conn.run(`CREATE TABLE t AS SELECT (i % 2 = 0) AS flag, (i % 3 = 0) AS y FROM range(10) r(i)`);
    await conn.run(`COPY t TO '${join(d, 'csv', '20260101', 'part-0.csv')}' (HEADER)`);
    await conn.run(`COPY t TO '${join(d, 'pq', '20260101', 'part-0.parquet')}' (FORMAT parquet)`);
  } finally {
    conn.closeSync();
  }
  const spec = featureSpecFromConfig(
    parseConfig({ features: { categorical: [{ name: 'flag_id', column: 'flag', buckets: 11, embeddingDim: 2 }], numeric: [{ name: 'flag', transform: 'none' }] }, tasks: [{ name: 'ctr', label: 'y', type: 'binary' }] }),
  );
  const read = async (dir: string) => {
    const source = { dataDir: join(d, dir), dates: ['20260101'] };
    const account = newAccounting(source);
    const num: number[] = [];
    const labels: number[] = [];
    for await (const b of encodeRows(spec, source, { account, maxBadRows: 100 })) {
      num.push(...b.num.subarray(0, b.size));
      labels.push(...b.labels.subarray(0, b.size));
    }
    return { num, labels, bad: account.toJSON().badRows.total };
  };
  const pq = await read('pq');
  assert.deepEqual(pq.num, [1, 0, 1, 0, 1, 0, 1, 0, 1, 0]);
  assert.deepEqual(pq.labels, [1, 0, 0, 1, 0, 0, 1, 0, 0, 1]);
  assert.equal(pq.bad, 0);
  const fromCsv = await read('csv');
  assert.deepEqual([fromCsv.num.length, fromCsv.bad], [0, 10], "the CSV path's rule: 'true' is not a number");
});
