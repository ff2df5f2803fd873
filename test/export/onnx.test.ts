// model.onnx against `mmoe predict`: for every architecture over a mix of features, the exported
// graph run in onnxruntime-node (through the documented Node example, from raw CSV values) gives
// the scores `mmoe predict` writes for the same rows, and the gates the model computes; each file
// passes onnx.checker.check_model(full_check=True) of Debian's python3-onnx (onnx 1.12).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { parse } from 'csv-parse/sync';
import * as ort from 'onnxruntime-node';
import { selectBackend } from '../../src/backend.js';
import { TEST_BACKEND } from '../test-backend.js';
import type { ModelSection } from '../../src/config/schema.js';
import { onnxModel } from '../../src/export/onnx.js';
import { DataType, encodeModel } from '../../src/export/onnx-proto.js';
import { BUCKETIZE_FUNCTION, signatureOf } from '../../src/export/signature.js';
import { mmoe, saveUntrained } from '../eval/fixtures.js';
import type { Row } from './fixtures.js';
import { ARCHITECTURES, assertClose, batchOf, csvRows, NUMERIC_EDGES, rawNumeric, saveSeededModel, seededModel, trainingColumn } from './fixtures.js';

const root = mkdtempSync(join(tmpdir(), 'mmoe-onnx-'));
const csv = join(root, 'rows.csv');
const exported: string[] = [];
let rows: Row[] = [];

// The Node serving example of docs/serving.md, run as it is.
const example = (await import(new URL('../../../examples/serving/score-onnx.mjs', import.meta.url).href)) as {
  toFeeds(signature: unknown, rows: Row[]): Record<string, ort.Tensor>;
  openModel(dir: string): Promise<{ score(rows: Row[]): Promise<Record<string, Float32Array>>; release(): Promise<void> }>;
};

before(async () => {
  await selectBackend(TEST_BACKEND);
  writeFileSync(csv, csvRows(300));
  rows = parse(readFileSync(csv), { columns: true }) as Row[];
});
after(() => rmSync(root, { recursive: true, force: true }));

for (const type of ARCHITECTURES) {
  test(`${type}: model.onnx in onnxruntime-node scores raw CSV rows as mmoe predict does, gates included`, async () => {
    const dir = join(root, type);
    const m = await saveSeededModel(type as ModelSection['type'], dir);
    try {
      const r = await mmoe('export', '--model', dir, '--format', 'onnx', '--gates');
      assert.equal(r.code, 0, r.err);
      assert.match(r.err, /wrote .*model\.onnx \(\d+ bytes\)/);
      exported.push(join(dir, 'model.onnx'));
      const scoresFile = join(root, `${type}-scores.csv`);
      const p = await mmoe('predict', '--model', dir, '--input', csv, '--output', scoresFile, '--threads', '0');
      assert.equal(p.code, 0, p.err);
      const predicted = parse(readFileSync(scoresFile), { columns: true }) as Row[];
      assert.equal(predicted.length, rows.length);

      const onnx = await example.openModel(dir);
      const got = await onnx.score(rows);
      await onnx.release();
      for (const t of m.spec.tasks) {
        const want = predicted.map((row) => Number(row[t.name]));
        assert.ok(Math.max(...want) - Math.min(...want) > 0.05, `${type}/${t.name}: scores vary with the rows`);
        want.forEach((w, i) => assertClose(got[t.name][i], w, `${type}/${t.name} row ${i}`));
      }
      if (type === 'esmm') assert.ok(got.cvr.every((v, i) => Math.abs(v * got.ctr[i] - got.ctcvr[i]) < 1e-6), 'ctcvr = ctr x cvr');

      const gates = m.gateWeights(batchOf(m, rows));
      assert.equal(Object.keys(gates).length > 0, !['single_task', 'shared_bottom', 'esmm'].includes(type));
      for (const [key, g] of Object.entries(gates)) {
        const mine = got[`gate_${key}`];
        assert.equal(mine.length, g.weights.length, key);
        g.weights.forEach((w, i) => assertClose(mine[i], w, `${type}/gate_${key}[${i}]`));
      }
    } finally {
      m.dispose();
    }
  });
}

