// `--backend auto` end to end: what it picks for training and scoring, and that it says so in
// metadata.json, the eval report (JSON and markdown) and the log, as docs/backends.md documents.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { selectBackend } from '../../src/backend.js';
import { AUTO_RULES } from '../../src/backend-choice.js';
import { main } from '../../src/cli/main.js';
import { ctrDays, TINY_CONFIG } from '../eval/fixtures.js';
import { fakeEnv } from './fake-env.js';

const root = mkdtempSync(join(tmpdir(), 'mmoe-auto-'));
const data = join(root, 'data');
let tensorflowWorks = false;
before(async () => {
  await ctrDays(data, 1500);
  writeFileSync(join(root, 'tiny.json'), JSON.stringify({ ...TINY_CONFIG, training: { ...TINY_CONFIG.training, epochs: 1 } }));
  tensorflowWorks = await selectBackend('tensorflow').then(() => true, () => false);
});
after(() => rmSync(root, { recursive: true, force: true }));

async function mmoe(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const env = fakeEnv({ logFiles: true }); // its MMOE_BACKEND is the suite's: --backend auto must win over it
  const code = await main(['node', 'mmoe', ...args, '--backend', 'auto'], env);
  return { code, out: env.out(), err: env.err() };
}

interface Trained {
  backend: string;
  backendChoice: { requested: string; reason: string; skipped: { name: string }[] };
  /** The backend line of the run's mmoe.log (JSON lines), as an object. */
  logged: { backend: string; requested: string; reason: string; msg: string };
}

async function trainAuto(config: string, name: string): Promise<Trained> {
  const models = join(root, name);
  const logs = join(root, `logs-${name}`);
  const r = await mmoe('train', '--train-data-dir', data, '--cur-date', '20260102', '--config', config, '--epochs', '1', '--quiet', '--model-output-dir', models, '--log-dir', logs);
  assert.equal(r.code, 0, r.err);
  const [run] = readdirSync(logs);
  const lines = readFileSync(join(logs, run!, 'mmoe.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  const logged = lines.find((l) => typeof l.msg === 'string' && l.msg.startsWith('backend: '));
  assert.ok(logged, 'the run log has the backend line');
  return { ...JSON.parse(readFileSync(join(models, '20260102', 'metadata.json'), 'utf8')), logged };
}

/** The log says what ran and why, with the reason metadata.json records. */
function assertLogged(meta: Trained): void {
  assert.equal(meta.logged.backend, meta.backend);
  assert.equal(meta.logged.requested, 'auto');
  assert.equal(meta.logged.reason, meta.backendChoice.reason);
  assert.equal(meta.logged.msg, `backend: ${meta.backend} (${meta.backendChoice.reason})`);
}

test('auto trains a small dense network on wasm and says why in the log and metadata.json', async () => {
  const meta = await trainAuto(join(root, 'tiny.json'), 'tiny');
  assert.equal(meta.backend, AUTO_RULES.train.below);
  assert.equal(meta.backendChoice.requested, 'auto');
  assert.match(meta.backendChoice.reason, /^auto for training: wasm first, this dense network costs [\d,]+ multiply-adds per row, under the measured crossover/);
  assertLogged(meta);
});

test('auto trains the reference ads model (105,536 multiply-adds per row) on tensorflow when tfjs-node runs, else on wasm, saying tensorflow was passed over', async () => {
  const meta = await trainAuto('configs/ads-reference.json', 'wide');
  assert.match(meta.backendChoice.reason, /^auto for training: tensorflow first, this dense network costs 105,536 multiply-adds per row, at or over/);
  if (tensorflowWorks) {
    assert.equal(meta.backend, AUTO_RULES.train.atOrAbove);
    assert.deepEqual(meta.backendChoice.skipped, []);
  } else {
    assert.equal(meta.backend, 'wasm');
    assert.deepEqual(meta.backendChoice.skipped.map((s) => s.name), ['tensorflow']);
    assert.match(meta.backendChoice.reason, /; the optional tensorflow backend is not installed$/);
  }
  assertLogged(meta);
});

test('auto scores with the folded scorer on wasm and says so in the JSON and markdown reports; the plain graph goes by its own measurement', async () => {
  const model = join(root, 'tiny', 'latest');
  const json = await mmoe('eval', '--model', model, '--data-dir', data, '--dates', '20260102', '--format', 'json');
  assert.equal(json.code, 0, json.err);
  const scoring = JSON.parse(json.out).model.scoring;
  assert.equal(scoring.backend, AUTO_RULES.scoreFolded.engine);
  assert.equal(scoring.engine, 'folded');
  assert.match(scoring.backendReason, /^auto for scoring with folded first layers: wasm first/);
  const md = await mmoe('eval', '--model', model, '--data-dir', data, '--dates', '20260102', '--format', 'markdown');
  assert.match(md.out, /- \*\*backend\*\* wasm \(auto for scoring with folded first layers: wasm first/);

  const plain = await mmoe('eval', '--model', model, '--data-dir', data, '--dates', '20260102', '--format', 'json', '--fold-budget', '0');
  assert.equal(plain.code, 0, plain.err);
  const graph = JSON.parse(plain.out).model.scoring;
  assert.equal(graph.backend, tensorflowWorks ? AUTO_RULES.scoreGraph.engine : 'wasm');
  assert.match(graph.backendReason, /^auto for scoring with the plain graph/);
});
