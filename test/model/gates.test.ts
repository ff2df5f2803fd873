import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import type { ModelSection } from '../../src/config/schema.js';
import { selectBackend } from '../../src/backend.js';
import { TEST_BACKEND } from '../test-backend.js';
import { buildModel, type GateMatrix } from '../../src/model/index.js';
import { syntheticBatch, tinyModel, tinySpec, tinyTraining } from './fixtures.js';

before(async () => {
  await selectBackend(TEST_BACKEND);
});

function assertRowsSumToOne(key: string, g: GateMatrix, rows: number): void {
  assert.equal(g.weights.length, rows * g.experts, key);
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let e = 0; e < g.experts; e++) {
      const w = g.weights[r * g.experts + e];
      assert.ok(w >= 0 && w <= 1, `${key}: weight ${w}`);
      s += w;
    }
    assert.ok(Math.abs(s - 1) < 1e-5, `${key} row ${r} sums to ${s}`);
  }
}

const gated: [string, Partial<ModelSection> & { type: ModelSection['type'] }, Record<string, number>][] = [
  ['moe', { type: 'moe' }, { ctr: 3, ctcvr: 3 }],
  ['mmoe', { type: 'mmoe' }, { ctr: 3, ctcvr: 3 }],
  ['mmoe, 2 levels, 2 task experts', { type: 'mmoe', levels: 2, taskExperts: 2 }, { ctr_l1: 5, ctcvr_l1: 5, ctr: 5, ctcvr: 5 }],
  ['ple, 2 levels', { type: 'ple', levels: 2, taskExperts: 1 }, { ctr_l1: 4, ctcvr_l1: 4, shared_gate_l1: 5, ctr: 4, ctcvr: 4 }],
];

for (const [name, model, experts] of gated) {
  test(`${name}: one gate per task (and level), each row a distribution over its experts`, () => {
    const spec = tinySpec();
    const m = buildModel(spec, tinyModel(model), tinyTraining());
    const batch = syntheticBatch(spec, 64);
    for (let i = 0; i < 5; i++) m.trainStep(batch);
    const gates = m.gateWeights(batch);
    assert.deepEqual(Object.fromEntries(Object.entries(gates).map(([k, g]) => [k, g.experts])), experts);
    for (const [k, g] of Object.entries(gates)) assertRowsSumToOne(k, g, batch.size);
    // One forward pass for scores and gates gives what the two separate calls give.
    const both = m.predictWithGates(batch);
    assert.deepEqual(both.gates, gates);
    assert.deepEqual(both.scores, m.predict(batch));
    m.dispose();
  });
}

test('ungated architectures report no gates', () => {
  const spec = tinySpec();
  for (const type of ['single_task', 'shared_bottom'] as const) {
    const m = buildModel(spec, tinyModel({ type }), tinyTraining());
    assert.deepEqual(m.gateWeights(syntheticBatch(spec, 4)), {});
    m.dispose();
  }
});

test('a higher gate temperature gives flatter gates', () => {
  const spec = tinySpec();
  const batch = syntheticBatch(spec, 64);
  const spread = (temperature: number) => {
    // Same seed, so the gate logits are identical and only the temperature differs.
    const m = buildModel(spec, tinyModel({ type: 'mmoe', gate: { temperature } }), tinyTraining());
    const g = m.gateWeights(batch).ctr;
    m.dispose();
    return Math.max(...g.weights) - Math.min(...g.weights);
  };
  assert.ok(spread(10) < spread(1) / 3, `${spread(10)} vs ${spread(1)}`);
});
