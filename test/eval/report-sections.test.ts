import assert from 'node:assert/strict';
import { test } from 'node:test';
import { toEvalDocument } from '../../src/eval/eval-document.js';
import { formatMarkdown, formatTable } from '../../src/eval/format-text.js';
import { metricText, reportSections } from '../../src/eval/report-sections.js';
import { syntheticOutcome } from './fixtures.js';

test('metricText: numbers at fixed precision, undefined metrics as "undefined (why)"', () => {
  assert.equal(metricText({ value: 0.123456 }), '0.1235');
  assert.equal(metricText({ value: null, reason: 'AUC is undefined: no positive rows (only one class present)' }), 'undefined (only one class)');
  assert.equal(metricText({ value: null, reason: 'precision is undefined: no row scored above the threshold' }), 'undefined (no row scored above the threshold)');
});

test('sections: binary, regression, gates and relatedness; markdown escapes markup and pipes', () => {
  const doc = toEvalDocument(syntheticOutcome(['ctr', 'a|<b>', 'watch']), { threshold: 0.5, qualityGate: null, mmoeVersion: 'test' });
  assert.deepEqual(reportSections(doc).map((s) => s.title), ['Binary tasks', 'Regression tasks', 'Gates (mean weight per expert)', 'Task relatedness']);
  const md = formatMarkdown(doc);
  assert.match(md, /\| a\\\|&lt;b&gt; \| 400 \|/);
  assert.doesNotMatch(md, /<b>/);
  const table = formatTable(doc);
  assert.match(table, /^model {5}models\/latest -> models\/20260102 \(mmoe, trained through 20260102\)$/m);
  assert.match(table, /^watch +original +400 /m);
});