test('signature.json names every input and output of model.onnx, from the feature spec', () => {
  const sig = JSON.parse(readFileSync(join(root, 'mmoe', 'signature.json'), 'utf8'));
  assert.deepEqual(
    sig.inputs.map((i: { name: string; dtype: string }) => `${i.name}:${i.dtype}`),
    ['user:int64', 'item:int64', 'prev_item:int64', 'device:int64', 'age_bucket:int64', 'price:float64', 'views:float64', 'age:float64', 'hour:float64', 'ts:float64', 'ts_week:float64'],
  );
  const user = sig.inputs[0];
  assert.deepEqual(user.hash.buckets, 50);
  assert.equal(user.hash.emptyValueBucket, 50);
  assert.deepEqual([user.validIds.min, user.validIds.max], [0, 50]);
  assert.match(user.hash.function, /Fingerprint64.*to_hash_bucket_fast/);
  const hour = sig.inputs.find((i: { name: string }) => i.name === 'hour');
  assert.deepEqual(hour.statistics, { min: 0, max: 23 });
  assert.equal(hour.emptyValue, 12);
  assert.equal(sig.inputs.find((i: { name: string }) => i.name === 'views').inGraph, 'sign(x) * log1p(|x|)');
  assert.deepEqual(
    sig.outputs.map((o: { name: string; shape: unknown[] }) => `${o.name}:${o.shape.join('x')}`),
    ['ctr:batch', 'watch:batch', 'gate_ctr_l1:batchx4', 'gate_watch_l1:batchx4', 'gate_ctr:batchx4', 'gate_watch:batchx4'],
  );
  assert.match(sig.outputs[1].meaning, /watch_seconds on its original scale.*expm1/);
});

test('model.onnx refuses a bucket id outside 0..buckets in onnxruntime-node: -1 is not read as the empty-value row, buckets + 1 fails too', async () => {
  const dir = join(root, 'mmoe');
  const sig = JSON.parse(readFileSync(join(dir, 'signature.json'), 'utf8'));
  const session = await ort.InferenceSession.create(join(dir, 'model.onnx'), { logSeverityLevel: 4 });
  try {
    for (const input of ['user', 'age_bucket']) {
      const { max, otherwise } = sig.inputs.find((i: { name: string }) => i.name === input).validIds;
      assert.match(otherwise, /the request fails/);
      const run = (id: number) => {
        const feeds = example.toFeeds(sig, rows.slice(0, 1));
        feeds[input] = new ort.Tensor('int64', BigInt64Array.of(BigInt(id)), [1]);
        return session.run(feeds);
      };
      const edges = [(await run(0)).ctr!.data[0], (await run(max)).ctr!.data[0]];
      assert.ok(edges.every((p) => typeof p === 'number' && p > 0 && p < 1), `${input}: ids 0 and ${max} score`);
      for (const id of [-1, -max - 1, max + 1, -(2 ** 53)]) {
        await assert.rejects(run(id), new RegExp(`Gather node\\. Name:'emb/${input}'.*out of data bounds, idx=${max + 1} `), `${input} = ${id}`);
      }
    }
  } finally {
    await session.release();
  }
});

test("model.onnx transforms each raw float64 numeric to training's float32 value exactly (epoch seconds standardized and min-max scaled over a week, tiny log1p values)", async () => {
  const m = seededModel('mmoe');
  try {
    // The graph's numeric columns, made outputs of a copy of the graph.
    const sig = signatureOf(m, { gates: false });
    const graph = onnxModel(m, sig, { name: 'test', version: '' });
    const columns = sig.inputs.filter((i) => i.kind === 'numeric').map((i) => ({ input: i, spec: m.spec.numeric.find((n) => n.name === i.feature)!, value: `num/${i.name}/column` }));
    graph.graph.outputs.push(...columns.map(({ value }) => ({ name: value, type: DataType.float, shape: ['batch', 1] })));
    const session = await ort.InferenceSession.create(encodeModel(graph).finish());
    // The fixture rows through the Node example, and every edge value in every numeric input (ids 0).
    const edges = Object.fromEntries(
      sig.inputs.map((i) => [i.name, i.kind === 'numeric' ? new ort.Tensor('float64', Float64Array.from(NUMERIC_EDGES), [NUMERIC_EDGES.length]) : new ort.Tensor('int64', new BigInt64Array(NUMERIC_EDGES.length), [NUMERIC_EDGES.length])]),
    );
    const [fromRows, fromEdges] = [await session.run(example.toFeeds(sig, rows)), await session.run(edges)];
    await session.release();
    const column = (out: ort.InferenceSession.OnnxValueMapType, value: string) => [...(out[value]!.data as Float32Array)].map((v) => v + 0);
    for (const { input, spec, value } of columns) {
      assert.deepEqual(column(fromRows, value), trainingColumn(spec, rows.map((r) => rawNumeric(spec, r))), `${input.name}, rows`);
      assert.deepEqual(column(fromEdges, value), trainingColumn(spec, NUMERIC_EDGES), `${input.name}, edges`);
    }
    // What a float32 input would have given instead: the test can tell.
    const ts = m.spec.numeric.find((n) => n.name === 'ts')!;
    const raw = rows.map((r) => rawNumeric(ts, r));
    const wrong = raw.filter((x, i) => trainingColumn(ts, [Math.fround(x)])[0] !== trainingColumn(ts, raw)[i]);
    assert.ok(wrong.length > rows.length / 2, `${wrong.length} rows`);
  } finally {
    m.dispose();
  }
});

