import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { AUTO_RULES, autoChoice } from '../src/backend-choice.js';

test('auto scores on wasm first with folded first layers, on the engine measured faster for the plain graph otherwise', () => {
  const folded = autoChoice({ kind: 'score', folded: true });
  assert.deepEqual(folded.order, ['wasm', 'tensorflow', 'cpu']);
  assert.match(folded.reason, /^auto for scoring with folded first layers: wasm first/);
  const graph = autoChoice({ kind: 'score', folded: false });
  assert.equal(graph.order[0], AUTO_RULES.scoreGraph.engine);
  assert.match(graph.reason, /plain graph \(--fold-budget 0\)/);
});

test('auto trains on wasm under the measured crossover and on tensorflow from it on, and says why with the numbers', () => {
  const x = AUTO_RULES.train.crossoverMacs;
  const small = autoChoice({ kind: 'train', denseMacs: x - 1 });
  assert.deepEqual(small.order, ['wasm', 'tensorflow', 'cpu']);
  assert.match(small.reason, new RegExp(`${(x - 1).toLocaleString('en-US')} multiply-adds per row, under the measured crossover of ${x.toLocaleString('en-US')}`));
  const wide = autoChoice({ kind: 'train', denseMacs: x });
  assert.deepEqual(wide.order, ['tensorflow', 'wasm', 'cpu']);
  assert.match(wide.reason, /at or over the measured crossover/);
});

test('anything else takes the first installed of tensorflow, wasm, cpu', () => {
  assert.deepEqual(autoChoice({ kind: 'any' }).order, ['tensorflow', 'wasm', 'cpu']);
});

test('docs/backends.md states the rule the code applies', () => {
  const doc = readFileSync('docs/backends.md', 'utf8');
  const x = AUTO_RULES.train.crossoverMacs.toLocaleString('en-US');
  assert.match(doc, new RegExp(`under ${x} dense multiply-adds per row \\| ${AUTO_RULES.train.below}`));
  assert.match(doc, new RegExp(`${x} or more \\| ${AUTO_RULES.train.atOrAbove}`));
  assert.match(doc, new RegExp(`folded first layers \\(default\\) \\| ${AUTO_RULES.scoreFolded.engine}`));
  assert.match(doc, new RegExp(`plain graph \\(\`--fold-budget 0\`\\) \\| ${AUTO_RULES.scoreGraph.engine}`));
});
