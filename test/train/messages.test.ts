import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { EpochRecord } from '../../src/train/fit.js';
import { epochFields, epochMessage, publishedMessage, readMessage } from '../../src/train/messages.js';

const tasks = [
  { name: 'ctr', type: 'binary' as const },
  { name: 'watch', type: 'regression' as const },
];
const rec: EpochRecord = {
  epoch: 2,
  learningRate: 0.0018000000000000002,
  trainLoss: 0.7101304590677286,
  trainTaskLosses: { ctr: 0.5, watch: 0.2 },
  examplesPerSecond: 5986.4099250139525,
  seconds: 6.029490204,
  validLoss: 0.70436692237854,
  validTaskLosses: { ctr: 0.5, watch: 0.2 },
  validMetrics: { ctr: 0.6616322532833049, watch: 12.3456789 },
};

test('the epoch line reads on its own: rounded numbers, the metric named per task', () => {
  assert.equal(epochMessage(rec, 4, tasks), 'epoch 2/4: loss 0.7101, validation loss 0.7044; validation AUC ctr 0.6616; MSE watch 12.35; 6.0k rows/s, 6.0 s');
  assert.equal(epochMessage({ ...rec, validLoss: undefined, validMetrics: undefined }, 4, tasks), 'epoch 2/4: loss 0.7101; 6.0k rows/s, 6.0 s');
  assert.deepEqual(epochFields(rec, tasks).valid, { ctr: { auc: 0.6616322532833049 }, watch: { mse: 12.3456789 } });
  assert.equal('validMetrics' in epochFields(rec, tasks), false);
});

test('read and published lines', () => {
  assert.equal(
    readMessage({ files: 2, dates: ['20240101', '20240102'], trainRows: 36095, validRows: 3905, badRows: 0, seconds: 0.4123 }),
    'read 2 files of 20240101, 20240102: 36095 training rows, 3905 validation rows, 0 bad rows (0.4 s)',
  );
  assert.equal(publishedMessage('models/20240102', 2, 4, rec.validMetrics, tasks), 'published models/20240102 (weights of epoch 2 of 4; validation AUC ctr 0.6616; MSE watch 12.35)');
});
