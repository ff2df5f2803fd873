import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { toEvalDocument } from '../../src/eval/eval-document.js';
import { renderHtmlReport } from '../../src/eval/html-report.js';
import { esc } from '../../src/eval/svg-charts.js';
import { renderInChromium } from './chromium.js';
import { syntheticOutcome } from './fixtures.js';

const HOSTILE = '<script>alert(1)</script>';

function hostileDocument() {
  const run = syntheticOutcome([HOSTILE, 'ctcvr', 'watch'], { path: '"><img src=x onerror=alert(2)>' });
  return toEvalDocument(run, { threshold: 0.5, groupBy: "user'<b>", qualityGate: null, mmoeVersion: 'test' });
}

test('esc escapes the five HTML metacharacters', () => {
  assert.equal(esc(`<a href="x" title='y'>&</a>`), '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
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

test('headless Chromium renders every task and chart with no console message or script error', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'mmoe-report-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'report.html');
  writeFileSync(file, renderHtmlReport(hostileDocument()));
  const { dom, console, requests } = await renderInChromium(file);
  assert.deepEqual(requests, [], 'the page loads nothing');
  assert.deepEqual(console, [], 'no console output, no uncaught error, no CSP violation');
  const charts = Number(dom.match(/data-charts="(\d+)"/)?.[1]);
  // Two binary tasks x (ROC, calibration, histogram) + the gate heat map.
  assert.equal(charts, 7);
  assert.match(dom, new RegExp(`data-charts-rendered="${charts}"`), 'the script ran and every chart laid out with a size');
  for (const name of ['&lt;script&gt;alert(1)&lt;/script&gt;', 'ctcvr', 'watch']) assert.ok(dom.includes(name), `task ${name} shown`);
  assert.ok(!dom.includes(HOSTILE));
});
