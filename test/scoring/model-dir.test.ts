import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { inputBytes, resolveThreads, THREADS_MIN_INPUT_BYTES } from '../../src/scoring/model-dir.js';
import type { UsableCores } from '../../src/util/cpus.js';

const dir = mkdtempSync(join(tmpdir(), 'mmoe-model-dir-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('--threads auto: workers only on wasm and for inputs worth their start-up, one per usable core besides the main thread; a number is taken as given', () => {
  const big = THREADS_MIN_INPUT_BYTES;
  const cores = (n: number): UsableCores => ({ cores: n, available: 64, quota: { cpus: n, file: 'cpu.max' }, source: `cgroup CPU quota ${n}.0 of 64 cores`, reason: `${n} cores usable: cgroup CPU quota ${n}.0 of 64 cores` });
  const threads = (t: number | 'auto', backend: string, bytes?: number, n = 3) => resolveThreads(t, backend, bytes, cores(n)).threads;
  assert.equal(threads('auto', 'wasm', big), 2);
  assert.equal(threads('auto', 'wasm'), 2, 'unknown input size: as for a large one');
  assert.equal(threads('auto', 'wasm', big, 2), 1);
  assert.equal(threads('auto', 'wasm', big, 1), 1, 'at least one');
  assert.equal(threads('auto', 'wasm', big, 64), 4, 'at most four');
  assert.equal(threads('auto', 'wasm', big - 1), 0);
  assert.equal(threads('auto', 'cpu', big), 0);
  assert.equal(threads('auto', 'tensorflow', big), 0);
  assert.equal(threads(3, 'cpu', 10), 3);
  assert.equal(threads(0, 'wasm', big), 0);
  assert.equal(threads(9, 'wasm', big), 9, 'more than the cores: allowed');
  assert.equal(resolveThreads('auto', 'wasm', big, cores(3)).message, 'scoring threads auto: 2 (one per usable core besides the main thread, which reads, at least 1 and at most 4; 3 cores usable: cgroup CPU quota 3.0 of 64 cores)');
  assert.equal(resolveThreads('auto', 'wasm', 2 ** 20, cores(3)).message, 'scoring threads auto: 0 (1.0 MiB of input, under 24 MiB: starting a thread costs more than it saves)');
  assert.equal(resolveThreads('auto', 'tensorflow', big, cores(3)).message, 'scoring threads auto: 0 (tensorflow computes in threads of its own)');
  // Without cores given: this machine's.
  const here = resolveThreads('auto', 'wasm', big).threads;
  assert.ok(here >= 1 && here <= Math.max(1, Math.min(4, availableParallelism() - 1)), `${here}`);
});

test('input bytes count a gzip file at 4 times its size and a Parquet file at 8', () => {
  assert.equal(inputBytes([{ path: 'a.csv', bytes: 100 }, { path: 'b.csv.gz', bytes: 10 }, { path: 's3://b/c.parquet', bytes: 5 }]), 180);
});
