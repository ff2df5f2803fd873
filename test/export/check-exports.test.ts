// Names and sizes the exporters cannot take: each stops with a ConfigError or UsageError (exit 2)
// naming the problem and writes nothing, never an invalid file or a crash; checkExports finds the
// same before any data is read, so a nightly run with `export` in its config fails at once.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import * as ort from 'onnxruntime-node';
import { selectBackend } from '../../src/backend.js';
import { parseConfig } from '../../src/config/load.js';
import { ConfigError, UsageError } from '../../src/errors.js';
import { checkExports } from '../../src/export/index.js';
import { mmoe, saveUntrained } from '../eval/fixtures.js';
import { TEST_BACKEND } from '../test-backend.js';

const root = mkdtempSync(join(tmpdir(), 'mmoe-export-clash-'));
before(async () => {
  await selectBackend(TEST_BACKEND);
});
after(() => rmSync(root, { recursive: true, force: true }));

const TASKS = [{ name: 'ctr', label: 'click', type: 'binary' }];
const MODEL = { type: 'shared_bottom', experts: { units: [4] }, towers: { units: [2] } };
const config = (numeric: { name: string }[], extra: Record<string, unknown> = {}) => ({
  features: { categorical: [{ name: 'user', buckets: 10, embeddingDim: 2 }], numeric },
  tasks: TASKS,
  model: MODEL,
  ...extra,
});

/** Exports `format` of an untrained model of `cfg`; returns the CLI's outcome and whether the file appeared. */
async function exportOf(name: string, cfg: Record<string, unknown>, format: 'onnx' | 'keras') {
  const dir = join(root, `${name}-${format}`);
  await saveUntrained(dir, cfg);
  const r = await mmoe('export', '--model', dir, '--format', format);
  return { ...r, written: existsSync(join(dir, `model.${format}`)) };
}

for (const format of ['onnx', 'keras'] as const) {
  test(`${format}: a numeric feature named 'features' (the graph's block of features) exports under its derived graph name`, async () => {
    const r = await exportOf('features', config([{ name: 'features' }]), format);
    assert.equal(r.code, 0, r.err);
    assert.equal(r.written, true);
    const signature = JSON.parse(readFileSync(join(root, `features-${format}`, 'signature.json'), 'utf8'));
    const input = signature.inputs.find((i: { column: string }) => i.column === 'features');
    assert.equal(input.name, 'features_2', 'feature_spec.json graphNames keeps it off the reserved name');
    if (format === 'onnx') {
      const session = await ort.InferenceSession.create(join(root, 'features-onnx', 'model.onnx'));
      assert.ok(session.inputNames.includes('features_2'));
      await session.release();
    }
  });
}

test("keras: a numeric feature named after another's layer (x_column before x) stops the export instead of writing a model Keras cannot load", async () => {
  const r = await exportOf('column', config([{ name: 'x_column' }, { name: 'x' }]), 'keras');
  assert.equal(r.code, 2, r.err);
  assert.match(r.err, /'x_column' would name two layers of the Keras model/);
  assert.equal(r.written, false);
});

test('checkExports: a name the configured exports cannot take fails before training, and only when exports are configured', () => {
  // A feature named like a task or like the graph's own values gets a derived graph name (ctr_2, features_2): no clash.
  assert.doesNotThrow(() => checkExports(parseConfig({ ...config([{ name: 'ctr' }]), export: { onnx: true, keras: true } })));
  assert.doesNotThrow(() => checkExports(parseConfig({ ...config([{ name: 'features' }]), export: { onnx: true, keras: true } })));
  const clash = config([{ name: 'out_ctr' }]);
  assert.throws(() => checkExports(parseConfig({ ...clash, export: { keras: true } })), (e: Error) => e instanceof ConfigError && /'out_ctr' would name two layers of the Keras model/.test(e.message));
  assert.doesNotThrow(() => checkExports(parseConfig({ ...config([{ name: 'out_ctr' }]), export: { onnx: true } })));
  assert.doesNotThrow(() => checkExports(parseConfig(clash)), 'no export configured: the model trains and publishes');
});

test('checkExports: tables over 2 GiB fail before training, with the limit, without allocating them', () => {
  const huge = { ...config([]), features: { categorical: [{ name: 'user', buckets: 40_000_000, embeddingDim: 16 }], numeric: [] } };
  for (const f of ['onnx', 'keras']) {
    const cfg = parseConfig({ ...huge, export: { [f]: true } });
    assert.throws(() => checkExports(cfg), (e: Error) => e instanceof UsageError && new RegExp(`model\\.${f} \\(export\\.${f}\\): .*2\\.38 GiB, over the 2 GiB`).test(e.message));
  }
  assert.doesNotThrow(() => checkExports(parseConfig({ ...huge, features: { categorical: [{ name: 'user', buckets: 30_000_000, embeddingDim: 16 }], numeric: [] }, export: { onnx: true, keras: true } })));
});
