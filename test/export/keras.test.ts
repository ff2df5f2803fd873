// model.keras against TensorFlow without TensorFlow in CI: test/fixtures/serving/tf-scores.json
// holds what TensorFlow 2.21 computed once for these very exports (the command is in its
// README.md). Checked here: mmoe still writes the config.json TensorFlow loaded and the weight
// groups Keras itself writes; `mmoe predict` scores the rows as Keras, the SavedModel made by
// model.export() and Python onnxruntime did (every architecture, a bucketized field, a model
// trained on sampled negatives); the Python serving example builds the same inputs;
// the hash is TensorFlow's to_hash_bucket_fast.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, test } from 'node:test';
import { parse } from 'csv-parse/sync';
import { unzipSync } from 'fflate';
import h5wasm, { type Dataset, type Group } from 'h5wasm/node';
import { selectBackend } from '../../src/backend.js';
import { bucketOf, Bucketizer } from '../../src/data/bucketize.js';
import { parseDecimal } from '../../src/data/decimal.js';
import { TEST_BACKEND } from '../test-backend.js';
import { hashToBucket } from '../../src/data/hash.js';
import { corrected } from '../../src/data/negative-sampling.js';
import { inputName } from '../../src/export/names.js';
import { mmoe } from '../eval/fixtures.js';
import { assertClose, batchOf, NUMERIC_EDGES, rawNumeric, type Row, SAMPLED_TRAINING, seededModel, trainingColumn } from './fixtures.js';
import { FIXTURE_MODELS, writeFixtureModels } from './make-tf-fixture.js';

const fixtureDir = new URL('../../../test/fixtures/serving/', import.meta.url).pathname;
const rowsCsv = join(fixtureDir, 'rows.csv');
interface Fixture {
  versions: Record<string, string>;
  models: Record<string, { configSha256: string; h5Groups: Record<string, { name: string; shapes: number[][] }>; keras: Record<string, number[]>; savedModel: Record<string, number[]>; onnxruntimePython: Record<string, number[]> }>;
  toHashBucketFast1000: Record<string, number>;
  refusals: Record<string, Record<'keras' | 'savedModel' | 'onnxruntimePython', { ok?: number; error?: string }>>;
  numericColumns: Record<string, number[]>;
  numericEdges: { values: number[]; columns: Record<string, number[]> };
}
const fixture = JSON.parse(readFileSync(join(fixtureDir, 'tf-scores.json'), 'utf8')) as Fixture;
const REMAKE = 'the Keras export changed since TensorFlow checked it: remake test/fixtures/serving/tf-scores.json as its README.md says';

const root = mkdtempSync(join(tmpdir(), 'mmoe-keras-'));
let rows: Row[] = [];
before(async () => {
  await selectBackend(TEST_BACKEND);
  await writeFixtureModels(root);
  rows = parse(readFileSync(rowsCsv), { columns: true }) as Row[];
});
after(() => rmSync(root, { recursive: true, force: true }));

test('the fixture covers every architecture and a model trained on sampled negatives, made by TensorFlow 2.21 with Keras 3', () => {
  assert.deepEqual(Object.keys(fixture.models).sort(), Object.keys(FIXTURE_MODELS).sort());
  assert.equal(fixture.versions.tensorflow, '2.21.0');
  assert.match(fixture.versions.keras, /^3\./);
});

async function h5Groups(h5: Uint8Array): Promise<Record<string, { name: string; shapes: number[][] }>> {
  await h5wasm.ready;
  const file = join(root, `weights-${Math.random().toString(36).slice(2)}.h5`);
  writeFileSync(file, h5);
  const f = new h5wasm.File(file, 'r');
  try {
    const out: Record<string, { name: string; shapes: number[][] }> = {};
    for (const g of (f.get('layers') as Group).keys()) {
      const vars = f.get(`layers/${g}/vars`) as Group;
      const shapes = vars.keys().sort().map((k: string) => (vars.get(k) as Dataset).shape!.map(Number));
      out[`layers/${g}`] = { name: String(vars.attrs.name.value), shapes };
    }
    return out;
  } finally {
    f.close();
  }
}

