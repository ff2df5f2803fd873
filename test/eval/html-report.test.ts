import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { toEvalDocument } from '../../src/eval/eval-document.js';
import { renderHtmlReport } from '../../src/eval/html-report.js';
import { aucGate } from '../../src/eval/quality-gate.js';
import { esc, niceTicks } from '../../src/eval/svg-charts.js';
import { overlappingTexts, renderInChromium } from './chromium.js';
import { syntheticOutcome, syntheticTraining } from './fixtures.js';

const HOSTILE = '<script>alert(1)</script>';

function hostileDocument() {
  const names = [HOSTILE, 'ctcvr', 'watch'];
  const run = syntheticOutcome(names, { path: '"><img src=x onerror=alert(2)>', training: syntheticTraining(names) });
  return toEvalDocument(run, { threshold: 0.5, groupBy: "user'<b>", qualityGate: null, mmoeVersion: 'test' });
}

/** A model against a baseline that scores worse, failing the gate, with long task names. */
function reviewDocument() {
  const names = ['click_through_rate_of_the_feed', 'ctcvr', 'watch_seconds'];
  const run = syntheticOutcome(names, { training: syntheticTraining(names) });
  const worse = syntheticOutcome(names);
  for (const t of worse.report.tasks) if (t.binary) t.binary.metrics.auc = { value: t.binary.metrics.auc.value! - 0.02 };
  run.baseline = { model: { ...worse.model, path: 'models/20260101' }, report: worse.report, sameSpec: true, badRows: { total: 0, byReason: {} } };
  run.thresholds.baseline = run.thresholds.model;
  const gate = aucGate(worse.report, run.report, 0.005); // the baseline as the model: it lost 0.02
  return toEvalDocument(run, { threshold: 'auto', qualityGate: gate, maxAucDrop: 0.005, mmoeVersion: 'test' });
}

function tempFile(t: { after(fn: () => void): void }, html: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'mmoe-report-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'report.html');
  writeFileSync(file, html);
  return file;
}