test('mmoe export --print-signature prints the schema and writes nothing; bad flags exit 2', async () => {
  const dir = join(root, 'mmoe');
  const r = await mmoe('export', '--model', dir, '--print-signature');
  assert.equal(r.code, 0, r.err);
  assert.equal(JSON.parse(r.out).format, 'mmoe-signature');
  assert.equal(JSON.parse(r.out).outputs.length, 2, 'no gates unless --gates');
  assert.equal(existsSync(join(dir, 'model.keras')), false);
  const none = await mmoe('export', '--model', dir);
  assert.equal(none.code, 2);
  assert.match(none.err, /--format onnx\|keras/);
  const bad = await mmoe('export', '--model', dir, '--format', 'tflite');
  assert.equal(bad.code, 2);
  assert.match(bad.err, /'tflite' is not one of onnx, keras/);
  const two = await mmoe('export', '--model', dir, '--format', 'onnx,keras', '--output', join(root, 'x.onnx'));
  assert.equal(two.code, 2);
  assert.match(two.err, /--output names one file/);
  const missing = await mmoe('export', '--model', join(root, 'nope'), '--format', 'onnx');
  assert.equal(missing.code, 2);
  assert.match(missing.err, /no such directory/);
});

/** Debian's python3-onnx (installed by .ci/run); elsewhere the check says it cannot run. */
const python = '/usr/bin/python3';
const hasOnnx = spawnSync(python, ['-c', 'import onnx'], { stdio: 'ignore' }).status === 0;

