// Real CSV headers through the CLI (issue 12): hyphenated and spaced column names used as they
// are (features, labels, --group-by, --keep), the same columns mapped to other names with
// `column`, one column feeding a numeric and a bucketized feature, and a model saved with a
// version 1 feature spec (before column mapping) still scoring.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { parse } from 'csv-parse/sync';
import { Encoder } from '../../src/data/encoder.js';
import type { FeatureSpec } from '../../src/data/feature-spec.js';
import { nodeFileSystem, readFeatureSpec } from '../../src/model/index.js';
import { Rng } from '../../src/util/random.js';
import { writePartition } from '../data/fixtures.js';
import { mmoe } from '../eval/fixtures.js';

const root = mkdtempSync(join(tmpdir(), 'mmoe-headers-'));
const data = join(root, 'data');
const HEADER = ['age', 'class of worker', 'education-num', 'native-country', 'income >50K', 'never-married'];
const WORKERS = ['Private', 'Self-emp-not-inc', 'Local-gov', 'State-gov', 'Never-worked'];
const COUNTRIES = ['United-States', 'Mexico', 'Philippines', 'Germany', 'Puerto-Rico', 'Canada'];

/** Census-like rows: income rises with education and age, never-married falls with age. */
function day(rng: Rng, rows: number): string {
  const lines = [HEADER.map((h) => (h.includes(' ') ? `"${h}"` : h)).join(',')];
  for (let i = 0; i < rows; i++) {
    const age = 17 + rng.int(70);
    const edu = 1 + rng.int(16);
    const worker = rng.int(WORKERS.length);
    const z = -4 + 0.2 * edu + 0.03 * (age - 17) + (worker === 1 ? 0.8 : 0);
    const income = rng.next() < 1 / (1 + Math.exp(-z)) ? 1 : 0;
    const single = rng.next() < 1 / (1 + Math.exp(0.12 * (age - 30))) ? 1 : 0;
    lines.push([age, WORKERS[worker], edu, COUNTRIES[rng.int(COUNTRIES.length)], income, single].join(','));
  }
  return `${lines.join('\n')}\n`;
}

const tasks = [
  { name: 'income', label: 'income >50K', type: 'binary' },
  { name: 'single', label: 'never-married', type: 'binary' },
];
const model = { type: 'mmoe', experts: { count: 3, units: [8] }, towers: { units: [4] } };
const training = { epochs: 2, batchSize: 128, optimizer: { learningRate: 0.01 }, validation: { validRatio: 0.2 } };

/** The headers as they are: names with spaces and hyphens are features, labels and tables. */
const AS_IS = {
  features: {
    categorical: [
      { name: 'class of worker', buckets: 50, embeddingDim: 4 },
      { name: 'native-country', buckets: 50, embeddingDim: 4 },
    ],
    numeric: [{ name: 'education-num', transform: 'minmax' }, { name: 'age', transform: 'standardize' }],
    crosses: [{ name: 'worker x country', fields: ['class of worker', 'native-country'] }],
  },
  tasks,
  model,
  training,
};

/** The same columns under names of one's own; `age` feeds a numeric and a bucketized feature. */
const MAPPED = {
  features: {
    categorical: [
      { name: 'worker', column: 'class of worker', buckets: 50, embeddingDim: 4 },
      { name: 'country', column: 'native-country', buckets: 50, embeddingDim: 4 },
      { name: 'age_bucket', column: 'age', boundaries: [25, 35, 50, 65], embeddingDim: 4 },
    ],
    numeric: [{ name: 'education', column: 'education-num', transform: 'minmax' }, { name: 'age', transform: 'standardize' }],
  },
  tasks,
  model,
  training,
};

after(() => rmSync(root, { recursive: true, force: true }));

before(() => {
  const rng = new Rng(12);
  writePartition(data, '20260101', { 'part-00000.csv': day(rng, 1500) });
  writePartition(data, '20260102', { 'part-00000.csv': day(rng, 1500) });
  writePartition(data, '20260103', { 'part-00000.csv': day(rng, 600) });
});