for (const [type, model] of Object.entries(FIXTURE_MODELS)) {
  test(`${type}: model.keras is the archive TensorFlow loaded, and mmoe predict scores the rows as Keras, the SavedModel and Python onnxruntime did`, async () => {
    const dir = join(root, type);
    const want = fixture.models[type];
    const archive = unzipSync(readFileSync(join(dir, 'model.keras')));
    assert.equal(createHash('sha256').update(archive['config.json']).digest('hex'), want.configSha256, REMAKE);
    assert.deepEqual(await h5Groups(archive['model.weights.h5']), want.h5Groups, `weight groups as Keras writes them; ${REMAKE}`);

    const scores = join(root, `${type}-scores.csv`);
    const p = await mmoe('predict', '--model', dir, '--input', rowsCsv, '--output', scores, '--threads', '0');
    assert.equal(p.code, 0, p.err);
    const predicted = parse(readFileSync(scores), { columns: true }) as Row[];
    const m = seededModel(model.type, 15, model.training);
    const gates = m.gateWeights(batchOf(m, rows));
    m.dispose();
    for (const engine of ['keras', 'savedModel', 'onnxruntimePython'] as const) {
      for (const [name, values] of Object.entries(want[engine])) {
        const mine = name.startsWith('gate_') ? gates[name.slice('gate_'.length)]!.weights : predicted.map((r) => Number(r[name]));
        if (name === 'cvr') continue; // not a task: mmoe predict writes tasks only (the ONNX test checks cvr)
        assert.equal(values.length, mine.length, `${engine}/${name}`);
        values.forEach((v, i) => assertClose(v, mine[i], `${type} ${engine}/${name}[${i}]`));
      }
    }
  });
}

test('TensorFlow scored the sampled model with its correction: ctr q = p / (p + (1 - p) / rate) of the same model unsampled; watch unchanged', () => {
  const { rate } = SAMPLED_TRAINING.negativeSampling;
  const [plain, sampled] = [fixture.models.mmoe, fixture.models.mmoe_sampled];
  for (const engine of ['keras', 'savedModel'] as const) {
    plain[engine].ctr!.forEach((p, i) => assertClose(sampled[engine].ctr![i]!, corrected(p, rate), `${engine} ctr[${i}]`));
    assert.deepEqual(sampled[engine].watch, plain[engine].watch, engine);
    assert.ok(plain[engine].ctr!.some((p, i) => Math.abs(p - sampled[engine].ctr![i]!) > 0.05), 'the correction moved the scores');
  }
});

test('Keras, the SavedModel and Python onnxruntime refused bucket ids outside 0..buckets (a negative id is not read from the end of the table)', () => {
  const sig = JSON.parse(readFileSync(join(root, 'mmoe', 'signature.json'), 'utf8'));
  const cases = Object.entries(fixture.refusals);
  assert.equal(cases.length, 10);
  for (const [name, engines] of cases) {
    const [input, id] = name.split('=') as [string, string];
    const max = sig.inputs.find((i: { name: string }) => i.name === input).validIds.max as number;
    const valid = Number(id) >= 0 && Number(id) <= max;
    for (const [engine, r] of Object.entries(engines)) {
      if (valid) assert.equal(typeof r.ok, 'number', `${engine} ${name}: ${r.error}`);
      else if (engine === 'onnxruntimePython') assert.match(r.error ?? '', new RegExp(`out of data bounds, idx=${max + 1} must be within the inclusive range \\[-${max + 1},${max}\\]`), `${engine} ${name}`);
      else assert.equal(r.error, `InvalidArgumentError: indices[0] = ${max + 1} is not in [0, ${max + 1})`, `${engine} ${name}`);
    }
  }
});

