import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { selectBackend } from '../../src/backend.js';
import { TEST_BACKEND } from '../test-backend.js';
import type { Batch } from '../../src/data/batch.js';
import { DataError } from '../../src/errors.js';
import { buildModel } from '../../src/model/index.js';
import { syntheticBatch, tinyModel, tinySpec, tinyTraining } from './fixtures.js';

before(async () => {
  await selectBackend(TEST_BACKEND);
});

/** Rows of each table a batch reads (through its fields; crosses read the same rows). */
function touchedRows(batch: Batch): Map<string, Set<number>> {
  const spec = tinySpec();
  const out = new Map(spec.categorical.map((c) => [c.table, new Set<number>()]));
  const n = spec.categorical.length;
  for (let i = 0; i < batch.size; i++) spec.categorical.forEach((c, j) => out.get(c.table)!.add(batch.cat[i * n + j]));
  return out;
}

test('a training step updates exactly the embedding rows the batch touched', () => {
  const spec = tinySpec();
  const m = buildModel(spec, tinyModel({ type: 'mmoe' }), tinyTraining());
  const batch = syntheticBatch(spec, 6, 3);
  const before = m.getState().tables;
  m.trainStep(batch);
  const after = m.getState().tables;
  const touched = touchedRows(batch);
  for (const t of m.layout.tables) {
    for (let r = 0; r < t.rows; r++) {
      const a = before.get(t.name)!.subarray(r * t.dim, (r + 1) * t.dim);
      const b = after.get(t.name)!.subarray(r * t.dim, (r + 1) * t.dim);
      const changed = a.some((v, k) => v !== b[k]);
      assert.equal(changed, touched.get(t.name)!.has(r), `table ${t.name} row ${r}`);
    }
  }
  m.dispose();
});

test('the lookup-path gradient (fields, shared table, cross, repeated ids) matches finite differences', () => {
  const spec = tinySpec();
  // Smooth activations: a finite difference across a relu kink would not match any gradient.
  const smooth = { activation: 'tanh' as const, dropout: 0, l2: 0.01 };
  const m = buildModel(spec, tinyModel({ type: 'mmoe', experts: { count: 3, units: [6], ...smooth }, towers: { units: [4], ...smooth } }), tinyTraining({ uncertaintyWeighting: true }));
  for (let i = 0; i < 3; i++) m.trainStep(syntheticBatch(spec, 32, 9)); // away from the symmetric start
  const batch = syntheticBatch(spec, 8, 5);
  // Repeat ids so that one row collects gradient from several rows and fields (item and prev_item share a table).
  batch.cat[1 * 4 + 1] = batch.cat[0 * 4 + 1];
  batch.cat[2 * 4 + 2] = batch.cat[0 * 4 + 1];
  const grads = m.embeddingGradients(batch);
  const eps = 1e-2;
  let checked = 0;
  for (const t of m.layout.tables) {
    const g = grads.get(t.name)!;
    const values = m.getState().tables.get(t.name)!;
    for (let i = 0; i < Math.min(g.rows.length, 3); i++)
      for (let k = 0; k < t.dim; k++) {
        const at = g.rows[i] * t.dim + k;
        const loss = (delta: number) => {
          const v = values.slice();
          v[at] += delta;
          m.tables.write(t.name, v);
          const l = m.evaluate(batch).loss;
          m.tables.write(t.name, values);
          return l;
        };
        const numeric = (loss(eps) - loss(-eps)) / (2 * eps);
        const analytic = g.grads[i * t.dim + k];
        assert.ok(Math.abs(numeric - analytic) < 1e-4 + 0.01 * Math.abs(numeric), `${t.name}[${g.rows[i]}][${k}]: analytic ${analytic}, numeric ${numeric}`);
        checked++;
      }
  }
  assert.ok(checked >= 30);
  m.dispose();
});

test('a bucket id outside the table is a DataError naming the field', () => {
  const spec = tinySpec();
  const m = buildModel(spec, tinyModel({ type: 'shared_bottom' }), tinyTraining());
  const batch = syntheticBatch(spec, 2);
  batch.cat[3] = 99; // device has 5 buckets + the empty row
  assert.throws(() => m.predict(batch), (e: Error) => e instanceof DataError && /column 'device'/.test(e.message) && /outside the embedding table \[0, 5\]/.test(e.message));
  m.dispose();
});