async function train(name: string, config: object): Promise<string> {
  const file = join(root, `${name}.json`);
  writeFileSync(file, JSON.stringify(config));
  const models = join(root, `models-${name}`);
  const r = await mmoe('train', '--train-data-dir', data, '--cur-date', '20260102', '--config', file, '--model-output-dir', models, '--log-dir', join(root, `logs-${name}`), '--quiet');
  assert.equal(r.code, 0, r.err);
  return join(models, 'latest');
}

const readJson = (file: string) => JSON.parse(readFileSync(file, 'utf8'));

test('header names as they are: train, eval --group-by and predict --keep; graph names recorded and used', async () => {
  const dir = await train('as-is', AS_IS);
  const spec = readJson(join(dir, 'feature_spec.json')) as FeatureSpec;
  assert.equal(spec.version, 2);
  assert.deepEqual(spec.graphNames.features, { 'class of worker': 'class_of_worker', 'native-country': 'native_country', 'education-num': 'education_num', age: 'age' });
  assert.deepEqual(spec.graphNames.crosses, { 'worker x country': 'worker_x_country' });
  const meta = readJson(join(dir, 'metadata.json'));
  assert.ok(meta.bestValidation.income.auc > 0.6, `income AUC ${meta.bestValidation.income.auc}`);

  // The exported graph's inputs are the recorded graph names; it loads and scores with plain tfjs.
  const m = await tf.loadLayersModel(nodeFileSystem(dir));
  assert.deepEqual(m.inputNames, ['class_of_worker', 'native_country', 'numeric']);
  assert.ok(m.layers.some((l) => l.name === 'emb_class_of_worker') && m.layers.some((l) => l.name === 'cross_worker_x_country'));
  const out = m.predict([tf.tensor2d([[1]], [1, 1], 'int32'), tf.tensor2d([[2]], [1, 1], 'int32'), tf.tensor2d([[0.5, 0]])]) as tf.Tensor[];
  assert.equal(out.length, 2);
  m.dispose();

  const ev = await mmoe('eval', '--model', dir, '--data-dir', data, '--dates', '20260103', '--group-by', 'native-country', '--format', 'json');
  assert.equal(ev.code, 0, ev.err);
  const doc = JSON.parse(ev.out);
  assert.deepEqual(doc.tasks.map((t: { label: string }) => t.label), ['income >50K', 'never-married']);
  assert.equal(doc.options.groupBy, 'native-country');
  assert.equal(doc.tasks[0].binary.groupAuc.groupsUsed, COUNTRIES.length);

  const scores = join(root, 'scores.csv');
  const pr = await mmoe('predict', '--model', dir, '--input', join(data, '20260103', 'part-00000.csv'), '--output', scores, '--keep', 'native-country,"class of worker",income >50K');
  assert.equal(pr.code, 0, pr.err);
  const rows = parse(readFileSync(scores, 'utf8')) as string[][];
  assert.deepEqual(rows[0], ['native-country', 'class of worker', 'income >50K', 'income', 'single']);
  assert.equal(rows.length, 601);
});

