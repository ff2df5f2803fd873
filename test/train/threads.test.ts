import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AUTO_MIN_STEPS, trainingThreads } from '../../src/train/threads.js';

test('a thread count is taken as given; auto uses every core only for runs long enough to pay for the threads', () => {
  assert.equal(trainingThreads(3, { rows: 10, batchSize: 1024, epochs: 1 }, 8), 3);
  assert.equal(trainingThreads('auto', { rows: 1024 * (AUTO_MIN_STEPS - 1), batchSize: 1024, epochs: 1 }, 8), 1);
  assert.equal(trainingThreads('auto', { rows: 1024 * 50, batchSize: 1024, epochs: 4 }, 8), 8);
  assert.equal(trainingThreads('auto', { rows: 1e6, batchSize: 128, epochs: 1 }, 8), 2, 'shards of at least 64 rows');
  assert.equal(trainingThreads('auto', { rows: 1e6, batchSize: 16, epochs: 1 }, 8), 1);
});
