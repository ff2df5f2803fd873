// A model trained on sampled negatives exports its correction: model.onnx, run in onnxruntime-node
// through the documented Node example, gives q = p / (p + (1 - p) / rate) for the sampled task.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'csv-parse/sync';
import { selectBackend } from '../../src/backend.js';
import { featureSpecFromConfig, inverseLabel } from '../../src/data/feature-spec.js';
import { corrected } from '../../src/data/negative-sampling.js';
import { buildModel, saveModel } from '../../src/model/index.js';
import { mmoe } from '../eval/fixtures.js';
import { assertClose, batchOf, csvRows, exportConfig, type Row, seededModel } from './fixtures.js';
import { TEST_BACKEND } from '../test-backend.js';

const root = mkdtempSync(join(tmpdir(), 'mmoe-export-sampling-'));
const example = (await import(new URL('../../../examples/serving/score-onnx.mjs', import.meta.url).href)) as {
  openModel(dir: string): Promise<{ score(rows: Row[]): Promise<Record<string, Float32Array>>; release(): Promise<void> }>;
};
before(async () => {
  await selectBackend(TEST_BACKEND);
});
after(() => rmSync(root, { recursive: true, force: true }));

test('model.onnx of a model trained on sampled negatives gives the corrected probability', async () => {
  const rate = 0.1;
  const cfg = exportConfig('mmoe');
  const plain = seededModel('mmoe');
  const m = buildModel({ ...featureSpecFromConfig(cfg), negativeSampling: { task: 'ctr', rate } }, cfg.model, cfg.training, 15);
  m.setState(plain.getState());
  const dir = join(root, 'sampled');
  mkdirSync(dir, { recursive: true });
  await saveModel(m, dir);
  const r = await mmoe('export', '--model', dir, '--format', 'onnx');
  assert.equal(r.code, 0, r.err);
  const csv = join(root, 'rows.csv');
  writeFileSync(csv, csvRows(200));
  const rows = parse(readFileSync(csv), { columns: true }) as Row[];
  const onnx = await example.openModel(dir);
  const got = await onnx.score(rows);
  await onnx.release();
  const p = plain.predict(batchOf(plain, rows));
  rows.forEach((_, i) => {
    assertClose(got.ctr![i]!, corrected(p.ctr![i]!, rate), `ctr row ${i}`);
    assertClose(got.watch![i]!, inverseLabel(m.spec.tasks[1]!, p.watch![i]!), `watch row ${i} (not sampled: unchanged)`);
  });
  assert.ok(rows.some((_, i) => Math.abs(got.ctr![i]! - p.ctr![i]!) > 0.05), 'the correction moved the scores');
  plain.dispose();
  m.dispose();
});
