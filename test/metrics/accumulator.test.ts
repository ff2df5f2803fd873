import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EvalAccumulator } from '../../src/metrics/accumulator.js';
import { binaryReport } from '../../src/metrics/binary-report.js';
import { assertClose, referenceCase } from './fixture.js';

test('batches of strided label columns accumulate into the same report as one array', () => {
  const { scores, labels, weights } = referenceCase();
  const acc = new EvalAccumulator({ weighted: true, grouped: true, initialCapacity: 8 });
  for (let start = 0; start < 1000; start += 64) {
    const end = Math.min(1000, start + 64);
    const size = end - start;
    // Labels as a Batch holds them: [size, 2 tasks] row-major, this task in column 1.
    const matrix = new Float32Array(size * 2);
    for (let i = 0; i < size; i++) matrix[i * 2 + 1] = labels[start + i]!;
    acc.add({
      scores: scores.subarray(start, end),
      labels: { data: matrix, stride: 2, offset: 1 },
      weights: weights.subarray(start, end),
      groups: Array.from({ length: size }, (_, i) => `u${(start + i) % 7}`),
    });
  }
  assert.equal(acc.size, 1000);
  assert.equal(acc.groupKeys().length, 7);
  const report = acc.binaryReport();
  // Scores are stored as float32: s = a / 128 is exact in float32, so sklearn's value holds.
  assertClose(report.metrics.auc.value, 0.8416876794204946);
  assert.equal(report.groupAuc?.groupsUsed, 7);
  const direct = binaryReport({ scores, labels, weights });
  assert.deepEqual(report.calibration, direct.calibration);
  assert.deepEqual(report.roc, direct.roc);
});

test('a weighted accumulator refuses batches without weights', () => {
  const acc = new EvalAccumulator({ weighted: true });
  assert.throws(() => acc.add({ scores: [0.1], labels: [1] }), /needs weights/);
});

test('regression on the original scale maps scores and labels first', () => {
  const acc = new EvalAccumulator();
  acc.add({ scores: [Math.log1p(1), Math.log1p(3)], labels: [Math.log1p(2), Math.log1p(3)] });
  const m = acc.regression((v) => Math.expm1(v));
  assertClose(m.mae.value, 0.5, 1e-6);
  assertClose(acc.regression().mae.value, (Math.log1p(2) - Math.log1p(1)) / 2, 1e-6);
});

// Its speed is measured by bench/eval-report.ts, not asserted here (timings on a loaded machine are noise).
test('one million rows: report (sort, AUC, curves, bins) counts every row', () => {
  const n = 1_000_000;
  const acc = new EvalAccumulator();
  const scores = new Float32Array(4096);
  const labels = new Float32Array(4096);
  let x = 12345;
  for (let done = 0; done < n; done += 4096) {
    for (let i = 0; i < 4096; i++) {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      labels[i] = x & 1;
      scores[i] = ((x >>> 8) % 10007) / 10007 / 2 + labels[i]! * 0.25;
    }
    acc.add({ scores, labels }, Math.min(4096, n - done));
  }
  const report = acc.binaryReport();
  assert.equal(report.metrics.count, n);
  assert.ok(report.metrics.auc.value! > 0.7);
});
