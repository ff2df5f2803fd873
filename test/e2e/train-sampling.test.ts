// training.negativeSampling end to end: fewer training rows, the rate and the calibration without
// and with the correction in metadata.json and in `mmoe eval`, and config errors that say why.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { generateCtr } from '../../src/data/generate-ctr.js';
import { mmoe, TINY_CONFIG } from '../eval/fixtures.js';

const root = mkdtempSync(join(tmpdir(), 'mmoe-sampling-e2e-'));
const data = join(root, 'data');
after(() => rmSync(root, { recursive: true, force: true }));
before(async () => {
  await generateCtr({ out: data, startDate: '20260101', days: 3, rowsPerDay: 4000, seed: 21 });
});

function config(name: string, extra: Record<string, unknown>, model: Record<string, unknown> = TINY_CONFIG.model): string {
  const file = join(root, `${name}.json`);
  writeFileSync(file, JSON.stringify({ ...TINY_CONFIG, model, training: { ...TINY_CONFIG.training, epochs: 2, ...extra } }));
  return file;
}

async function train(name: string, cfg: string) {
  const models = join(root, `models-${name}`);
  const r = await mmoe('train', '--train-data-dir', data, '--cur-date', '20260102', '--config', cfg, '--model-output-dir', models, '--log-dir', join(root, 'logs'), '--quiet');
  assert.equal(r.code, 0, r.err);
  const dir = join(models, '20260102');
  return { dir, meta: JSON.parse(readFileSync(join(dir, 'metadata.json'), 'utf8')) };
}

test('a model trained on sampled negatives reports the rate and its calibration before and after the correction, in metadata and eval', async () => {
  const full = await train('full', config('full', {}));
  const sampled = await train('sampled', config('sampled', { negativeSampling: { task: 'ctr', rate: 0.3, seed: 5 } }));
  const ns = sampled.meta.negativeSampling;
  assert.equal(ns.task, 'ctr');
  assert.equal(ns.rate, 0.3);
  assert.equal(ns.seed, 5);
  assert.equal(full.meta.negativeSampling, null);
  const kept = sampled.meta.rows.train + sampled.meta.rows.valid;
  assert.equal(kept + ns.negativesDropped, 8000);
  assert.ok(kept < 0.6 * 8000, `fewer rows: ${kept}`);
  assert.equal(typeof ns.calibration.before, 'number');
  assert.equal(typeof ns.calibration.after, 'number');
  assert.ok(ns.calibration.before > ns.calibration.after, `without the correction the scores run high: ${JSON.stringify(ns.calibration)}`);
  // The validation loss estimates the population's log loss, as the validation metrics do (kept
  // negatives weighted, the corrected probability), not a loss ten times larger than training's.
  for (const m of [full.meta, sampled.meta]) {
    const best = m.history[m.epochs.best - 1];
    const logLoss = m.bestValidation.ctr.logLoss;
    assert.ok(Math.abs(best.validTaskLosses.ctr - logLoss) < 2e-3 * logLoss, `validation loss ${best.validTaskLosses.ctr} vs validation log loss ${logLoss}`);
  }

  const e = await mmoe('eval', '--model', sampled.dir, '--data-dir', data, '--dates', '20260103', '--format', 'json');
  assert.equal(e.code, 0, e.err);
  const doc = JSON.parse(e.out);
  const ctr = doc.tasks.find((t: { name: string }) => t.name === 'ctr');
  assert.equal(ctr.sampling.rate, 0.3);
  assert.ok(Math.abs(ctr.sampling.calibrationAfter - ctr.binary.calibration.value) < 1e-6, 'as published = the report calibration');
  assert.ok(ctr.sampling.calibrationBefore > 1.3 * ctr.sampling.calibrationAfter, JSON.stringify(ctr.sampling));
  assert.equal(doc.tasks.find((t: { name: string }) => t.name === 'ctcvr').sampling, undefined);
  const table = await mmoe('eval', '--model', sampled.dir, '--data-dir', data, '--dates', '20260103');
  assert.match(table.out, /Negative sampling \(calibration = mean score \/ label rate\)/);
});

test('with a validation day, the validation loss of a sampled model is the log loss of its published probabilities on that day', async () => {
  const m = await train('sampled-date', config('sampled-date', { negativeSampling: { task: 'ctr', rate: 0.3, seed: 5 }, validation: { date: '20260103' } }));
  const best = m.meta.history[m.meta.epochs.best - 1];
  const logLoss = m.meta.bestValidation.ctr.logLoss;
  assert.ok(Math.abs(best.validTaskLosses.ctr - logLoss) < 2e-3 * logLoss, `validation loss ${best.validTaskLosses.ctr} vs validation log loss ${logLoss}`);
});

test('negativeSampling must name a binary task, and under ESMM the CTR task', async () => {
  let r = await mmoe('train', '--train-data-dir', data, '--cur-date', '20260102', '--config', config('bad1', { negativeSampling: { task: 'nope', rate: 0.1 } }), '--model-output-dir', join(root, 'm'));
  assert.equal(r.code, 2);
  assert.match(r.err, /key 'training.negativeSampling.task': value "nope" must name a binary task; allowed: ctr, ctcvr/);
  r = await mmoe('train', '--train-data-dir', data, '--cur-date', '20260102', '--config', config('bad2', { negativeSampling: { task: 'ctr', rate: 0 } }), '--model-output-dir', join(root, 'm'));
  assert.equal(r.code, 2);
  assert.match(r.err, /training.negativeSampling.rate/);
  const esmm = { type: 'esmm', esmm: { ctrTask: 'ctr', ctcvrTask: 'ctcvr' }, experts: { units: [8] }, towers: { units: [4] } };
  r = await mmoe('train', '--train-data-dir', data, '--cur-date', '20260102', '--config', config('bad3', { negativeSampling: { task: 'ctcvr', rate: 0.1 } }, esmm), '--model-output-dir', join(root, 'm'));
  assert.equal(r.code, 2);
  assert.match(r.err, /ESMM's CTCVR product, which has no logit to correct; sample on the CTR task "ctr"/);
});
