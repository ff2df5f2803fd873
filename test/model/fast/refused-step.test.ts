// A fast step refused for a bucket id outside its table (a batch and a feature spec that disagree):
// the step fails with the typed error naming the column, on any number of threads, and leaves the
// model, its checkpoint and the steps after it as if the batch had never come.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { selectBackend } from '../../../src/backend.js';
import type { Batch } from '../../../src/data/batch.js';
import { EncodedTable } from '../../../src/data/encoded-table.js';
import { DataError } from '../../../src/errors.js';
import { buildModel, type MultiTaskModel } from '../../../src/model/index.js';
import { syntheticBatch, tinyModel, tinySpec, tinyTraining } from '../fixtures.js';

before(async () => {
  await selectBackend('wasm');
});

const spec = tinySpec();
const DEVICE = 3; // column of 'device' (5 buckets + the empty row: ids 0..5)

const model = (threads: number): MultiTaskModel => buildModel(spec, tinyModel({ type: 'mmoe' }), tinyTraining({ batchSize: 64 }), 7, { threads });

/** A batch of 64 rows with `id` as the device of row `row` (row 0: the main thread's shard; 63: the last thread's). */
function badBatch(id: number, row: number): Batch {
  const b = syntheticBatch(spec, 64, 900);
  b.cat[row * spec.categorical.length + DEVICE] = id;
  return b;
}

const refusedAsData = (e: Error): boolean => e instanceof DataError && /column 'device'/.test(e.message) && /outside the embedding table \[0, 5\]/.test(e.message);

for (const threads of [1, 2])
  test(`${threads} thread(s): a refused step is a DataError naming the column, every time, and training goes on as if it never came`, () => {
    const [m, twin] = [model(threads), model(threads)];
    for (const x of [m, twin]) for (let i = 0; i < 3; i++) x.trainStep(syntheticBatch(spec, 64, 10 + i));
    assert.equal(m.trainingPath?.kernels, 'fast');
    assert.equal(m.trainingPath?.threads, threads);
    const before = m.getState();
    for (const [id, row] of [[99, 63], [-1, 0], [6, 40], [99, 0]] as const) assert.throws(() => m.trainStep(badBatch(id, row)), refusedAsData, `id ${id} in row ${row}`);
    assert.deepEqual(m.getState(), before, 'the refused steps changed nothing');
    for (const x of [m, twin]) for (let i = 0; i < 3; i++) x.trainStep(syntheticBatch(spec, 64 - 9 * i, 20 + i));
    assert.deepEqual(m.getState(), twin.getState());
    assert.deepEqual(m.getOptimizerState(), twin.getOptimizerState());
    m.dispose();
    twin.dispose();
  });

for (const threads of [1, 2])
  for (const fromTable of [false, true])
    test(`${threads} thread(s), ${fromTable ? 'batches drawn from a table' : 'batches as arrays'}: a step refused while a checkpoint is kept leaves the checkpoint whole`, () => {
      const m = model(threads);
      for (let i = 0; i < 3; i++) m.trainStep(syntheticBatch(spec, 64, 10 + i));
      m.checkpoint();
      const [state, opt] = [m.getState(), m.getOptimizerState()];
      m.trainStep(syntheticBatch(spec, 64, 30));
      for (const [id, row] of [[99, 63], [-1, 0]] as const) {
        let bad = badBatch(id, row);
        if (fromTable) {
          const table = new EncodedTable(spec.categorical.length, 2, spec.tasks.length, false, 64, { shared: threads > 1 });
          for (let r = 0; r < bad.size; r++) table.appendRow(bad, r);
          table.compact(); // into shared memory with 2 threads: each thread copies its own rows
          bad = [...table.batches(64, 1)][0]!;
        }
        assert.throws(() => m.trainStep(bad), refusedAsData, `id ${id} in row ${row}`);
      }
      m.trainStep(syntheticBatch(spec, 64, 31));
      m.restoreCheckpoint();
      assert.deepEqual(m.getState(), state);
      assert.deepEqual(m.getOptimizerState(), opt);
      m.dispose();
    });
