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
  assert.throws(() => parseConfig({ ...minimal(), features: { categorical: [{ name: 'a', buckets: 2 ** 31 }] } }), /buckets': value 2147483648: bucket ids are int32: at most 2147483647 buckets/);
  assert.throws(() => parseConfig({ ...minimal(), training: { threads: 300 } }), /key 'training\.threads': value 300: at most 256 threads/);
  assert.equal(parseConfig({ ...minimal(), training: { threads: 256 } }).training.threads, 256);
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
    /value "x" is also read by an input feature/,
  );
});

test('unreadable and non-JSON files are config errors', () => {
  assert.throws(() => loadConfig('configs/nope.json'), /cannot read config configs\/nope\.json: ENOENT/);
  assert.throws(() => loadConfig('package-lock.json'), ConfigError);
});

test('any header text is a feature name, label, column or table; task names stay identifiers', () => {
  const cfg = parseConfig({
    features: {
      categorical: [{ name: 'class of worker', buckets: 10, table: 'worker table' }, { name: 'age bucket', column: 'age', boundaries: [18, 30] }],
      numeric: [{ name: 'education-num' }, { name: 'age' }],
    },
    tasks: [{ name: 'income', label: 'income >50K', type: 'binary' }],
    rowWeight: 'instance weight',
  });
  assert.equal(cfg.features.categorical[1]?.column, 'age');
  assert.throws(() => parseConfig({ ...minimal(), tasks: [{ name: 'click-through', label: 'click', type: 'binary' }] }), /tasks\[0\]\.name': value "click-through": must be an identifier/);
  assert.throws(() => parseConfig({ ...minimal(), features: { categorical: [{ name: ' a', buckets: 3 }] } }), /categorical\[0\]\.name': value " a": must not start or end with whitespace/);
  assert.throws(() => parseConfig({ ...minimal(), features: { categorical: [{ name: '', buckets: 3 }] } }), /must not be empty/);
});

test('bucketized fields: exactly one of buckets and boundaries, boundaries strictly increasing; names unique, columns may repeat', () => {
  const cats = (c: Record<string, unknown>) => parseConfig({ ...minimal(), features: { categorical: [c] } });
  assert.throws(() => cats({ name: 'a', buckets: 3, boundaries: [1] }), /'a' needs exactly one of "buckets" \(hashed values\) and "boundaries"/);
  assert.throws(() => cats({ name: 'a' }), /needs exactly one of/);
  assert.throws(() => cats({ name: 'a', boundaries: [1, 5, 5] }), /categorical\[0\]\.boundaries\[2\]': value 5 must be a finite number above the previous boundary/);
  // 1e400 in a JSON file parses as Infinity: the message says so, not "null".
  assert.throws(() => cats({ name: 'a', boundaries: [1, JSON.parse('1e400')] }), /boundaries\[1\]': value Infinity must be a finite number/);
  assert.throws(
    () => parseConfig({ ...minimal(), features: { categorical: [{ name: 'a', buckets: 3 }], numeric: [{ name: 'a' }] } }),
    /feature 'a' is declared twice; give one of them another name \(and "column": "a" to read the same column\)/,
  );
  const two = parseConfig({ ...minimal(), features: { categorical: [{ name: 'age_b', column: 'age', boundaries: [30] }], numeric: [{ name: 'age' }] } });
  assert.equal(two.features.categorical[0]?.column, 'age');
  assert.throws(
    () => parseConfig({ ...minimal(), features: { categorical: [{ name: 'c', column: 'click', buckets: 3 }] } }),
    /tasks\[0\]\.label': value "click" is also read by an input feature/,
  );
});
