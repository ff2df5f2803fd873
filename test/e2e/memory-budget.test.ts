// The memory ceiling through the CLI (issue 10 item 9): training.data "auto" (the default) keeps
// the rows in memory when they fit --memory-budget, streams when the estimate says they would
// not, and switches to streaming when a low estimate is found out while reading; "memory" stops
// cleanly instead of growing; eval refuses before reading, or as soon as its buffers would outgrow.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ctrDays, mmoe, saveUntrained, TINY_CONFIG } from '../eval/fixtures.js';

const root = mkdtempSync(join(tmpdir(), 'mmoe-memory-'));
const data = join(root, 'data');
const misleading = join(root, 'misleading');
const ROWS = 12_000;

after(() => rmSync(root, { recursive: true, force: true }));
before(async () => {
  await ctrDays(data, ROWS);
  // The same rows with a `pad` column that is long in the first rows only: an estimate from the
  // start of the files sees about a tenth of the rows there are.
  await ctrDays(misleading, ROWS);
  for (const day of ['20260101', '20260102']) {
    const file = join(misleading, day, 'part-00000.csv');
    const [header, ...rows] = readFileSync(file, 'utf8').trim().split('\n');
    writeFileSync(file, `${header},pad\n${rows.map((r, i) => `${r},${i < 300 ? 'x'.repeat(2000) : ''}`).join('\n')}\n`);
  }
});

async function train(name: string, dataDir: string, training: Record<string, unknown>, ...extra: string[]) {
  const config = join(root, `${name}.json`);
  writeFileSync(config, JSON.stringify({ ...TINY_CONFIG, training: { ...TINY_CONFIG.training, epochs: 1, ...training } }));
  const models = join(root, `models-${name}`);
  const r = await mmoe('train', '--train-data-dir', dataDir, '--cur-date', '20260102', '--config', config, '--model-output-dir', models, '--log-dir', join(root, 'logs'), '--quiet', ...extra);
  const meta = r.code === 0 ? JSON.parse(readFileSync(join(models, '20260102', 'metadata.json'), 'utf8')) : null;
  return { ...r, meta };
}

test('auto (the default) keeps rows that fit the budget in memory, and says so', async () => {
  const r = await train('fits', data, {});
  assert.equal(r.code, 0, r.err);
  assert.equal(r.meta.dataMode.requested, 'auto');
  assert.equal(r.meta.dataMode.used, 'memory');
  assert.match(r.meta.dataMode.reason, /about [\d,]+ rows \(estimated from .* of CSV\) need about .* in memory, within the memory budget of .* \(the default, half of the .*\): kept in memory/);
});

test('auto streams when the estimated rows exceed --memory-budget; same rows and hold-out as in memory', async () => {
  const r = await train('estimated', data, {}, '--memory-budget', '1M');
  assert.equal(r.code, 0, r.err);
  assert.equal(r.meta.dataMode.used, 'stream');
  assert.match(r.meta.dataMode.reason, /need about .* in memory, over the memory budget of 1\.0 MiB \(--memory-budget 1\.0 MiB\): the days are read again every epoch/);
  const inMemory = await train('estimated-ref', data, {});
  assert.deepEqual([r.meta.rows.train, r.meta.rows.valid], [inMemory.meta.rows.train, inMemory.meta.rows.valid]);
});

test('auto switches to streaming when a low estimate is found out while reading (it never grows past the budget)', async () => {
  const r = await train('switch', misleading, {}, '--memory-budget', '1M');
  assert.equal(r.code, 0, r.err);
  assert.equal(r.meta.dataMode.used, 'stream');
  assert.match(r.meta.dataMode.reason, /within the memory budget .* kept in memory; then the training rows outgrew the memory budget at .*part-00000\.csv:\d+ \(.* over the memory budget of 1\.0 MiB .*\): the days are read again every epoch/);
  assert.equal(r.meta.rows.train + r.meta.rows.valid, 2 * ROWS);
  // The statistics are in the config, so the first epoch had started while a thread read: it
  // started over on streamed rows, with one TensorBoard event file.
  assert.equal(r.meta.timings.readOverlapped, false);
  assert.equal(readdirSync(join(r.meta.logDir, 'train')).length, 1, 'one event file');
});

