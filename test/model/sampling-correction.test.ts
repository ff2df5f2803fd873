// The correction for negative sampling lives in the published graph itself: plain
// tf.loadLayersModel (and mmoe's own scorers) give q = p / (p + (1 - p) / rate) for the sampled
// task, the training graph keeps p, and ESMM's CTCVR product inherits the corrected CTR.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../src/backend.js';
import { corrected } from '../../src/data/negative-sampling.js';
import { openModel } from '../../src/scoring/model-dir.js';
import { buildModel, nodeFileSystem, saveModel } from '../../src/model/index.js';
import { maxAbsDiff, portableInputs, syntheticBatch, tinyModel, tinySpec, tinyTraining } from './fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'mmoe-sampling-'));
before(async () => {
  // wasm: the folded scorer, which exists on wasm only, must apply the correction too.
  await selectBackend('wasm');
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('the exported graph corrects the sampled task in a built-in Rescaling layer; other tasks untouched', async () => {
  const rate = 0.1;
  const plain = tinySpec();
  const sampled = { ...plain, negativeSampling: { task: 'ctr', rate } };
  const model = tinyModel({ type: 'mmoe' });
  const p = buildModel(plain, model, tinyTraining());
  const q = buildModel(sampled, model, tinyTraining());
  const batch = syntheticBatch(plain, 64);
  for (let i = 0; i < 5; i++) p.trainStep(batch);
  q.setState(p.getState()); // the same weights: only the graphs differ
  // The validation loss measures the published model: the corrected probability for ctr.
  const pc = p.predict(batch);
  let bce = 0;
  for (let i = 0; i < batch.size; i++) {
    const qi = corrected(pc.ctr![i]!, rate);
    bce -= batch.labels[i * 2]! ? Math.log(qi) : Math.log(1 - qi);
  }
  const lq = q.evaluate(batch).taskLosses;
  const lp = p.evaluate(batch).taskLosses;
  assert.ok(Math.abs(lq.ctr! - bce / batch.size) < 1e-4, `validation loss of ctr on q: ${lq.ctr} vs ${bce / batch.size}`);
  assert.ok(Math.abs(lq.ctcvr! - lp.ctcvr!) < 1e-6, 'ctcvr: unchanged');

  const out = join(dir, 'mmoe');
  await saveModel(q, out);
  const topology = JSON.parse(readFileSync(join(out, 'model.json'), 'utf8')).modelTopology.config.layers as { class_name: string; config: { name: string; offset?: number; scale?: number } }[];
  const layer = topology.find((l) => l.config.name === 'ctr_sampling_correction');
  assert.equal(layer?.class_name, 'Rescaling');
  assert.equal(layer?.config.scale, 1);
  assert.ok(Math.abs(layer!.config.offset! - Math.log(rate)) < 1e-12);
  assert.equal(topology.filter((l) => l.config.name.endsWith('_sampling_correction')).length, 1);

  const loaded = await tf.loadLayersModel(nodeFileSystem(out));
  const got = loaded.predict(portableInputs(loaded.inputNames, plain, batch)) as tf.Tensor[];
  const ps = p.predict(batch);
  const want = Float32Array.from(ps.ctr!, (x) => corrected(x, rate));
  assert.ok(maxAbsDiff(got[0]!.dataSync(), want) < 1e-5, 'ctr: corrected');
  assert.ok(maxAbsDiff(got[1]!.dataSync(), ps.ctcvr!) < 1e-6, 'ctcvr: as trained');
  assert.ok(maxAbsDiff(q.predict(batch).ctr!, want) < 1e-5, "mmoe's own scoring graph: corrected");

  const opened = await openModel(out, '--model', { threads: 0 });
  try {
    const scored = await opened.scorer.score(batch, false);
    assert.ok(maxAbsDiff(scored.scores.ctr!, want) < 1e-4, `folded scoring (${opened.info.scoring.engine}): corrected`);
  } finally {
    await opened.close();
  }
  loaded.dispose();
  p.dispose();
  q.dispose();
});

test("ESMM: correcting the CTR output corrects the CTCVR product (pCTCVR = q x pCVR)", async () => {
  const rate = 0.25;
  const plain = tinySpec();
  const model = tinyModel({ type: 'esmm', esmm: { ctrTask: 'ctr', ctcvrTask: 'ctcvr', sharedBottom: false } });
  const p = buildModel(plain, model, tinyTraining());
  const q = buildModel({ ...plain, negativeSampling: { task: 'ctr', rate } }, model, tinyTraining());
  q.setState(p.getState());
  const batch = syntheticBatch(plain, 32);
  const a = p.predict(batch);
  const b = q.predict(batch);
  const ctr = Float32Array.from(a.ctr!, (x) => corrected(x, rate));
  assert.ok(maxAbsDiff(b.ctr!, ctr) < 1e-5);
  assert.ok(maxAbsDiff(b.ctcvr!, Float32Array.from(a.ctcvr!, (x, i) => (x / a.ctr![i]!) * ctr[i]!)) < 1e-5);
  p.dispose();
  q.dispose();
});
