import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { parseConfig } from '../../src/config/load.js';
import { featureSpecFromConfig } from '../../src/data/feature-spec.js';
import { UsageError } from '../../src/errors.js';
import { parseWarmStart, resolveWarmStart } from '../../src/train/warm-start.js';

const parent = mkdtempSync(join(tmpdir(), 'mmoe-ws-'));
after(() => rmSync(parent, { recursive: true, force: true }));

const cfg = (buckets = 10) =>
  parseConfig({
    features: { categorical: [{ name: 'a', buckets }] },
    tasks: [{ name: 'ctr', label: 'click', type: 'binary' }],
  });

/** The two files readArchitecture looks at; the weights themselves play no part in the choice. */
function fakeModel(root: string, name: string, buckets: number): void {
  mkdirSync(join(root, name), { recursive: true });
  const c = cfg(buckets);
  const arch = { format: 'mmoe-architecture', version: 1, spec: featureSpecFromConfig(c), model: c.model, logVariances: {} };
  writeFileSync(join(root, name, 'architecture.json'), JSON.stringify(arch));
  writeFileSync(join(root, name, 'model.json'), '{}');
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