test('training.data "memory" over the budget stops cleanly: exit 3 naming file and line, and what to change', async () => {
  const r = await train('memory', data, { data: 'memory' }, '--memory-budget', '1M');
  assert.equal(r.code, 3, r.err);
  assert.match(r.err, /part-00000\.csv:\d+: the training rows do not fit in memory: .* over the memory budget of 1\.0 MiB \(--memory-budget 1\.0 MiB\); set training\.data to "auto" .* or raise --memory-budget/);
  assert.equal((await mmoe('train', '--memory-budget', 'lots')).code, 2);
});

test('eval says what its metrics need before reading, and stops as soon as a low estimate is found out', async () => {
  const model = join(root, 'model');
  await saveUntrained(model, TINY_CONFIG);
  const ok = await mmoe('eval', '--model', model, '--data-dir', data, '--dates', '20260101,20260102', '--memory-budget', '64M');
  assert.equal(ok.code, 0, ok.err);
  const up = await mmoe('eval', '--model', model, '--data-dir', data, '--dates', '20260101,20260102', '--memory-budget', '1M');
  assert.equal(up.code, 3, up.err);
  assert.match(up.err, /eval would hold about 1\.\d MiB for its metrics \(about [\d,]+ rows estimated from .* of CSV, 69 bytes per row\), over the memory budget of 1\.0 MiB \(--memory-budget 1\.0 MiB\); evaluate fewer days/);
  const late = await mmoe('eval', '--model', model, '--data-dir', misleading, '--dates', '20260101,20260102', '--memory-budget', '1M');
  assert.equal(late.code, 3, late.err);
  assert.match(late.err, /part-00000\.csv:\d+: eval's metrics would need more than 1\.\d MiB by this row \([\d,]+ rows x 69 bytes; the size estimate said [\d,]+ rows\), over the memory budget of 1\.0 MiB/);
});

test('the promotion gate keeps to --memory-budget: scores that would not fit refuse the new model (kept, latest stays); a hold-out that fits is not refused by an estimate of whole days', async () => {
  const config = join(root, 'gate.json');
  writeFileSync(config, JSON.stringify({ ...TINY_CONFIG, training: { ...TINY_CONFIG.training, epochs: 1 } }));
  const models = join(root, 'models-gate');
  const night = (curDate: string, days: string, ...extra: string[]) =>
    mmoe('train', '--train-data-dir', data, '--cur-date', curDate, '--days', days, '--config', config, '--model-output-dir', models, '--log-dir', join(root, 'logs'), '--quiet', ...extra);
  const first = await night('20260101', '1');
  assert.equal(first.code, 0, first.err);
  // Both models' scores of the 12,000 rows of 20260102: about 1.6 MiB, over a budget of 1 MiB.
  const over = await night('20260101', '1', '--gate', 'max-auc-drop=0.5', '--gate-dates', '20260102', '--memory-budget', '1M');
  assert.equal(over.code, 4, over.err);
  assert.match(over.err, /the promotion gate cannot score 20260102 within the memory budget \(.*eval would hold about 1\.\d MiB for its metrics .* 138 bytes per row\), over the memory budget of .* \(--memory-budget 1\.0 MiB, less the .* of rows held\); pass --gate-dates with fewer rows, or raise --memory-budget\); promote the new model by hand/);
  assert.match(over.err, /latest still points at 20260101, the refused model is kept in .*20260101-refused/);
  const status = JSON.parse(readFileSync(join(models, 'status.json'), 'utf8'));
  assert.equal(status.latest, '20260101');
  assert.equal(status.lastAttempt.outcome, 'refused');
  // The hold-out of two days: whole days would estimate 24,000 rows (3.2 MiB), the held-out tenth is about 0.3 MiB.
  const holdout = await night('20260102', '2', '--gate', 'max-auc-drop=0.5', '--memory-budget', '2M');
  assert.equal(holdout.code, 0, holdout.err);
  const passed = JSON.parse(readFileSync(join(models, 'status.json'), 'utf8')).lastAttempt;
  assert.equal(passed.outcome, 'promoted');
  assert.match(passed.reason, /passed the promotion gate/);
});
