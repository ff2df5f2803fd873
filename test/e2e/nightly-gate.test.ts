// The nightly job through the CLI: the promotion gate (a worse model refused, a better one promoted,
// an undefined AUC refuses), then `mmoe rollback` and `mmoe promote`.
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { acquireLock } from '../../src/model-root/lock.js';
import { mmoe, TINY_CONFIG } from '../eval/fixtures.js';
import { type Nights, nights, readMetadata } from './nightly-fixtures.js';

let n: Nights;
let root = '';
let config = '';
before(async () => {
  n = await nights('nightly-gate');
  ({ root, config } = n);
});
after(() => n.cleanup());
const night: Nights['night'] = (...a) => n.night(...a);
const meta = readMetadata;
const gate = ['--gate', 'max-auc-drop=0.005'];

test('gated nights: the first passes, a better model is promoted, a worse one is refused (exit 4) and kept on disk', async () => {
  const models = join(root, 'gated', 'models');
  const first = await night(models, '20260101', { untrained: true }, ...gate);
  assert.equal(first.code, 0, first.err);
  assert.equal(readlinkSync(join(models, 'latest')), '20260101');
  assert.equal(meta(join(models, '20260101')).promotion.status, 'promoted');
  assert.match(meta(join(models, '20260101')).promotion.reason, /the first model of .*: no latest model to compare with/);

  const better = await night(models, '20260102', {}, ...gate);
  assert.equal(better.code, 0, better.err);
  assert.equal(readlinkSync(join(models, 'latest')), '20260102');
  assert.equal(readlinkSync(join(models, 'previous')), '20260101');
  const promotion = meta(join(models, '20260102')).promotion;
  assert.equal(promotion.status, 'promoted');
  assert.equal(promotion.against, '20260101');
  assert.match(promotion.gate.on, /the hold-out \(validRatio 0\.3, seed 2022\) of 20260102/);
  assert.ok(promotion.gate.rows > 1600 && promotion.gate.rows < 2000, `hold-out rows ${promotion.gate.rows}`);
  for (const c of promotion.gate.checks) assert.ok(c.passed && c.auc > c.baselineAuc, JSON.stringify(c));

  const latestBefore = readFileSync(join(models, 'latest', 'metadata.json'), 'utf8');
  const worse = await night(models, '20260103', { untrained: true }, ...gate);
  assert.equal(worse.code, 4, worse.err);
  assert.match(worse.err, /refused by the promotion gate \(max AUC drop 0\.005\) against 20260102 on \d+ rows; latest still points at 20260102/);
  assert.match(worse.err, /task 'ctr': AUC 0\.\d{6} \(new\) vs 0\.\d{6} \(latest = 20260102\), drop 0\.\d{6}: refused \(AUC dropped by/);
  assert.match(worse.err, /task 'ctcvr': AUC /);
  assert.match(worse.err, /mmoe promote .*20260103 serves it anyway/);
  assert.equal(readlinkSync(join(models, 'latest')), '20260102', 'latest untouched');
  assert.equal(readFileSync(join(models, 'latest', 'metadata.json'), 'utf8'), latestBefore);
  assert.equal(readlinkSync(join(models, 'previous')), '20260101');
  const refused = meta(join(models, '20260103'));
  assert.equal(refused.promotion.status, 'refused');
  assert.ok(existsSync(join(models, '20260103', 'model.json')), 'the refused model stays on disk');

  // A warm start never continues from a refused model.
  const warm = await night(models, '20260104', {}, '--warm-start', 'auto', '--epochs', '1');
  assert.equal(warm.code, 0, warm.err);
  assert.match(meta(join(models, '20260104')).warmStart.from, /20260102$/);
});

test('an AUC the gate cannot compute (one class on --gate-dates) refuses, as eval does', async () => {
  const models = join(root, 'undefined', 'models');
  assert.equal((await night(models, '20260101', { untrained: true })).code, 0);
  const r = await night(models, '20260102', { untrained: true }, ...gate, '--gate-dates', '20260201');
  assert.equal(r.code, 4, r.err);
  assert.match(r.err, /task 'ctcvr': AUC undefined \(new\) vs undefined \(latest = 20260101\), drop n\/a: refused \(the model's AUC is undefined \(.*only one class/);
  assert.equal(readlinkSync(join(models, 'latest')), '20260101');
  assert.equal(meta(join(models, '20260102')).promotion.gate.on, '20260201');
});

test('a latest that cannot be compared (damaged, or needing a column the data dropped) refuses the new model, which is kept', async () => {
  // Damaged files of the current model: not a crash (exit 1) that throws the night's model away.
  const damaged = join(root, 'damaged', 'models');
  assert.equal((await night(damaged, '20260101', {}, '--epochs', '1')).code, 0);
  writeFileSync(join(damaged, '20260101', 'model.json'), 'garbage');
  const r = await night(damaged, '20260102', {}, '--epochs', '1', ...gate);
  assert.equal(r.code, 4, r.err);
  assert.match(r.err, /the current model .*20260101 cannot be opened to compare with \(.*model\.json: is not valid JSON .*\); promote the new model by hand/);
  assert.equal(readlinkSync(join(damaged, 'latest')), '20260101');
  assert.equal(meta(join(damaged, '20260102')).promotion.status, 'refused');

  // The config drops a feature and the data drops its column the same day: latest, trained with
  // it, cannot read the gate's rows. The data is fine for the new model, so this is no data error.
  const data = join(root, 'dropped-column');
  cpSync(join(n.data, '20260101'), join(data, '20260101'), { recursive: true });
  mkdirSync(join(data, '20260102'));
  for (const f of readdirSync(join(n.data, '20260102')).filter((x) => x.endsWith('.csv'))) {
    const lines = readFileSync(join(n.data, '20260102', f), 'utf8').split('\n');
    const drop = lines[0]!.split(',').indexOf('site_domain');
    writeFileSync(join(data, '20260102', f), lines.map((l) => l && l.split(',').filter((_, i) => i !== drop).join(',')).join('\n'));
  }
  const withDomain = join(root, 'with-domain.json');
  const tiny = JSON.parse(readFileSync(config, 'utf8'));
  writeFileSync(withDomain, JSON.stringify({ ...tiny, features: { ...tiny.features, categorical: [...tiny.features.categorical, { name: 'site_domain', buckets: 500, embeddingDim: 4 }] } }));
  const models = join(root, 'dropped', 'models');
  const common = ['--train-data-dir', data, '--days', '1', '--model-output-dir', models, '--log-dir', join(root, 'dropped', 'logs'), '--quiet', '--epochs', '1'];
  assert.equal((await mmoe('train', ...common, '--cur-date', '20260101', '--config', withDomain)).code, 0);
  const dropped = await mmoe('train', ...common, '--cur-date', '20260102', '--config', config, ...gate);
  assert.equal(dropped.code, 4, dropped.err);
  assert.match(dropped.err, /the current model .*20260101 cannot score the gate's rows \(the baseline .*latest cannot read rows the model reads: .*20260102.*missing column 'site_domain'/);
  assert.equal(readlinkSync(join(models, 'latest')), '20260101');
  assert.equal(meta(join(models, '20260102')).promotion.status, 'refused');
  const promoted = await mmoe('promote', join(models, '20260102'), '--config', config);
  assert.equal(promoted.code, 0, promoted.err);
});

test('gate flags are checked before any work', async () => {
  const models = join(root, 'flags', 'models');
  const bad = await night(models, '20260102', {}, '--gate', 'max-auc-drop=-1');
  assert.equal(bad.code, 2);
  assert.match(bad.err, /'max-auc-drop=-1' is not a gate rule/);
  const onTrainingDay = await night(models, '20260102', {}, ...gate, '--gate-dates', '20260102');
  assert.equal(onTrainingDay.code, 2);
  assert.match(onTrainingDay.err, /--gate-dates 20260102: the new model trains on these days/);
  const noGate = await night(models, '20260102', {}, '--gate-dates', '20260103');
  assert.equal(noGate.code, 2);
  assert.match(noGate.err, /--gate-dates chooses the rows of the promotion gate/);
  const missingDay = await night(models, '20260102', {}, ...gate, '--gate-dates', '20260109');
  assert.equal(missingDay.code, 3);
  assert.match(missingDay.err, /missing partition for 20260109/);
  assert.ok(!existsSync(join(models, 'latest')));
  assert.ok(!existsSync(join(models, '20260102')), 'failed before training');
});

test('--warm-start auto does not continue from the model an operator rolled back from; undoing the rollback clears that', async () => {
  const models = join(root, 'rolled-back', 'models');
  const rollback = () => mmoe('rollback', '--model-output-dir', models, '--config', config);
  for (const date of ['20260101', '20260102']) assert.equal((await night(models, date, {}, '--epochs', '1')).code, 0);
  assert.equal((await rollback()).code, 0);
  assert.equal(meta(join(models, '20260102')).promotion.status, 'rolled-back');
  assert.equal((await rollback()).code, 0, 'undone: 20260102 serves again');
  assert.equal(readlinkSync(join(models, 'latest')), '20260102');
  assert.equal(meta(join(models, '20260102')).promotion.status, 'promoted');
  assert.equal(meta(join(models, '20260101')).promotion.status, 'promoted');
  assert.equal((await rollback()).code, 0);
  const next = await night(models, '20260103', {}, '--epochs', '1', '--warm-start', 'auto');
  assert.equal(next.code, 0, next.err);
  assert.match(meta(join(models, '20260103')).warmStart.from, /20260101$/);
});

test('rollback after a promotion, rollback of the rollback, and promote by hand; each refuses what cannot serve', async () => {
  const models = join(root, 'switch', 'models');
  const link = (name: string) => readlinkSync(join(models, name));
  const noPrevious = await mmoe('rollback', '--model-output-dir', models, '--config', config);
  assert.equal(noPrevious.code, 2);
  assert.match(noPrevious.err, /records no earlier model/);
  for (const date of ['20260101', '20260102', '20260103']) assert.equal((await night(models, date, {}, '--epochs', '1')).code, 0);
  assert.deepEqual([link('latest'), link('previous')], ['20260103', '20260102']);

  const back = await mmoe('rollback', '--model-output-dir', models, '--config', config);
  assert.equal(back.code, 0, back.err);
  assert.equal(back.out, 'latest -> 20260102 (previous -> 20260103)\n');
  assert.deepEqual([link('latest'), link('previous')], ['20260102', '20260103']);
  const again = await mmoe('rollback', '--model-output-dir', models, '--config', config);
  assert.equal(again.code, 0, again.err);
  assert.deepEqual([link('latest'), link('previous')], ['20260103', '20260102']);

  const promoted = await mmoe('promote', join(models, '20260101'), '--config', config);
  assert.equal(promoted.code, 0, promoted.err);
  assert.deepEqual([link('latest'), link('previous')], ['20260101', '20260103']);
  assert.equal(meta(join(models, '20260101')).promotion.status, 'promoted');
  assert.match(meta(join(models, '20260101')).promotion.reason, /promoted by hand/);

  // A config with other inputs: the model would not fit what serving sends.
  const other = join(root, 'other.json');
  writeFileSync(other, JSON.stringify({ ...TINY_CONFIG, features: { ...TINY_CONFIG.features, categorical: TINY_CONFIG.features.categorical.map((c) => ({ ...c, buckets: 99 })) } }));
  const misfit = await mmoe('promote', join(models, '20260102'), '--config', other);
  assert.equal(misfit.code, 2);
  assert.match(misfit.err, /does not match the feature spec of .*other\.json: categorical inputs \(name:buckets\): the model has \[adid:500, .*\], the config \[adid:99, /);
  // A model whose weights are gone does not load.
  rmSync(join(models, '20260102', 'group1-shard1of1.bin'));
  const broken = await mmoe('promote', join(models, '20260102'), '--config', config);
  assert.equal(broken.code, 2, broken.err);
  assert.match(broken.err, /20260102 does not load, so it cannot serve/);
  const brokenBack = await mmoe('rollback', '--model-output-dir', models, '--config', config);
  assert.equal(brokenBack.code, 0, brokenBack.err);
  assert.deepEqual([link('latest'), link('previous')], ['20260103', '20260101']);
  assert.equal((await mmoe('promote', join(models, 'latest'), '--config', config)).code, 2);
  const held = acquireLock(models, 'mmoe train 20260104');
  const locked = await mmoe('rollback', '--model-output-dir', models, '--config', config);
  held.release();
  assert.equal(locked.code, 75);
  assert.match(locked.err, /another run holds the lock .* \(mmoe train 20260104, pid/);
  assert.deepEqual([link('latest'), link('previous')], ['20260103', '20260101'], 'nothing moved');
});
