import assert from 'node:assert/strict';
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { loadEncoded } from '../../src/data/load-encoded.js';
import { localStorage } from '../../src/data/storage/index.js';
import { defaultMemoryBudget, estimateInput, MemoryBudgetError, parseMemorySize } from '../../src/data/memory-budget.js';
import { goodRows, HEADER, smallSpec, tempDir, writePartition } from './fixtures.js';

test('memory sizes: binary units, a bare number is MiB; nonsense and less than 1 MiB are refused', () => {
  assert.equal(parseMemorySize('512M'), 512 * 2 ** 20);
  assert.equal(parseMemorySize('4G'), 4 * 2 ** 30);
  assert.equal(parseMemorySize('1.5GiB'), 1.5 * 2 ** 30);
  assert.equal(parseMemorySize('2048'), 2 * 2 ** 30);
  for (const bad of ['', 'lots', '-1G', '100K', '0']) assert.throws(() => parseMemorySize(bad), /not a memory size of at least 1 MiB/, bad);
  const d = defaultMemoryBudget();
  assert.ok(d.bytes > 0 && /half of the/.test(d.source), d.source);
});

test('row estimates from file sizes are close for plain and gzip files (gzip ratio measured on a prefix); Parquet is left to the read', async (t) => {
  const dir = tempDir(t);
  const text = `${HEADER}\n${goodRows(200_000)}`;
  writeFileSync(join(dir, 'a.csv'), text);
  writeFileSync(join(dir, 'b.csv.gz'), gzipSync(text));
  const file = (name: string) => ({ path: join(dir, name), bytes: statSync(join(dir, name)).size });
  for (const f of ['a.csv', 'b.csv.gz']) {
    const e = await estimateInput([{ files: [file(f)], storage: localStorage }]);
    assert.ok(Math.abs(e.rows / 200_000 - 1) < 0.1, `${f}: ${e.rows} rows estimated`);
    assert.ok(Math.abs(e.bytes / text.length - 1) < 0.1, `${f}: ${e.bytes} bytes estimated`);
  }
  assert.deepEqual(await estimateInput([{ files: [{ path: join(dir, 'c.parquet'), bytes: 1000 }], storage: localStorage }]), { bytes: 0, rows: 0, unestimated: 1 });
});

function fixture(t: Parameters<typeof tempDir>[0]): { dataDir: string; dates: string[] } {
  const d = tempDir(t);
  writePartition(d, '20240101', { 'a.csv': `${HEADER}\n${goodRows(30_000)}` });
  return { dataDir: d, dates: ['20240101'] };
}

test('keepTrain auto: training rows that outgrow the budget are dropped and counted; the result equals a read that never kept them', async (t) => {
  const source = fixture(t);
  const spec = smallSpec({ features: { categorical: [{ name: 'ad', buckets: 100 }], numeric: [{ name: 'price', transform: 'standardize' }] } });
  const budget = { bytes: 400_000, source: 'a test budget' };
  const auto = await loadEncoded(spec, source, { validRatio: 0.1, seed: 3, keepTrain: 'auto', memoryBudget: budget });
  const stream = await loadEncoded(spec, source, { validRatio: 0.1, seed: 3, keepTrain: false });
  assert.equal(auto.kept, false);
  assert.match(auto.dropped!, /the training rows outgrew the memory budget at .*a\.csv:\d+ \(.* held after [\d,]+ rows, growing to .*, over the memory budget of 0\.4 MiB \(a test budget\)\)/);
  assert.equal(auto.train.size, 0);
  assert.equal(auto.trainRows, stream.trainRows);
  assert.deepEqual(auto.spec, stream.spec, 'the same statistics, to the last bit');
  assert.deepEqual(auto.valid.num, stream.valid.num);
  const roomy = await loadEncoded(spec, source, { validRatio: 0.1, seed: 3, keepTrain: 'auto', memoryBudget: { bytes: 64 << 20, source: 'roomy' } });
  assert.equal(roomy.kept, true);
  assert.equal(roomy.train.size, roomy.trainRows);
  assert.deepEqual(roomy.spec, stream.spec);
});

test('keepTrain true over the budget, or validation rows over it, stop the read with MemoryBudgetError naming file and line', async (t) => {
  const source = fixture(t);
  const spec = smallSpec();
  const budget = { bytes: 200_000, source: '--memory-budget test' };
  const advice = { train: 'use training.data auto', valid: 'lower validRatio' };
  await assert.rejects(loadEncoded(spec, source, { keepTrain: true, memoryBudget: budget, overBudgetAdvice: advice }), (e: Error) => {
    assert.ok(e instanceof MemoryBudgetError);
    assert.match(e.message, /^.*20240101\/a\.csv:\d+: the training rows do not fit in memory: .* \(--memory-budget test\); use training\.data auto$/);
    return true;
  });
  await assert.rejects(loadEncoded(spec, source, { validRatio: 0.9, keepTrain: 'auto', memoryBudget: budget, overBudgetAdvice: advice }), (e: Error) => {
    assert.ok(e instanceof MemoryBudgetError);
    assert.match(e.message, /the validation rows do not fit in memory: .*; lower validRatio$/);
    return true;
  });
});
