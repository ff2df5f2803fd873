import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadEncoded } from '../../src/data/load-encoded.js';
import { computeNumericStats } from '../../src/data/numeric-stats.js';
import { isHeldOut } from '../../src/data/holdout.js';
import { goodRows, HEADER, smallSpec, tempDir, writePartition } from './fixtures.js';

function fixture(t: Parameters<typeof tempDir>[0]): string {
  const d = tempDir(t);
  writePartition(d, '20240101', { 'a.csv': `${HEADER}\n${goodRows(600)}` });
  writePartition(d, '20240102', { 'a.csv': `${HEADER}\n${goodRows(400, 600)}` });
  return d;
}

test('hold-out: the same rows go to validation whatever else is read, close to validRatio', async (t) => {
  const d = fixture(t);
  const spec = smallSpec();
  const both = await loadEncoded(spec, { dataDir: d, dates: ['20240101', '20240102'] }, { validRatio: 0.2, seed: 5 });
  const dayTwo = await loadEncoded(spec, { dataDir: d, dates: ['20240102'] }, { validRatio: 0.2, seed: 5 });
  assert.equal(both.train.size + both.valid.size, 1000);
  assert.ok(both.valid.size > 150 && both.valid.size < 250, `valid ${both.valid.size}`);
  assert.equal(both.account.validRows, both.valid.size);
  // Day two's validation rows are the tail of the two-day validation table, in the same order.
  const tail = both.valid.labelColumn(1).slice(both.valid.size - dayTwo.valid.size);
  assert.deepEqual(tail, dayTwo.valid.labelColumn(1));
  let expected = 0;
  for (let line = 2; line <= 401; line++) if (isHeldOut('20240102/a.csv', line, 5, 0.2)) expected++;
  assert.equal(dayTwo.valid.size, expected);
  const other = await loadEncoded(spec, { dataDir: d, dates: ['20240102'] }, { validRatio: 0.2, seed: 6 });
  assert.notDeepEqual(other.valid.labelColumn(1), dayTwo.valid.labelColumn(1));
});

test('table batches: deterministic per seed, different across seeds, sequential batches in row order', async (t) => {
  const d = fixture(t);
  const { train } = await loadEncoded(smallSpec(), { dataDir: d, dates: ['20240101'] }, {});
  assert.equal(train.size, 600);
  const order = (seed: number) => [...train.batches(64, seed)].flatMap((b) => [...b.cat.filter((_, i) => i % 2 === 0)]);
  assert.deepEqual(order(1), order(1));
  assert.notDeepEqual(order(1), order(2));
  assert.deepEqual([...order(1)].sort(), [...train.cat.filter((_, i) => i % 2 === 0)].sort());
  const seq = [...train.sequentialBatches(256)];
  assert.deepEqual(seq.map((b) => b.size), [256, 256, 88]);
  assert.deepEqual(seq[2]!.labels, train.labels.subarray(512 * 2));
});

test('missing standardize/minmax statistics are computed by one pass and recorded in the spec', async (t) => {
  const d = fixture(t);
  const spec = smallSpec({
    features: {
      categorical: [{ name: 'ad', buckets: 100 }, { name: 'site', buckets: 50 }],
      numeric: [{ name: 'price', transform: 'standardize' }],
    },
  });
  const source = { dataDir: d, dates: ['20240101'] };
  const streamed = await computeNumericStats(spec, source);
  const price = Array.from({ length: 600 }, (_, i) => (i % 17) * 0.5);
  const mean = price.reduce((a, b) => a + b) / 600;
  const std = Math.sqrt(price.reduce((a, b) => a + (b - mean) ** 2, 0) / 600);
  assert.ok(Math.abs(streamed.numeric[0]!.mean! - mean) < 1e-9);
  assert.ok(Math.abs(streamed.numeric[0]!.std! - std) < 1e-9);
  const loaded = await loadEncoded(spec, source, {});
  assert.ok(Math.abs(loaded.spec.numeric[0]!.mean! - mean) < 1e-9);
  assert.ok(Math.abs(loaded.train.num[3]! - (1.5 - mean) / std) < 1e-6);
  const minmax = await computeNumericStats(smallSpec({ features: { numeric: [{ name: 'price', transform: 'minmax' }] } }), source);
  assert.deepEqual([minmax.numeric[0]!.min, minmax.numeric[0]!.max], [0, 8]);
});

test('statistics come from float64 raw values: 1e8 + small noise keeps its spread (no float32 rounding)', async (t) => {
  const d = tempDir(t);
  const prices: number[] = [];
  const rows: string[] = [];
  for (let i = 0; i < 1000; i++) {
    const x = Number((1e8 + ((i * 7.3919) % 10)).toFixed(4));
    prices.push(x);
    rows.push(`${i % 2},${i % 5},a${i % 7},s${i % 3},${x}`);
  }
  writePartition(d, '20240101', { 'a.csv': `${HEADER}\n${rows.join('\n')}\n` });
  const source = { dataDir: d, dates: ['20240101'] };
  const mean = prices.reduce((a, b) => a + b, 0) / prices.length;
  const std = Math.sqrt(prices.reduce((a, b) => a + (b - mean) ** 2, 0) / prices.length);
  const close = (a: number | undefined, b: number) => assert.ok(Math.abs(a! - b) <= 1e-9 * Math.abs(b), `${a} vs ${b}`);
  const standardize = smallSpec({ features: { categorical: [{ name: 'ad', buckets: 100 }, { name: 'site', buckets: 50 }], numeric: [{ name: 'price', transform: 'standardize' }] } });

  const loaded = await loadEncoded(standardize, source, { validRatio: 0.3, seed: 1 });
  close(loaded.spec.numeric[0]!.mean, mean);
  close(loaded.spec.numeric[0]!.std, std);
  // The model sees (x - mean) / std of the exact value: unit spread, and as many distinct values as inputs.
  const seen = [...loaded.train.num, ...loaded.valid.num];
  const m = seen.reduce((a, b) => a + b, 0) / seen.length;
  const s = Math.sqrt(seen.reduce((a, b) => a + (b - m) ** 2, 0) / seen.length);
  assert.ok(Math.abs(m) < 1e-6 && Math.abs(s - 1) < 1e-6, `mean ${m}, std ${s}`);
  assert.equal(new Set(seen).size, new Set(prices).size);
  const { mean: m64, std: s64 } = loaded.spec.numeric[0]!;
  const byValue = (a: number, b: number) => a - b;
  assert.deepEqual(seen.sort(byValue), prices.map((x) => Math.fround((x - m64!) / s64!)).sort(byValue));

  const computed = await computeNumericStats(standardize, source);
  close(computed.numeric[0]!.mean, mean);
  close(computed.numeric[0]!.std, std);
  const minmax = smallSpec({ features: { categorical: [{ name: 'ad', buckets: 100 }, { name: 'site', buckets: 50 }], numeric: [{ name: 'price', transform: 'minmax' }] } });
  const range = await computeNumericStats(minmax, source);
  assert.equal(range.numeric[0]!.min, Math.min(...prices));
  assert.equal(range.numeric[0]!.max, Math.max(...prices));
});
