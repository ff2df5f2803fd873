import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { parseConfig } from '../../src/config/load.js';
import { featureSpecFromConfig } from '../../src/data/feature-spec.js';
import { ModelError, UsageError } from '../../src/errors.js';
import { expectedTopology } from '../../src/model/portable.js';
import { parseWarmStart, resolveWarmStart } from '../../src/train/warm-start.js';

const parent = mkdtempSync(join(tmpdir(), 'mmoe-ws-'));
after(() => rmSync(parent, { recursive: true, force: true }));

const cfg = (buckets = 10, transforms: { numeric?: 'none' | 'log1p' | 'standardize' | 'minmax'; label?: 'none' | 'log1p' } = {}) =>
  parseConfig({
    features: { categorical: [{ name: 'a', buckets }], numeric: [{ name: 'x', transform: transforms.numeric ?? 'none' }] },
    tasks: [
      { name: 'ctr', label: 'click', type: 'binary' },
      { name: 'watch', label: 'watch_time', type: 'regression', labelTransform: transforms.label ?? 'none' },
    ],
  });

/** The files the choice reads (architecture, feature spec, a model.json with its topology, without weights). */
function fakeModel(root: string, name: string, buckets: number, transforms: Parameters<typeof cfg>[1] = {}): void {
  mkdirSync(join(root, name), { recursive: true });
  const c = cfg(buckets, transforms);
  const arch = { format: 'mmoe-architecture', version: 1, spec: featureSpecFromConfig(c), model: c.model, logVariances: {} };
  writeFileSync(join(root, name, 'architecture.json'), JSON.stringify(arch));
  writeFileSync(join(root, name, 'feature_spec.json'), JSON.stringify(arch.spec));
  writeFileSync(join(root, name, 'model.json'), JSON.stringify({ modelTopology: expectedTopology(arch.spec, c.model), weightsManifest: [] }));
}

test('auto picks the newest compatible model strictly before cur-date', () => {
  const root = mkdtempSync(join(parent, 'r-'));
  fakeModel(root, '20260101', 10);
  fakeModel(root, '20260102', 10);
  fakeModel(root, '20260103', 10);
  const r = resolveWarmStart(parseWarmStart('auto'), root, '20260103', cfg());
  assert.equal(r.dir, join(root, '20260102'));
  assert.match(r.reason, /warm start from/);
});

test('auto starts fresh when the newest earlier model is incompatible, and says why', () => {
  const root = mkdtempSync(join(parent, 'r-'));
  fakeModel(root, '20260101', 99);
  const r = resolveWarmStart(parseWarmStart('auto'), root, '20260102', cfg());
  assert.equal(r.dir, undefined);
  assert.match(r.reason, /incompatible \(categorical features .* differ/);
  assert.match(resolveWarmStart(parseWarmStart('auto'), join(root, 'none'), '20260102', cfg()).reason, /no published model/);
});

test('an explicit path must exist and be compatible', () => {
  const root = mkdtempSync(join(parent, 'r-'));
  fakeModel(root, 'm', 99);
  assert.throws(() => resolveWarmStart(parseWarmStart(join(root, 'x')), root, '20260102', cfg()), UsageError);
  assert.throws(() => resolveWarmStart(parseWarmStart(join(root, 'm')), root, '20260102', cfg()), /incompatible model/);
  assert.equal(resolveWarmStart(parseWarmStart('none'), root, '20260102', cfg()).dir, undefined);
});

test('auto skips a damaged newest model with the reason and continues from the newest loadable one, or starts fresh', () => {
  const root = mkdtempSync(join(parent, 'r-'));
  fakeModel(root, '20260101', 10);
  fakeModel(root, '20260102', 10);
  writeFileSync(join(root, '20260102', 'model.json'), 'garbage');
  const r = resolveWarmStart(parseWarmStart('auto'), root, '20260103', cfg());
  assert.equal(r.dir, join(root, '20260101'));
  assert.match(r.reason, /newest loadable published model before 20260103; skipped as damaged: .*20260102\/model\.json: is not valid JSON/);
  writeFileSync(join(root, '20260101', 'architecture.json'), '');
  const none = resolveWarmStart(parseWarmStart('auto'), root, '20260103', cfg());
  assert.equal(none.dir, undefined);
  assert.match(none.reason, /fresh start: no loadable published model .*skipped as damaged: .*20260102.*; .*20260101\/architecture\.json/);
  assert.throws(() => resolveWarmStart(parseWarmStart(join(root, '20260102')), root, '20260103', cfg()), (e: Error) => e instanceof ModelError && /model\.json/.test(e.message));
});

test('a model trained on other transforms is not warm-started from: auto starts fresh and says which', () => {
  const root = mkdtempSync(join(parent, 'r-'));
  fakeModel(root, '20260101', 10, { label: 'log1p' });
  const r = resolveWarmStart(parseWarmStart('auto'), root, '20260102', cfg());
  assert.equal(r.dir, undefined);
  assert.match(r.reason, /incompatible \(tasks .*watch:watch_time:regression:log1p.*watch:watch_time:regression:none/);
  fakeModel(root, '20260102', 10, { numeric: 'standardize' });
  const r2 = resolveWarmStart(parseWarmStart('auto'), root, '20260103', cfg(10, { numeric: 'minmax' }));
  assert.equal(r2.dir, undefined);
  assert.match(r2.reason, /numeric features .*x:standardize.*x:minmax/);
  assert.throws(() => resolveWarmStart(parseWarmStart(join(root, '20260102')), root, '20260103', cfg()), /incompatible model: numeric features/);
});
