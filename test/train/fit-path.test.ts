// What trained the dense network is logged at the first step and returned with the fit (the job
// writes it to metadata.json), also when the probe step disagrees and tfjs takes over.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { before, test } from 'node:test';
import pino from 'pino';
import { selectBackend } from '../../src/backend.js';
import { configSchema } from '../../src/config/schema.js';
import { EncodedTable } from '../../src/data/encoded-table.js';
import { buildModel } from '../../src/model/index.js';
import { fit } from '../../src/train/fit.js';
import { RunLog } from '../../src/train/run-log.js';
import { syntheticBatch, tinyModel, tinySpec, tinyTraining } from '../model/fixtures.js';

before(async () => {
  await selectBackend('wasm');
});

test('a probe step that disagrees: fit trains on tfjs, logs why and returns the path', async () => {
  const spec = tinySpec();
  const cfg = configSchema.parse({ features: { categorical: [], numeric: [] }, tasks: spec.tasks, training: { epochs: 1, batchSize: 64, seed: 7 } });
  const rows = EncodedTable.forSpec(spec);
  const b = syntheticBatch(spec, 150);
  for (let r = 0; r < b.size; r++) rows.appendRow(b, r);
  const lines: { msg: string; trainingPath?: { kernels: string; reason: string } }[] = [];
  const logger = pino({ level: 'info' }, new Writable({ write: (c, _e, done) => (lines.push(JSON.parse(String(c))), done()) }));
  const dir = mkdtempSync(join(tmpdir(), 'mmoe-fit-path-'));
  const runLog = new RunLog(dir);
  const m = buildModel(spec, tinyModel({ type: 'mmoe' }), tinyTraining(), 7, { probeTolerance: -1 });
  const r = await fit(m, cfg, rows, EncodedTable.forSpec(spec), { logger, runLog });
  runLog.close();
  rmSync(dir, { recursive: true, force: true });
  assert.equal(r.trainingPath?.kernels, 'tfjs');
  assert.match(r.trainingPath!.reason, /^probe step: the fast path deviates from tfjs/);
  const line = lines.find((l) => l.msg.startsWith('training on the tfjs graph'));
  assert.ok(line, lines.map((l) => l.msg).join('\n'));
  assert.match(line.msg, /training on the tfjs graph: probe step: the fast path deviates from tfjs by \S+ \(tolerance -1\)/);
  assert.equal(line.trainingPath?.kernels, 'tfjs');
  m.dispose();
});