test('mapped names: `column` reads another column; one column feeds a numeric and a bucketized feature', async () => {
  const dir = await train('mapped', MAPPED);
  const spec = readJson(join(dir, 'feature_spec.json')) as FeatureSpec;
  const bucket = spec.categorical.find((c) => c.name === 'age_bucket')!;
  assert.deepEqual([bucket.column, bucket.buckets, bucket.boundaries], ['age', 5, [25, 35, 50, 65]]);
  assert.deepEqual(spec.numeric.map((n) => [n.name, n.column]), [['education', 'education-num'], ['age', 'age']]);
  assert.deepEqual(spec.graphNames.features, { worker: 'worker', country: 'country', age_bucket: 'age_bucket', education: 'education', age: 'age' });
  const m = await tf.loadLayersModel(nodeFileSystem(dir));
  assert.deepEqual(m.inputNames, ['worker', 'country', 'age_bucket', 'numeric']);
  m.dispose();

  // Both features read the one `age` cell: the bucket (boundaries[i-1] <= x < boundaries[i]) and the standardized value.
  const fe = new Encoder(spec).forFile('f.csv', HEADER);
  const target = { cat: new Int32Array(3), num: new Float32Array(2), labels: new Float32Array(2), weights: null };
  for (const [age, b] of [['17', 0], ['25', 1], ['64.9', 3], ['65', 4], ['', 5]] as const) {
    const reason = fe.encode([age, 'Private', '9', 'Mexico', '0', '1'], target, 0);
    if (age === '') {
      assert.equal(reason, 'numeric_unparsable', 'an empty age has no standardized value (no fillEmpty)');
      continue;
    }
    assert.equal(reason, null);
    assert.equal(target.cat[2], b, `age ${age}`);
    const age0 = spec.numeric[1]!;
    assert.ok(Math.abs(target.num[1]! - (Number(age) - age0.mean!) / age0.std!) < 1e-5);
  }
  assert.equal(fe.encode(['abc', 'Private', '9', 'Mexico', '0', '1'], target, 0), 'numeric_unparsable');
  assert.equal(fe.badColumn, 'age');

  const ev = await mmoe('eval', '--model', dir, '--data-dir', data, '--dates', '20260103', '--format', 'json');
  assert.equal(ev.code, 0, ev.err);
  assert.ok(JSON.parse(ev.out).tasks[1].binary.auc.value > 0.6);
});

test('a model saved with a version 1 feature spec (identifier names, no columns) still evaluates', async () => {
  const dir = await train('v1', { ...MAPPED, features: { categorical: [{ name: 'age', buckets: 20 }], numeric: [] } });
  const before = JSON.parse((await mmoe('eval', '--model', dir, '--data-dir', data, '--dates', '20260103', '--format', 'json')).out);
  for (const file of ['architecture.json', 'feature_spec.json']) {
    const j = readJson(join(dir, file));
    const s = file === 'feature_spec.json' ? j : j.spec;
    s.version = 1;
    delete s.graphNames;
    for (const f of [...s.categorical, ...s.numeric]) delete f.column;
    writeFileSync(join(dir, file), JSON.stringify(j));
  }
  assert.deepEqual(readFeatureSpec(dir).graphNames, { features: { age: 'age' }, tables: { age: 'age' }, crosses: {} });
  const r = await mmoe('eval', '--model', dir, '--data-dir', data, '--dates', '20260103', '--format', 'json');
  assert.equal(r.code, 0, r.err);
  assert.deepEqual(JSON.parse(r.out).tasks.map((t: { binary: { auc: unknown } }) => t.binary.auc), before.tasks.map((t: { binary: { auc: unknown } }) => t.binary.auc));
});

test('a feature named like a layer of the network (income_logit) exits 2 before the data is read, naming it and what to do', async () => {
  const file = join(root, 'layer-name.json');
  const categorical = [...MAPPED.features.categorical, { name: 'income_logit', column: 'class of worker', buckets: 10, embeddingDim: 4 }];
  writeFileSync(file, JSON.stringify({ ...MAPPED, features: { ...MAPPED.features, categorical } }));
  const models = join(root, 'models-layer-name');
  const r = await mmoe('train', '--train-data-dir', data, '--cur-date', '20260102', '--config', file, '--model-output-dir', models, '--log-dir', join(root, 'logs-layer-name'));
  assert.equal(r.code, 2, r.err);
  assert.match(r.err, /feature 'income_logit': its graph name 'income_logit' is also the name of a layer of the model/);
  assert.match(r.err, /"column": "class of worker"/);
  assert.doesNotMatch(r.err, /read \d+ file|epoch 1/, 'nothing was read or trained');
});