test('onnx.checker.check_model(full_check=True) accepts every exported file (IR 8, opset 13)', { skip: !hasOnnx && !process.env.CI ? `${python} has no onnx module (apt-get install python3-onnx)` : false }, () => {
  assert.equal(exported.length, ARCHITECTURES.length);
  const script = [
    'import sys, onnx',
    'for f in sys.argv[1:]:',
    '    m = onnx.load(f)',
    '    onnx.checker.check_model(m, full_check=True)',
    '    print(f, m.ir_version, [o.version for o in m.opset_import])',
  ].join('\n');
  const r = spawnSync(python, ['-c', script, ...exported], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  for (const f of exported) assert.ok(r.stdout.includes(`${f} 8 [13]`), r.stdout);
});

test('a feature named like a task gets its own graph name; a clash with a gate output still stops the export (exit 2)', async () => {
  const dir = join(root, 'clash');
  await saveUntrained(dir, {
    features: { categorical: [{ name: 'user', buckets: 10, embeddingDim: 2 }], numeric: [{ name: 'ctr', transform: 'none' }, { name: 'gate_ctr', transform: 'none' }] },
    tasks: [{ name: 'ctr', label: 'click', type: 'binary' }],
    model: { type: 'mmoe', experts: { count: 2, units: [4] }, towers: { units: [2] } },
  });
  const ok = await mmoe('export', '--model', dir, '--print-signature');
  assert.equal(ok.code, 0, ok.err);
  const sig = JSON.parse(ok.out);
  assert.deepEqual(sig.inputs.map((i: { name: string; feature: string }) => `${i.feature}->${i.name}`), ['user->user', 'ctr->ctr_2', 'gate_ctr->gate_ctr']);
  const r = await mmoe('export', '--model', dir, '--format', 'onnx', '--gates');
  assert.equal(r.code, 2);
  assert.match(r.err, /'gate_ctr' would name two inputs or outputs of the exported model; rename the feature or task/);
  assert.ok(!existsSync(join(dir, 'model.onnx')));
});

test('header names and a bucketized field: graph-safe input names from feature_spec.json, and the Node example scores as mmoe predict does', async () => {
  const dir = join(root, 'headers');
  const spec = await saveUntrained(dir, {
    features: {
      categorical: [
        { name: 'user id', column: 'user', buckets: 50, embeddingDim: 3 },
        { name: 'item-id', column: 'item', buckets: 40, embeddingDim: 3 },
        { name: 'age bucket', column: 'age', boundaries: [25, 40, 60], embeddingDim: 3 },
      ],
      numeric: [{ name: 'age', transform: 'standardize', mean: 45, std: 15 }],
      crosses: [{ name: 'user x age', fields: ['user id', 'age bucket'] }],
    },
    tasks: [{ name: 'ctr', label: 'click', type: 'binary' }],
    model: { type: 'mmoe', experts: { count: 2, units: [4] }, towers: { units: [3] } },
  }, 9);
  assert.deepEqual(spec.graphNames.features, { 'user id': 'user_id', 'item-id': 'item_id', 'age bucket': 'age_bucket', age: 'age' });
  const r = await mmoe('export', '--model', dir, '--format', 'onnx');
  assert.equal(r.code, 0, r.err);
  const sig = JSON.parse(readFileSync(join(dir, 'signature.json'), 'utf8'));
  const bucketized = sig.inputs.find((i: { feature: string }) => i.feature === 'age bucket');
  assert.deepEqual([bucketized.name, bucketized.column, bucketized.hash, bucketized.bucketize], ['age_bucket', 'age', null, { function: BUCKETIZE_FUNCTION, boundaries: [25, 40, 60], buckets: 4, emptyValueBucket: 4 }]);
  const scoresFile = join(root, 'headers-scores.csv');
  const p = await mmoe('predict', '--model', dir, '--input', csv, '--output', scoresFile, '--threads', '0');
  assert.equal(p.code, 0, p.err);
  const want = (parse(readFileSync(scoresFile), { columns: true }) as Row[]).map((row) => Number(row.ctr));
  const onnx = await example.openModel(dir);
  const got = await onnx.score(rows);
  await onnx.release();
  want.forEach((w, i) => assertClose(got.ctr[i], w, `ctr row ${i}`));
});

test('an export that would leave signature.json wrong for the other format in the directory is refused before writing', async () => {
  const dir = join(root, 'shared-signature');
  await saveUntrained(dir, {
    features: { categorical: [{ name: 'user', buckets: 10, embeddingDim: 2 }], numeric: [{ name: 'price', transform: 'none' }] },
    tasks: [{ name: 'ctr', label: 'click', type: 'binary' }, { name: 'cvr', label: 'conversion', type: 'binary' }],
    model: { type: 'mmoe', experts: { count: 2, units: [4] }, towers: { units: [2] } },
  });
  assert.equal((await mmoe('export', '--model', dir, '--format', 'onnx')).code, 0);
  const before = readFileSync(join(dir, 'signature.json'), 'utf8');
  const r = await mmoe('export', '--model', dir, '--format', 'keras', '--gates');
  assert.equal(r.code, 2, r.err);
  assert.match(r.err, /model\.onnx there does not match this export .*--format onnx,keras/);
  assert.equal(readFileSync(join(dir, 'signature.json'), 'utf8'), before, 'the schema still describes model.onnx');
  assert.ok(!existsSync(join(dir, 'model.keras')));
  const session = await ort.InferenceSession.create(join(dir, 'model.onnx'));
  assert.deepEqual(session.outputNames, JSON.parse(before).outputs.map((o: { name: string }) => o.name));
  await session.release();
  // Both together, or the same outputs, are fine.
  assert.equal((await mmoe('export', '--model', dir, '--format', 'keras')).code, 0);
  assert.equal((await mmoe('export', '--model', dir, '--format', 'onnx,keras', '--gates')).code, 0);
  assert.match(readFileSync(join(dir, 'signature.json'), 'utf8'), /gate_ctr/);
});
