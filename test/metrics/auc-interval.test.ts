import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rocAuc } from '../../src/metrics/auc.js';
import { aucInterval, normalQuantile } from '../../src/metrics/auc-interval.js';
import { sortRows } from '../../src/metrics/sort.js';
import { Rng } from '../../src/util/random.js';
import { assertClose } from './fixture.js';

/** DeLong's variance the slow way: every positive-negative pair (ties one half). */
function bruteVariance(scores: number[], labels: number[]): number {
  const pos = scores.filter((_, i) => labels[i] === 1);
  const neg = scores.filter((_, i) => labels[i] === 0);
  const psi = (x: number, y: number) => (x > y ? 1 : x === y ? 0.5 : 0);
  const v10 = pos.map((x) => neg.reduce((s, y) => s + psi(x, y), 0) / neg.length);
  const v01 = neg.map((y) => pos.reduce((s, x) => s + psi(x, y), 0) / pos.length);
  const auc = v10.reduce((a, b) => a + b, 0) / pos.length;
  const s10 = v10.reduce((s, v) => s + (v - auc) ** 2, 0) / (pos.length - 1);
  const s01 = v01.reduce((s, v) => s + (v - auc) ** 2, 0) / (neg.length - 1);
  return s10 / pos.length + s01 / neg.length;
}

/** n rows of a binormal population: positives (rate p) score N(d, 1), negatives N(0, 1); AUC = Phi(d / sqrt 2). */
function binormal(rng: Rng, n: number, p: number, d: number): { scores: number[]; labels: number[] } {
  const labels = Array.from({ length: n }, () => (rng.next() < p ? 1 : 0));
  return { labels, scores: labels.map((y) => Math.round((rng.normal() + d * y) * 100) / 100) }; // rounded: ties too
}

test('the normal quantile', () => {
  assertClose(normalQuantile(0.975), 1.959963984540054, 1e-8);
  assertClose(normalQuantile(0.5), 0, 1e-12);
  assertClose(normalQuantile(0.01), -2.326347874040841, 1e-8);
});

test("DeLong's standard error equals the pairwise computation, ties included", () => {
  const { scores, labels } = binormal(new Rng(3), 300, 0.2, 1);
  const ci = aucInterval(sortRows({ scores, labels }))!;
  assertClose(ci.auc, rocAuc({ scores, labels }).value!, 1e-12, 'AUC');
  assertClose(ci.se, Math.sqrt(bruteVariance(scores, labels)), 1e-12, 'SE');
  assertClose(ci.upper - ci.auc, 1.959963984540054 * ci.se, 1e-8, 'half width');
  // Unit weights are no weights.
  assertClose(aucInterval(sortRows({ scores, labels, weights: scores.map(() => 1) }))!.se, ci.se, 1e-12, 'unit weights');
});

test('row weights (loss weights, 1/rate of sampled negatives) weigh the rows, not count them: scaling them all leaves the interval as it is', () => {
  // A census-like weight column (instance weights in the thousands) once made the interval
  // sqrt(mean weight) times too narrow: 0.8676-0.8677 on UCI Adult weighted by fnlwgt, where
  // the weighted bootstrap spreads +-0.0065.
  const rng = new Rng(5);
  const { scores, labels } = binormal(rng, 400, 0.2, 1);
  const weights = scores.map(() => 0.5 + 3 * rng.next());
  const one = aucInterval(sortRows({ scores, labels, weights }))!;
  const scaled = aucInterval(sortRows({ scores, labels, weights: weights.map((w) => 1740 * w) }))!;
  assertClose(scaled.auc, one.auc, 1e-12, 'AUC');
  assertClose(scaled.se, one.se, 1e-12, 'SE');
  // Weights below one still make an interval when there are rows enough.
  assertClose(aucInterval(sortRows({ scores, labels, weights: weights.map((w) => w / 100) }))!.se, one.se, 1e-12, 'small weights');
});

test('with heavy row weights the interval holds about 95% of the weighted AUCs of bootstrap resamplings (seeded)', () => {
  const rng = new Rng(2025);
  const n = 2000;
  const sample = binormal(rng, n, 0.2, 1);
  const weights = sample.scores.map(() => Math.exp(1.5 * rng.normal())); // lognormal: a few rows weigh much more
  const ci = aucInterval(sortRows({ ...sample, weights }))!;
  let inside = 0;
  const B = 400;
  for (let b = 0; b < B; b++) {
    const idx = Array.from({ length: n }, () => rng.int(n));
    const auc = rocAuc({ scores: idx.map((i) => sample.scores[i]!), labels: idx.map((i) => sample.labels[i]!), weights: idx.map((i) => weights[i]!) }).value!;
    if (ci.lower <= auc && auc <= ci.upper) inside++;
  }
  assert.ok(inside / B > 0.917 && inside / B < 0.983, `bootstrap AUCs inside: ${inside / B}`);
});

test('the 95% interval covers the population AUC in about 95% of samples, and holds about 95% of bootstrap resamplings (seeded)', () => {
  // Binormal population, d = 1: AUC = Phi(1 / sqrt 2) = 0.76025 (continuous scores; rounding to
  // 0.01 moves it by less than 1e-4). 400 samples of 500 rows at a 10% positive rate.
  const truth = 0.7602499389065233;
  const rng = new Rng(2024);
  let covered = 0;
  const K = 400;
  for (let k = 0; k < K; k++) {
    const ci = aucInterval(sortRows(binormal(rng, 500, 0.1, 1)))!;
    if (ci.lower <= truth && truth <= ci.upper) covered++;
  }
  // Binomial sd of the share at 95% over 400 samples: 0.011; allow three.
  assert.ok(covered / K > 0.917 && covered / K < 0.983, `coverage ${covered / K}`);
  // One sample's interval against the AUCs of its bootstrap resamplings.
  const sample = binormal(rng, 2000, 0.1, 1);
  const ci = aucInterval(sortRows(sample))!;
  let inside = 0;
  const B = 400;
  for (let b = 0; b < B; b++) {
    const idx = Array.from({ length: 2000 }, () => rng.int(2000));
    const auc = rocAuc({ scores: idx.map((i) => sample.scores[i]!), labels: idx.map((i) => sample.labels[i]!) }).value!;
    if (ci.lower <= auc && auc <= ci.upper) inside++;
  }
  assert.ok(inside / B > 0.917 && inside / B < 0.983, `bootstrap AUCs inside: ${inside / B}`);
});

test('no interval without two rows of each class, or with NaN scores', () => {
  assert.equal(aucInterval(sortRows({ scores: [0.1, 0.2, 0.3], labels: [0, 1, 0] })), null);
  assert.equal(aucInterval(sortRows({ scores: [0.1, NaN, 0.3, 0.4], labels: [0, 1, 0, 1] })), null);
});
