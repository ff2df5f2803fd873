// The deterministic 1000-row case whose reference values come from scikit-learn 1.2.1 via
// scratch script (reproduced in the comment of each test): integer formulas only, so Python and
// JS compute bit-identical inputs.
//   a = (i * 7919) % 101;  score = a / 128;  label = ((i * 13) % 10 + a / 10) > 9 ? 1 : 0
//   weight = 1 + (i % 5) / 4
export function referenceCase(n = 1000): { scores: Float64Array; labels: Float32Array; weights: Float64Array; a: Float64Array } {
  const scores = new Float64Array(n);
  const labels = new Float32Array(n);
  const weights = new Float64Array(n);
  const a = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    a[i] = (i * 7919) % 101;
    scores[i] = a[i]! / 128;
    labels[i] = ((i * 13) % 10) + a[i]! / 10 > 9 ? 1 : 0;
    weights[i] = 1 + (i % 5) / 4;
  }
  return { scores, labels, weights, a };
}

export function assertClose(actual: number | undefined, expected: number, tol = 1e-9, what = 'value'): void {
  if (actual === undefined || !(Math.abs(actual - expected) <= tol)) {
    throw new Error(`${what}: expected ${expected} (±${tol}), got ${actual}`);
  }
}