test('esc escapes the five HTML metacharacters', () => {
  assert.equal(esc(`<a href="x" title='y'>&</a>`), '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
});

test('ticks sit at round values (1, 2, 2.5 or 5 times a power of ten)', () => {
  assert.deepEqual(niceTicks(0, 1), [0, 0.2, 0.4, 0.6, 0.8, 1]);
  assert.deepEqual(niceTicks(0, 0.0372), [0, 0.01, 0.02, 0.03]);
  assert.deepEqual(niceTicks(0.6, 0.7), [0.6, 0.62, 0.64, 0.66, 0.68, 0.7]);
  assert.deepEqual(niceTicks(1, 4, 5, true), [1, 2, 3, 4]);
});

test('task names, paths and column names from data are escaped everywhere in the page', () => {
  const html = renderHtmlReport(hostileDocument());
  assert.ok(!html.includes(HOSTILE), 'raw <script> from a task name must not reach the page');
  assert.ok(!html.includes('<img'), 'raw markup from the model path must not reach the page');
  assert.ok(!html.includes("user'<b>"), 'the group-by column is escaped');
  assert.ok(html.includes('&lt;script&gt;alert(1)&lt;/script&gt;'), 'the name is shown, escaped');
  // Exactly one script element: the report's own.
  assert.equal(html.match(/<script/g)?.length, 1);
});

test('the report is self-contained: no external URL, only its own hashed script may run', () => {
  const html = renderHtmlReport(hostileDocument());
  assert.doesNotMatch(html, /(src|href)=["']?(https?:)?\/\//i);
  assert.doesNotMatch(html, /@import|@font-face|url\(/i);
  assert.match(html, /Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-[A-Za-z0-9+/=]+'"/);
});

test('a review reads top down: failed gate first, then the baseline differences; gates shown once; warnings as nested lists', () => {
  const html = renderHtmlReport(reviewDocument());
  const at = (s: string) => {
    const i = html.indexOf(s);
    assert.ok(i >= 0, s);
    return i;
  };
  assert.ok(at('<div class="banner failed"><strong>Quality gate FAILED</strong>') < at('<h2>Against the baseline</h2>'));
  assert.ok(at('<h2>Against the baseline</h2>') < at('<h2>Summary</h2>'));
  assert.ok(at('<h2>Summary</h2>') < at('<h2>Tasks</h2>'));
  for (const s of ['Precision-recall of ctcvr', 'Confusion matrix at threshold', 'Threshold sweep', '<h2>Training run</h2>', 'Loss per epoch', 'Validation AUC per epoch', 'mmoe: 3 experts of [16], towers [8]', 'AUC 95% CI'])
    at(s);
  assert.equal(html.split('Mean gate weight by task and expert').length - 1, 2, 'the heat map once (its title and its accessible name)');
  assert.doesNotMatch(html, /<th>e0<\/th>/, 'no second table of gate weights');
  const doc = reviewDocument();
  doc.gateWarnings = [{ code: 'uniform', tasks: ['ctcvr'], message: 'near-uniform', causes: ['the gates have not trained yet'] }];
  const warned = renderHtmlReport(doc);
  assert.match(warned, /<li class="warning"><strong>warning:<\/strong> near-uniform<ul><li>likely cause: the gates have not trained yet<\/li><\/ul><\/li>/);
  assert.doesNotMatch(warned, /- likely cause/);
});

test('headless Chromium renders every task and chart with no console message, no request and no script error', async (t) => {
  const file = tempFile(t, renderHtmlReport(hostileDocument()));
  const { dom, console, requests, charts } = await renderInChromium(file);
  assert.deepEqual(console, [], 'no console output, no uncaught error, no CSP violation');
  assert.deepEqual(requests, [], 'the page loads nothing');
  const count = Number(dom.match(/data-charts="(\d+)"/)?.[1]);
  // Two binary tasks x (ROC, precision-recall, calibration, histogram) + the gate heat map + loss and AUC and MSE per epoch.
  assert.equal(count, 12);
  assert.equal(charts.length, 12);
  assert.match(dom, new RegExp(`data-charts-rendered="${count}"`), 'the script ran and every chart laid out with a size');
  for (const name of ['&lt;script&gt;alert(1)&lt;/script&gt;', 'ctcvr', 'watch']) assert.ok(dom.includes(name), `task ${name} shown`);
  assert.ok(!dom.includes(HOSTILE));
  for (const c of charts) assert.ok(c.texts.some((x) => x.text === c.label && x.box.width > 0), `"${c.label}" has a visible title`);
});

test('screenshot check: no two text boxes of a chart overlap, on screen and printed on A4, and every text lies inside its chart', async (t) => {
  for (const [name, doc] of [['hostile', hostileDocument()], ['review', reviewDocument()]] as const) {
    const file = tempFile(t, renderHtmlReport(doc));
    for (const media of ['screen', 'print'] as const) {
      const r = await renderInChromium(file, { media, width: media === 'print' ? 794 : 1200 });
      assert.ok(r.screenshot.length > 10_000, 'a screenshot was taken');
      for (const c of r.charts) {
        assert.deepEqual(overlappingTexts(c), [], `${name} ${media}: overlapping labels in "${c.label}"`);
        for (const x of c.texts) {
          const inside = x.box.x >= c.box.x - 0.5 && x.box.x + x.box.width <= c.box.x + c.box.width + 0.5 && x.box.y >= c.box.y - 0.5 && x.box.y + x.box.height <= c.box.y + c.box.height + 0.5;
          assert.ok(inside, `${name} ${media}: "${x.text}" sticks out of "${c.label}"`);
        }
        if (media === 'print') assert.ok(c.box.x + c.box.width <= 794, `${name}: "${c.label}" fits an A4 page`);
      }
    }
  }
});

test('the overlap check catches overlapping labels (it can fail)', async (t) => {
  const file = tempFile(
    t,
    '<!doctype html><svg class="chart" aria-label="bad" width="200" height="60"><text x="10" y="20">a long label</text><text x="40" y="24">another</text><text x="10" y="50">clear</text></svg>',
  );
  const [chart] = (await renderInChromium(file)).charts;
  assert.deepEqual(overlappingTexts(chart!), [['a long label', 'another']]);
});