test("Keras transforms each raw float64 numeric to training's float32 value exactly (epoch seconds standardized and min-max scaled over a week, tiny log1p values)", () => {
  const m = seededModel('mmoe');
  try {
    const names = m.spec.numeric.map((n) => inputName(m.spec, n.name));
    assert.deepEqual(Object.keys(fixture.numericColumns).sort(), [...names].sort());
    assert.deepEqual(fixture.numericEdges.values.map((x) => x + 0), NUMERIC_EDGES.map((x) => x + 0), 'tf_scores.py fed the edge values of fixtures.ts');
    // The fixture keeps 9 significant digits: enough to name a float32 exactly.
    const column = (xs: number[]) => xs.map((v) => Math.fround(v) + 0);
    for (const n of m.spec.numeric) {
      const name = inputName(m.spec, n.name);
      assert.deepEqual(column(fixture.numericColumns[name]!), trainingColumn(n, rows.map((r) => rawNumeric(n, r))), `${name}, rows`);
      assert.deepEqual(column(fixture.numericEdges.columns[name]!), trainingColumn(n, NUMERIC_EDGES), `${name}, edges`);
    }
    // What a float32 input would have given instead: the test can tell.
    const ts = m.spec.numeric.find((n) => n.name === 'ts')!;
    const raw = rows.map((r) => rawNumeric(ts, r));
    assert.ok(raw.some((x, i) => trainingColumn(ts, [Math.fround(x)])[0] !== trainingColumn(ts, raw)[i]));
  } finally {
    m.dispose();
  }
});

test("categorical buckets are TensorFlow's tf.strings.to_hash_bucket_fast", () => {
  const values = Object.entries(fixture.toHashBucketFast1000);
  assert.ok(values.length > 40);
  for (const [v, b] of values) assert.equal(hashToBucket(v, 1000), b, v);
});

/** Python with numpy (Debian's, which python3-onnx brings); MMOE_PYTHON may name one with onnxruntime too. */
const python = process.env.MMOE_PYTHON ?? '/usr/bin/python3';
const can = (module: string) => spawnSync(python, ['-c', `import ${module}`], { stdio: 'ignore' }).status === 0;
const example = join(fixtureDir, '..', '..', '..', 'examples', 'serving');

