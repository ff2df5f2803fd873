// The epoch loop's check of the weights: a loss that stays finite while the weights turn NaN (an
// infinite input saturates the loss, and its gradient is 0 x Infinity) stops the run as diverged.
// On wasm, whose rectifier turns NaN into 0 (the case that published a NaN model).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { selectBackend } from '../../src/backend.js';
import type { Config } from '../../src/config/schema.js';
import { EncodedTable } from '../../src/data/encoded-table.js';
import { TrainingDivergedError } from '../../src/errors.js';
import { silentLogger } from '../../src/logger.js';
import { buildModel } from '../../src/model/index.js';
import { firstNonFiniteWeight } from '../../src/train/finite-weights.js';
import { fit } from '../../src/train/fit.js';
import { RunLog } from '../../src/train/run-log.js';
import { CTR_TASKS, syntheticBatch, tinyModel, tinySpec, tinyTraining } from '../model/fixtures.js';

const root = mkdtempSync(join(tmpdir(), 'mmoe-finite-'));
after(() => rmSync(root, { recursive: true, force: true }));
before(async () => {
  await selectBackend('wasm');
});

function table(rows: number, seed: number): EncodedTable {
  const spec = tinySpec();
  const b = syntheticBatch(spec, rows, seed);
  const t = EncodedTable.forSpec(spec, rows);
  for (let r = 0; r < rows; r++) t.appendRow(b, r);
  return t;
}

test('an infinite input that leaves the loss finite but the weights NaN stops the run as diverged, naming the weight', async () => {
  const spec = tinySpec();
  const training = tinyTraining({ epochs: 2, batchSize: 32 });
  const cfg = { tasks: CTR_TASKS, training } as unknown as Config;
  const model = buildModel(spec, tinyModel({ type: 'mmoe' }), training);
  const train = table(256, 1);
  const valid = table(64, 2);
  train.num[5 * spec.numeric.length] = Number.POSITIVE_INFINITY; // one numeric of row 5
  const deps = { logger: silentLogger(), runLog: new RunLog(join(root, 'run')) };
  await assert.rejects(fit(model, cfg, train, valid, deps), (err: Error) => {
    assert.ok(err instanceof TrainingDivergedError, String(err));
    assert.match(err.message, /^training diverged in epoch 1: .+ holds \d+ non-finite value\(s\), the first NaN at index \d+, although the loss stayed finite; nothing was published/);
    return true;
  });
  assert.ok(firstNonFiniteWeight(model), 'the step did write NaN weights: this is the case the loss check misses');
  deps.runLog.close();
  model.dispose();
});

test('finite weights pass the check (no false alarm on a model that trained normally)', async () => {
  const spec = tinySpec();
  const training = tinyTraining({ epochs: 1, batchSize: 32 });
  const model = buildModel(spec, tinyModel({ type: 'mmoe' }), training);
  const deps = { logger: silentLogger(), runLog: new RunLog(join(root, 'run-ok')) };
  const r = await fit(model, { tasks: CTR_TASKS, training } as unknown as Config, table(256, 1), table(64, 2), deps);
  assert.equal(r.history.length, 1);
  assert.equal(firstNonFiniteWeight(model), null);
  const t = model.layout.tables[0]!;
  model.tables.view(t.name).store[1] = Number.NEGATIVE_INFINITY;
  assert.deepEqual(firstNonFiniteWeight(model), { weight: `embedding table '${t.name}'`, count: 1, index: 1, value: Number.NEGATIVE_INFINITY });
  deps.runLog.close();
  model.dispose();
});
