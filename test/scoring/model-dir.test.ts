import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { inputBytes, resolveThreads, THREADS_MIN_INPUT_BYTES } from '../../src/scoring/model-dir.js';

const dir = mkdtempSync(join(tmpdir(), 'mmoe-model-dir-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('--threads auto: workers only on wasm and for inputs worth their start-up; a number is taken as given', () => {
  const big = THREADS_MIN_INPUT_BYTES;
  const cores = Math.max(1, Math.min(4, availableParallelism() - 1));
  assert.equal(resolveThreads('auto', 'wasm', big), cores);
  assert.equal(resolveThreads('auto', 'wasm'), cores, 'unknown input size: as for a large one');
  assert.equal(resolveThreads('auto', 'wasm', big - 1), 0);
  assert.equal(resolveThreads('auto', 'cpu', big), 0);
  assert.equal(resolveThreads('auto', 'tensorflow', big), 0);
  assert.equal(resolveThreads(3, 'cpu', 10), 3);
  assert.equal(resolveThreads(0, 'wasm', big), 0);
});

test('input bytes count a gzip file at 4 times its size and a Parquet file at 8', () => {
  assert.equal(inputBytes([{ path: 'a.csv', bytes: 100 }, { path: 'b.csv.gz', bytes: 10 }, { path: 's3://b/c.parquet', bytes: 5 }]), 180);
});
