import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GateStatsAccumulator, gateStats } from '../../src/metrics/gate.js';
import { gateVerdict } from '../../src/metrics/gate-verdict.js';

function repeatRows(row: number[], rows: number): Float32Array {
  return Float32Array.from({ length: row.length * rows }, (_, i) => row[i % row.length]!);
}

test('uniform gate: mean weights 1/E, entropy ln E, nothing polarized', () => {
  const s = gateStats(repeatRows([0.25, 0.25, 0.25, 0.25], 10), 4);
  assert.deepEqual(s.meanWeight.map((w) => +w.toFixed(6)), [0.25, 0.25, 0.25, 0.25]);
  assert.ok(Math.abs(s.meanEntropy - Math.log(4)) < 1e-6);
  assert.ok(Math.abs(s.normalizedEntropy - 1) < 1e-6);
  assert.equal(s.polarizedFraction, 0);
  assert.equal(s.rows, 10);
});

test('polarized rows: entropy near 0 and fraction counted, across batches', () => {
  const acc = new GateStatsAccumulator(2);
  acc.add([0.995, 0.005, 0.5, 0.5]);
  acc.add([0.001, 0.999, 1, 0]);
  const s = acc.result();
  assert.equal(s.rows, 4);
  assert.equal(s.polarizedFraction, 0.75);
  assert.deepEqual(s.argmaxShare, [0.75, 0.25]);
  // entropy of (0.995, 0.005), (0.5, 0.5), (0.001, 0.999), (1, 0), averaged
  const h = (p: number) => (p > 0 ? -p * Math.log(p) : 0) + (p < 1 ? -(1 - p) * Math.log(1 - p) : 0);
  const expected = (h(0.995) + h(0.5) + h(0.001) + h(1)) / 4;
  assert.ok(Math.abs(s.meanEntropy - expected) < 1e-6);
  assert.ok(Math.abs(s.normalizedEntropy - expected / Math.log(2)) < 1e-6);
});

test('gate weights of the wrong size are rejected', () => {
  assert.throws(() => new GateStatsAccumulator(3).add([0.5, 0.5, 0], 2), /expected 2 x 3/);
  assert.throws(() => new GateStatsAccumulator(0), /positive integer/);
});

test('verdict warns about a polarized gate with the likely causes, backed ones first', () => {
  const ctr = { task: 'ctr', stats: gateStats(repeatRows([0.999, 0.0005, 0.0005], 100), 3), labelRate: 0.0002, lossWeight: 1 };
  const cvr = { task: 'cvr', stats: gateStats(repeatRows([0.2, 0.5, 0.3], 100), 3), labelRate: 0.1, lossWeight: 1 };
  const warnings = gateVerdict([ctr, cvr], { learningRate: 0.05 });
  assert.equal(warnings.length, 1);
  const w = warnings[0]!;
  assert.equal(w.code, 'polarized');
  assert.deepEqual(w.tasks, ['ctr']);
  assert.match(w.message, /above 0\.99 on 100\.0% of rows/);
  assert.match(w.causes[0]!, /degenerate or constant labels: task 'ctr' has positive rate 0\.0%/);
  assert.match(w.causes[1]!, /too high a learning rate \(0\.05\)/);
  assert.ok(w.causes.some((c) => /check the loss weights/.test(c)));
  assert.ok(w.causes.some((c) => /initialisation/.test(c)));
});

test('verdict flags loss-weight skew, shared collapse and uniform gates', () => {
  const collapsed = gateStats(repeatRows([0.95, 0.03, 0.02], 10), 3);
  const warnings = gateVerdict([
    { task: 'a', stats: collapsed, lossWeight: 100 },
    { task: 'b', stats: collapsed, lossWeight: 1 },
    { task: 'c', stats: gateStats(repeatRows([0.34, 0.33, 0.33], 10), 3) },
  ]);
  // c's near-uniform gate beside gates that choose is no warning: the tasks read different mixtures.
  assert.deepEqual(
    warnings.map((w) => [w.code, w.tasks.join()]),
    [
      ['collapsed', 'a'],
      ['collapsed', 'b'],
      ['shared-collapse', 'a,b'],
    ],
  );
  assert.match(warnings[0]!.causes[0]!, /loss weights range from 1 to 100/);
});

test('near-uniform gates warn once, for the model, when every task gate is near-uniform (normalized entropy above 0.99)', () => {
  const even = gateStats(repeatRows([0.15, 0.1, 0.15, 0.1, 0.15, 0.1, 0.125, 0.125], 10), 8);
  const choosing = gateStats(repeatRows([0.4, 0.3, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05], 10), 8);
  // Every expert within 20% of 1/8 is near-uniform; one at 0.4 is a choice.
  assert.ok(even.normalizedEntropy > 0.99 && choosing.normalizedEntropy < 0.9);
  const all = gateVerdict([
    { task: 'ctr', stats: even },
    { task: 'ctcvr', stats: even },
  ]);
  assert.deepEqual(all.map((w) => [w.code, w.tasks.join()]), [['uniform', 'ctr,ctcvr']]);
  assert.match(all[0]!.message, /^every task's gate is near-uniform \(entropy ctr 99\.\d%, ctcvr 99\.\d% of the maximum\): each row spreads its weight almost evenly over the 8 experts, so the tasks read the same average of them and the model acts like a shared bottom$/);
  assert.deepEqual(gateVerdict([{ task: 'ctr', stats: even }, { task: 'ctcvr', stats: choosing }]), []);
  assert.deepEqual(gateVerdict([{ task: 'only', stats: even }]).map((w) => w.message.slice(0, 40)), ["task 'only' has near-uniform (entropy on"]);
});

test('a healthy gate or a single expert gives no warning', () => {
  const healthy = gateStats(Float32Array.from([0.7, 0.2, 0.1, 0.1, 0.6, 0.3, 0.2, 0.2, 0.6]), 3);
  assert.deepEqual(gateVerdict([{ task: 't', stats: healthy }]), []);
  assert.deepEqual(gateVerdict([{ task: 't', stats: gateStats([1, 1], 1) }]), []);
});
