import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AUTO_MIN_STEPS, oversubscribed, trainingThreads } from '../../src/train/threads.js';
import type { UsableCores } from '../../src/util/cpus.js';

/** 8 cores, as a cgroup CPU quota of 8 on a 64-core node gives them. */
const eight: UsableCores = { cores: 8, available: 64, quota: { cpus: 8, file: '/sys/fs/cgroup/cpu.max' }, source: 'cgroup CPU quota 8.0 of 64 cores', reason: '8 cores usable: cgroup CPU quota 8.0 of 64 cores' };
const threads = (setting: 'auto' | number, work: { rows: number; batchSize: number; epochs: number }) => trainingThreads(setting, work, eight).threads;

test('a thread count is taken as given; auto uses every usable core only for runs long enough to pay for the threads', () => {
  assert.equal(threads(3, { rows: 10, batchSize: 1024, epochs: 1 }), 3);
  assert.equal(threads(12, { rows: 10, batchSize: 1024, epochs: 1 }), 12, 'more than the cores: allowed');
  assert.equal(threads('auto', { rows: 1024 * (AUTO_MIN_STEPS - 1), batchSize: 1024, epochs: 1 }), 1);
  assert.equal(threads('auto', { rows: 1024 * 50, batchSize: 1024, epochs: 4 }), 8);
  assert.equal(threads('auto', { rows: 1e6, batchSize: 128, epochs: 1 }), 2, 'shards of at least 64 rows');
  assert.equal(threads('auto', { rows: 1e6, batchSize: 16, epochs: 1 }), 1);
});

test('the log line says how many threads and why', () => {
  const msg = (setting: 'auto' | number, work: { rows: number; batchSize: number; epochs: number }) => trainingThreads(setting, work, eight).message;
  assert.equal(msg('auto', { rows: 1024 * 50, batchSize: 1024, epochs: 4 }), 'threads auto: 8 (8 cores usable: cgroup CPU quota 8.0 of 64 cores)');
  assert.equal(msg('auto', { rows: 1024 * 100, batchSize: 1024, epochs: 1 }), 'threads auto: 1 (100 steps, fewer than 200, do not pay for starting threads; 8 cores usable: cgroup CPU quota 8.0 of 64 cores)');
  assert.equal(msg('auto', { rows: 1e6, batchSize: 128, epochs: 1 }), 'threads auto: 2 (shards of at least 64 rows of a batch of 128; 8 cores usable: cgroup CPU quota 8.0 of 64 cores)');
  assert.equal(msg(3, { rows: 10, batchSize: 1024, epochs: 1 }), 'threads 3 (as set; 8 cores usable: cgroup CPU quota 8.0 of 64 cores)');
});

test('a thread count above the usable cores is a warning saying what it costs; auto and counts within the cores are not', () => {
  assert.equal(
    oversubscribed(9, eight),
    'threads 9 (--threads or training.threads) is more than the 8 cores usable (cgroup CPU quota 8.0 of 64 cores): every training step waits at its barriers for the slowest thread, so threads beyond the cores slow training down; --threads auto uses 8',
  );
  assert.equal(oversubscribed(8, eight), null);
  assert.equal(oversubscribed('auto', eight), null);
});
