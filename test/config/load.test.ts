import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadConfig, parseConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/errors.js';

const minimal = () => ({
  features: { categorical: [{ name: 'a', buckets: 10 }, { name: 'b', buckets: 10 }], numeric: [{ name: 'x' }] },
  tasks: [{ name: 'ctr', label: 'click', type: 'binary' }],
});

test('the shipped default config validates and reproduces the reference design', () => {
  const cfg = loadConfig('configs/default.json');
  assert.equal(cfg.features.categorical.find((c) => c.name === 'device_type')?.buckets, 10);
  assert.deepEqual(cfg.features.crosses[0]?.fields, ['adid', 'device_id']);
  assert.deepEqual(cfg.tasks.map((t) => [t.name, t.label, t.lossWeight]), [['ctr', 'click', 1], ['ctcvr', 'conversion', 1]]);
  assert.equal(cfg.model.type, 'mmoe');
});

test('defaults are filled in', () => {
  const cfg = parseConfig(minimal());
  assert.equal(cfg.features.categorical[0]?.embeddingDim, 16);
  assert.equal(cfg.training.optimizer.name, 'adam');
  assert.equal(cfg.model.experts.count, 8);
});

test('an enum error names the key, the value and what is allowed', () => {
  const raw = { ...minimal(), model: { type: 'mmoe2' } };
  assert.throws(() => parseConfig(raw, 'x.json'), (e: Error) => {
    assert.ok(e instanceof ConfigError);
    assert.match(e.message, /x\.json/);
    assert.match(e.message, /key 'model\.type': value "mmoe2" is not allowed; allowed: single_task, shared_bottom, moe, mmoe, ple, esmm/);
    return true;
  });
});

test('unknown keys, wrong types and missing keys are reported with their path', () => {
  assert.throws(() => parseConfig({ ...minimal(), trainng: {} }), /unknown key\(s\) 'trainng'/);
  assert.throws(
    () => parseConfig({ ...minimal(), features: { categorical: [{ name: 'a', buckets: 'ten' }] } }),
    /key 'features\.categorical\[0\]\.buckets': value "ten" must be number/,
  );
  assert.throws(() => parseConfig({ features: {} }), /key 'tasks': value missing is required/);
});

test('cross-field rules: crosses, tasks, esmm, early stopping', () => {
  const bad = minimal() as Record<string, any>;
  bad.features.crosses = [{ name: 'ax', fields: ['a', 'zz'] }];
  assert.throws(() => parseConfig(bad), /crosses\[0\]\.fields\[1\]': value "zz" is not a categorical feature; allowed: a, b/);
  assert.throws(() => parseConfig({ ...minimal(), model: { type: 'esmm' } }), /model\.esmm': required/);
  assert.throws(
    () => parseConfig({ ...minimal(), training: { earlyStopping: { task: 'cvr' } } }),
    /earlyStopping\.task': value "cvr" is not a task; allowed: ctr/,
  );
  assert.throws(
    () => parseConfig({ ...minimal(), tasks: [{ name: 't', label: 'x', type: 'binary' }] }),
    /value "x" is also an input feature/,
  );
});

test('unreadable and non-JSON files are config errors', () => {
  assert.throws(() => loadConfig('configs/nope.json'), /cannot read config configs\/nope\.json: ENOENT/);
  assert.throws(() => loadConfig('package-lock.json'), ConfigError);
});
