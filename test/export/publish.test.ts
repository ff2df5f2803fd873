// `export` in the config: model.onnx and model.keras are written into the staging directory with
// the model, so they are published atomically with it (or not at all); signature.json always is.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { unzipSync } from 'fflate';
import * as ort from 'onnxruntime-node';
import { ctrDays, mmoe, TINY_CONFIG, trainTiny } from '../eval/fixtures.js';

const root = mkdtempSync(join(tmpdir(), 'mmoe-export-publish-'));
const data = join(root, 'data');
before(async () => {
  await ctrDays(data, 1500);
  for (const d of ['on', 'off', 'clash']) mkdirSync(join(root, d));
});
after(() => rmSync(root, { recursive: true, force: true }));

test('export.onnx and export.keras publish model.onnx and model.keras next to model.json', async () => {
  const latest = await trainTiny(join(root, 'on'), data, { export: { onnx: true, keras: true, gates: true } });
  for (const f of ['model.json', 'model.onnx', 'model.keras', 'signature.json']) assert.ok(existsSync(join(latest, f)), f);
  const sig = JSON.parse(readFileSync(join(latest, 'signature.json'), 'utf8'));
  assert.deepEqual(sig.outputs.map((o: { name: string }) => o.name), ['ctr', 'ctcvr', 'gate_ctr', 'gate_ctcvr']);
  const hour = sig.inputs.find((i: { name: string }) => i.name === 'hour');
  assert.deepEqual(hour.statistics, { min: 0, max: 23 }, 'statistics of the published feature spec');
  const session = await ort.InferenceSession.create(join(latest, 'model.onnx'));
  assert.deepEqual(session.inputNames, sig.inputs.map((i: { name: string }) => i.name));
  assert.deepEqual(session.outputNames, sig.outputs.map((o: { name: string }) => o.name));
  await session.release();
  const archive = unzipSync(readFileSync(join(latest, 'model.keras')));
  assert.deepEqual(Object.keys(archive).sort(), ['config.json', 'metadata.json', 'model.weights.h5']);
});

test('without an export section only signature.json is added', async () => {
  const latest = await trainTiny(join(root, 'off'), data);
  assert.ok(existsSync(join(latest, 'signature.json')));
  assert.ok(!existsSync(join(latest, 'model.onnx')));
  assert.ok(!existsSync(join(latest, 'model.keras')));
});

test('a config whose exports cannot be written fails before the data is read, not after training', async () => {
  const config = join(root, 'clash', 'clash.json');
  const categorical = [...TINY_CONFIG.features.categorical, { name: 'huge', column: 'device_ip', buckets: 40_000_000, embeddingDim: 16 }]; // 2.4 GiB of table: over ONNX's 2 GiB
  writeFileSync(config, JSON.stringify({ ...TINY_CONFIG, features: { ...TINY_CONFIG.features, categorical }, export: { onnx: true } }));
  const models = join(root, 'clash', 'models');
  const r = await mmoe('train', '--train-data-dir', data, '--cur-date', '20260102', '--config', config, '--model-output-dir', models, '--log-dir', join(root, 'clash', 'logs'));
  assert.equal(r.code, 2, r.err);
  assert.match(r.err, /model\.onnx \(export\.onnx\): .*over the 2 GiB/);
  assert.doesNotMatch(r.err, /read \d+ file|epoch 1/, 'nothing was read or trained');
  assert.ok(!existsSync(join(models, 'latest')));
});
