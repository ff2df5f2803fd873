import assert from 'node:assert/strict';
import { test } from 'node:test';
import { toEvalDocument } from '../../src/eval/eval-document.js';
import { formatMarkdown, formatTable } from '../../src/eval/format-text.js';
import { metricText, reportSections } from '../../src/eval/report-sections.js';
import { syntheticOutcome } from './fixtures.js';

test('metricText: numbers at fixed precision, undefined metrics as "undefined (why)" (tables show n/a and the reason under them)', () => {
  assert.equal(metricText({ value: 0.123456 }), '0.1235');
  assert.equal(metricText({ value: null, reason: 'AUC is undefined: no positive rows (only one class present)' }), 'undefined (only one class)');
  assert.equal(metricText({ value: null, reason: 'precision is undefined: no row scored above the threshold' }), 'undefined (no row scored above the threshold)');
});

test('sections: binary, regression, gates and relatedness; markdown escapes markup and pipes', () => {
  const doc = toEvalDocument(syntheticOutcome(['ctr', 'a|<b>', 'watch']), { threshold: 0.5, qualityGate: null, mmoeVersion: 'test' });
  assert.deepEqual(reportSections(doc).map((s) => s.title), [
    'Binary tasks',
    'At the threshold (predicted positive: score > threshold)',
    'Regression tasks',
    'Gates (mean weight per expert)',
    'Task relatedness',
  ]);
  const md = formatMarkdown(doc);
  assert.match(md, /\| a\\\|\\<b> \| 400 \|/);
  assert.doesNotMatch(md, /[^\\]<b>/);
  assert.match(md, /^- \*\*model\*\* models\/latest -> models\/20260102 /m, 'an arrow stays an arrow');
  assert.doesNotMatch(md, /&gt;|&lt;|&amp;/);
  const table = formatTable(doc);
  assert.match(table, /^model {5}models\/latest -> models\/20260102 \(mmoe, trained through 20260102\)$/m);
  assert.match(table, /^watch +original +400 /m);
});

test('an undefined metric is n/a in its cell and the reason goes under the table, so columns stay narrow', () => {
  const run = syntheticOutcome(['ctr', 'ctcvr', 'watch']);
  const b = run.report.tasks[1]!.binary!;
  b.metrics.precision = { value: undefined, reason: 'precision is undefined: no row scored above the threshold' };
  const doc = toEvalDocument(run, { threshold: 0.5, qualityGate: null, mmoeVersion: 'test' });
  const table = formatTable(doc);
  assert.match(table, /^n\/a: ctcvr precision: no row scored above the threshold$/m);
  const line = table.split('\n').find((l) => l.startsWith('ctcvr ') && l.includes('n/a'))!;
  assert.ok(line.length < 90, line);
  assert.doesNotMatch(table, /undefined \(/);
});

test('markdown escaping keeps text readable: arrows, ampersands and underscores as they are', async () => {
  const { mdText } = await import('../../src/eval/format-text.js');
  assert.equal(mdText('a -> b & c_d'), 'a -> b & c_d');
  assert.equal(mdText('x|y <i>*z* `q` &amp; \\'), 'x\\|y \\<i>\\*z\\* \\`q\\` \\&amp; \\\\');
});