test('the Python serving example builds the same inputs from raw CSV values (farmhash in pure Python)', { skip: !can('numpy') && !process.env.CI ? `${python} has no numpy` : false }, () => {
  const script = [
    'import csv, json, sys',
    `sys.path.insert(0, ${JSON.stringify(example)})`,
    'from score_onnx import to_feeds',
    'rows = list(csv.DictReader(open(sys.argv[2], newline="")))',
    'feeds = to_feeds(json.load(open(sys.argv[1])), rows)',
    'print(json.dumps({k: v.tolist() for k, v in feeds.items()}))',
  ].join('\n');
  const r = spawnSync(python, ['-c', script, join(root, 'mmoe', 'signature.json'), rowsCsv], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const feeds = JSON.parse(r.stdout) as Record<string, number[]>;
  const sig = JSON.parse(readFileSync(join(root, 'mmoe', 'signature.json'), 'utf8'));
  for (const input of sig.inputs) {
    const cell = (row: Row) => row[input.column]!;
    const want = rows.map((row) =>
      input.kind !== 'categorical'
        ? cell(row).trim() === '' ? input.emptyValue : Number(cell(row))
        : input.hash
          ? hashToBucket(cell(row), input.hash.buckets)
          : new Bucketizer(input.bucketize.boundaries).bucket(cell(row)),
    );
    assert.deepEqual(feeds[input.name], want, input.name);
  }
});

test('the Python serving example scores model.onnx as mmoe does (where Python has onnxruntime)', { skip: can('onnxruntime') ? false : `${python} has no onnxruntime (set MMOE_PYTHON; tf-scores.json holds its scores from when the fixture was made)` }, () => {
  const dir = join(root, 'ple');
  const r = spawnSync(python, [join(example, 'score_onnx.py'), dir, rowsCsv], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const got = parse(r.stdout, { columns: true }) as Row[];
  const predicted = parse(readFileSync(join(root, 'ple-scores.csv')), { columns: true }) as Row[];
  got.forEach((row, i) => {
    for (const t of ['ctr', 'watch']) assertClose(Number(row[t]), Number(predicted[i][t]), `python ${t}[${i}]`);
  });
});

/** What each serving example's toFeeds makes of one cell of column x under a one-input signature: a number, or null when it refuses the cell. */
async function bothExamples(input: Record<string, unknown>, cells: string[]): Promise<{ node: (number | null)[]; python: (number | null)[] }> {
  const sig = { inputs: [{ name: 'x', column: 'x', ...input }] };
  const node = (await import(pathToFileURL(join(example, 'score-onnx.mjs')).href)) as { toFeeds(s: unknown, rows: Row[]): Record<string, { data: Float64Array | BigInt64Array }> };
  const script = [
    'import json, sys',
    `sys.path.insert(0, ${JSON.stringify(example)})`,
    'from score_onnx import to_feeds',
    'sig, cells = json.load(sys.stdin)',
    'def one(c):',
    '    try:',
    '        return to_feeds(sig, [{"x": c}])["x"][0].item()',
    '    except ValueError:',
    '        return None',
    'print(json.dumps([one(c) for c in cells]))',
  ].join('\n');
  const r = spawnSync(python, ['-c', script], { input: JSON.stringify([sig, cells]), encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const nodeValue = (c: string) => {
    try {
      return Number(node.toFeeds(sig, [{ x: c }]).x.data[0]!);
    } catch {
      return null;
    }
  };
  return { node: cells.map(nodeValue), python: JSON.parse(r.stdout) as (number | null)[] };
}

test('both serving examples take a numeric cell exactly when training does (no nan, inf, 0x10 or 1_000)', { skip: !can('numpy') && !process.env.CI ? `${python} has no numpy` : false }, async () => {
  const cells = ['1', '-2.5', '.5', '5.', '1e-3', ' 7\t', '+3', 'nan', 'NaN', 'inf', 'Infinity', '-infinity', '0x10', '0b1', '1_000', '1e999', '1,5', '١', '--1', 'e3', '1700274607.531', '0.1'];
  const got = await bothExamples({ kind: 'numeric', emptyValue: null }, cells);
  cells.forEach((c, i) => {
    const want = parseDecimal(c);
    assert.equal(got.node[i], Number.isNaN(want) ? null : want, `Node, cell ${JSON.stringify(c)}`);
    assert.equal(got.python[i], Number.isNaN(want) ? null : want, `Python, cell ${JSON.stringify(c)}`);
  });
});

test('both serving examples bucketize a number in float64 as training does (epoch seconds at and beside boundaries a float32 would merge)', { skip: !can('numpy') && !process.env.CI ? `${python} has no numpy` : false }, async () => {
  const boundaries = [1700000000.5, 1700000064, 1700086400];
  const cells = ['1700000000.4', '1700000000.5', '1700000000.6', '1700000063.999', '1700000064', ' 1700000064\t', '1700086399.999', '1700086400', '1e12', '-1', '', ' ', 'nan', '0x10', '1_700'];
  const bucketize = { boundaries, buckets: boundaries.length + 1, emptyValueBucket: boundaries.length + 1 };
  const got = await bothExamples({ kind: 'categorical', hash: null, bucketize }, cells);
  const training = new Bucketizer(boundaries);
  cells.forEach((c, i) => {
    const want = training.bucket(c);
    assert.equal(got.node[i], want < 0 ? null : want, `Node, cell ${JSON.stringify(c)}`);
    assert.equal(got.python[i], want < 0 ? null : want, `Python, cell ${JSON.stringify(c)}`);
  });
  // In float32 these cells would fall into other buckets: the test can tell.
  const float32 = (c: string) => bucketOf(boundaries.map(Math.fround), Math.fround(parseDecimal(c)));
  assert.ok(cells.slice(0, 7).filter((c) => float32(c) !== training.bucket(c)).length >= 3);
});
