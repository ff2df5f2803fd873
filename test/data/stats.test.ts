import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pearson, spearman } from '../../src/metrics/correlation.js';
import { collectStats } from '../../src/data/stats.js';
import { formatStatsTable } from '../../src/data/stats-report.js';
import { DistinctCounter } from '../../src/data/distinct.js';
import { goodRows, HEADER, smallSpec, tempDir, writePartition } from './fixtures.js';

test('stats: rows per day, bad rows, label rates, buckets, numerics and task correlations', async (t) => {
  const d = tempDir(t);
  writePartition(d, '20240101', { 'a.csv': `${HEADER}\n${goodRows(60)}7,1,a,s,1\n` });
  writePartition(d, '20240102', { 'a.csv': `${HEADER}\n${goodRows(40, 60)}1,2,,s,\n` });
  const spec = smallSpec({ features: { categorical: [{ name: 'ad', buckets: 100 }, { name: 'site', buckets: 50 }], numeric: [{ name: 'price', fillEmpty: 0 }] } });
  const s = await collectStats(spec, { dataDir: d, dates: ['20240101', '20240102'] }, { maxBadRows: 0.05, sampleSize: 1000 });
  assert.deepEqual(s.rows, { read: 102, used: 101, bad: 1 });
  assert.deepEqual(s.days, [
    { date: '20240101', files: 1, rowsRead: 61, badRows: 1, rowsUsed: 60 },
    { date: '20240102', files: 1, rowsRead: 41, badRows: 0, rowsUsed: 41 },
  ]);
  assert.equal(s.badRows.byReason.label_not_binary?.count, 1);

  const click = [...Array.from({ length: 100 }, (_, i) => (i % 3 === 0 ? 1 : 0)), 1];
  const watch = [...Array.from({ length: 100 }, (_, i) => (i * 7) % 11), 2];
  assert.ok(Math.abs(s.tasks[0]!.positiveRate! - click.reduce((a, b) => a + b) / 101) < 1e-12);
  assert.ok(Math.abs(s.tasks[1]!.mean - watch.reduce((a, b) => a + b) / 101) < 1e-9, 'regression mean on the raw scale');
  assert.equal(s.tasks[1]!.positiveRate, undefined);

  const [ad, site] = s.categorical;
  assert.deepEqual([ad!.distinctValues, ad!.distinctExact, ad!.empty], [13, true, 1]);
  assert.ok(ad!.bucketsUsed <= 13 && ad!.bucketsUsed >= 11);
  assert.deepEqual([site!.distinctValues, site!.buckets], [6, 50]); // s0..s4 and 's'
  assert.ok(Math.abs(ad!.expectedBucketsUsed - 100 * (1 - (1 - 1 / 100) ** 13)) < 1e-9);

  assert.deepEqual([s.numeric[0]!.rows, s.numeric[0]!.missing], [100, 1]);
  assert.equal(s.numeric[0]!.max, 8);

  const [pair] = s.relatedness.pairs;
  assert.deepEqual([pair!.a, pair!.b], ['ctr', 'watch']);
  assert.ok(Math.abs(pair!.pearson - pearson(click, watch)) < 1e-9);
  assert.ok(Math.abs(pair!.spearman - spearman(click, watch)) < 1e-9);
  assert.deepEqual(s.relatedness.spearmanSample, { rows: 101, sampled: false, seed: 0 });

  const sampled = await collectStats(spec, { dataDir: d, dates: ['20240101', '20240102'] }, { maxBadRows: 0.05, sampleSize: 50, seed: 3 });
  assert.deepEqual(sampled.relatedness.spearmanSample, { rows: 50, sampled: true, seed: 3 });
  assert.equal(JSON.stringify(sampled), JSON.stringify(await collectStats(spec, { dataDir: d, dates: ['20240101', '20240102'] }, { maxBadRows: 0.05, sampleSize: 50, seed: 3 })));

  const table = formatStatsTable(s);
  assert.match(table, /Rows: 102 read, 101 used, 1 bad/);
  assert.match(table, /label_not_binary\s+1\s+.*a\.csv:62, column 'click', value "7"/);
  assert.match(table, /Spearman over all rows/);
});

test('distinct counting is exact up to the cap, then a HyperLogLog estimate within a few percent', () => {
  const small = new DistinctCounter(100);
  for (let i = 0; i < 1000; i++) small.add(`v${i % 90}`);
  assert.deepEqual([small.count(), small.isExact], [90, true]);
  const big = new DistinctCounter(1000);
  for (let i = 0; i < 200_000; i++) big.add(`id-${i % 50_000}`);
  assert.equal(big.isExact, false);
  assert.ok(Math.abs(big.count() / 50_000 - 1) < 0.03, `estimate ${big.count()}`);
});
