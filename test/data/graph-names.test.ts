import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfig } from '../../src/config/load.js';
import { featureSpecFromConfig, upgradeSpec } from '../../src/data/feature-spec.js';
import { graphName, graphNames } from '../../src/data/graph-names.js';

test('graphName: identifiers map to themselves; header text becomes [A-Za-z][A-Za-z0-9_]*', () => {
  assert.equal(graphName('site_id'), 'site_id');
  assert.equal(graphName('native-country'), 'native_country');
  assert.equal(graphName('class of worker'), 'class_of_worker');
  assert.equal(graphName('migration code-change in msa'), 'migration_code_change_in_msa');
  assert.equal(graphName('income >50K'), 'income_50K');
  assert.equal(graphName('2nd-day'), 'f_2nd_day');
  assert.equal(graphName('_id'), 'id');
  assert.equal(graphName('päïs'), 'p_s');
  assert.equal(graphName('日本'), 'f');
  for (const s of ['a b', '-', '9', ' x ', 'ü', 'a/b:c']) assert.match(graphName(s), /^[A-Za-z][A-Za-z0-9_]*$/);
});

test('graphNames: distinct names that map to one form, or to a taken name, get _2, _3 in order', () => {
  const taken = new Set(['numeric', 'ctr']);
  assert.deepEqual(graphNames(['a-b', 'a b', 'a_b', 'numeric', 'ctr', 'a-b'], taken), { 'a-b': 'a_b', 'a b': 'a_b_2', a_b: 'a_b_3', numeric: 'numeric_2', ctr: 'ctr_2' });
  assert.ok(taken.has('a_b_3'));
});

test('the feature spec records the graph names of features, tables and crosses, decided once from the config', () => {
  const spec = featureSpecFromConfig(
    parseConfig({
      features: {
        categorical: [
          { name: 'native-country', buckets: 50 },
          { name: 'native country', buckets: 50, table: 'native-country' },
          { name: 'numeric', buckets: 5 },
          { name: 'age bucket', column: 'age', boundaries: [18, 30, 50] },
        ],
        numeric: [{ name: 'education-num' }, { name: 'age' }],
        crosses: [{ name: 'country x age', fields: ['native-country', 'age bucket'] }],
      },
      tasks: [{ name: 'income', label: 'income >50K', type: 'binary' }],
    }),
  );
  assert.equal(spec.version, 2);
  assert.deepEqual(spec.graphNames, {
    features: { 'native-country': 'native_country', 'native country': 'native_country_2', numeric: 'numeric_2', 'age bucket': 'age_bucket', 'education-num': 'education_num', age: 'age' },
    tables: { 'native-country': 'native_country', numeric: 'numeric', 'age bucket': 'age_bucket' },
    crosses: { 'country x age': 'country_x_age' },
  });
  const bucketized = spec.categorical[3]!;
  assert.deepEqual([bucketized.column, bucketized.buckets, bucketized.boundaries], ['age', 4, [18, 30, 50]]);
  assert.deepEqual(spec.numeric.map((n) => n.column), ['education-num', 'age']);
});

test('a version 1 spec (older models) reads as version 2: columns and graph names are the names', () => {
  const v1 = {
    version: 1,
    hash: {},
    categorical: [{ name: 'site_id', buckets: 10, embeddingDim: 4, table: 'site_id' }],
    numeric: [{ name: 'hour', transform: 'none' }],
    crosses: [{ name: 'x', fields: ['site_id', 'site_id'] }],
    tasks: [{ name: 'ctr', label: 'click', type: 'binary', labelTransform: 'none', lossWeight: 1 }],
  };
  const s = upgradeSpec(v1);
  assert.equal(s.version, 2);
  assert.equal(s.categorical[0]!.column, 'site_id');
  assert.equal(s.numeric[0]!.column, 'hour');
  assert.deepEqual(s.graphNames, { features: { site_id: 'site_id', hour: 'hour' }, tables: { site_id: 'site_id' }, crosses: { x: 'x' } });
  assert.equal(upgradeSpec(s), s);
  assert.throws(() => upgradeSpec({ ...v1, version: 9 }), /unknown feature spec version 9/);
});
