import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { BACKEND_ENV, backendLine, backendRequest, choiceReason, restoreUtilForTfjsNode, selectBackend, tensorflowEnv } from '../src/backend.js';
import { UsageError } from '../src/errors.js';
import { generateCtr } from '../src/data/generate-ctr.js';
import { TINY_CONFIG } from './eval/fixtures.js';

test('--backend wins over MMOE_BACKEND, which wins over auto; a bad value names where it came from', () => {
  assert.deepEqual(backendRequest('cpu', 'wasm'), { name: 'cpu', source: '--backend' });
  assert.deepEqual(backendRequest(undefined, 'wasm'), { name: 'wasm', source: BACKEND_ENV });
  assert.deepEqual(backendRequest(undefined, undefined), { name: 'auto', source: 'default' });
  assert.deepEqual(backendRequest(undefined, ''), { name: 'auto', source: 'default' });
  assert.throws(() => backendRequest(undefined, 'gpu'), (e: Error) => e instanceof UsageError && /^MMOE_BACKEND 'gpu' is not one of auto, tensorflow, wasm, cpu/.test(e.message));
  assert.throws(() => backendRequest('gpu', undefined), { message: /^--backend 'gpu' is not one of/ });
});

test('an explicit backend is obeyed and the reason says who asked', async () => {
  const b = await selectBackend({ name: 'cpu', source: BACKEND_ENV });
  assert.equal(b.name, 'cpu');
  assert.equal(b.reason, 'MMOE_BACKEND=cpu');
  assert.equal((await selectBackend({ name: 'wasm', source: '--backend' })).reason, '--backend wasm');
});

test('the reason names a backend passed over in a word, without the module loader\'s message', () => {
  const skipped = [{ name: 'tensorflow', reason: "@tensorflow/tfjs-node is not installed (Cannot find package '@tensorflow/tfjs-node' imported from /x/backend.js)" }];
  const reason = choiceReason('auto for training: tensorflow first', skipped);
  assert.equal(reason, 'auto for training: tensorflow first; the optional tensorflow backend is not installed');
  assert.equal(backendLine({ name: 'wasm', reason }), `backend: wasm (${reason})`);
  assert.equal(choiceReason('--backend cpu', [{ name: 'wasm', reason: 'the wasm backend failed to initialise' }]), '--backend cpu; wasm unavailable');
});

test("TensorFlow's environment: oneDNN off and info lines hidden unless the user set them or MMOE_DEBUG is on", () => {
  const env: NodeJS.ProcessEnv = {};
  tensorflowEnv(env, false);
  assert.deepEqual(env, { TF_ENABLE_ONEDNN_OPTS: '0', TF_CPP_MIN_LOG_LEVEL: '1' });
  const mine: NodeJS.ProcessEnv = { TF_ENABLE_ONEDNN_OPTS: '1', TF_CPP_MIN_LOG_LEVEL: '0' };
  tensorflowEnv(mine, false);
  assert.deepEqual(mine, { TF_ENABLE_ONEDNN_OPTS: '1', TF_CPP_MIN_LOG_LEVEL: '0' });
  const debug: NodeJS.ProcessEnv = {};
  tensorflowEnv(debug, true);
  assert.deepEqual(debug, { TF_ENABLE_ONEDNN_OPTS: '0' }, 'debugging shows the lines but computes the same way');
});

test('on Node 23 and later, the util function tfjs-node 4.22 calls is put back; an existing one is left alone; isArray warns no more', () => {
  const removed: Record<string, unknown> = { isArray: () => process.emitWarning('deprecated', 'DeprecationWarning', 'DEP0044') };
  restoreUtilForTfjsNode(removed);
  const f = removed.isNullOrUndefined as (v: unknown) => boolean;
  assert.deepEqual([null, undefined, 0, '', false, {}].map(f), [true, true, false, false, false, false]);
  assert.equal(removed.isArray, Array.isArray);
  const own = () => true;
  const present: Record<string, unknown> = { isNullOrUndefined: own };
  restoreUtilForTfjsNode(present);
  assert.equal(present.isNullOrUndefined, own);
});

// A real process: the native library prints at load, before any JavaScript could intercept it.
const root = mkdtempSync(join(tmpdir(), 'mmoe-backend-'));
const data = join(root, 'data');
const config = join(root, 'tiny.json');
// Task experts are concatenated with the shared ones: a Concat kernel, where tfjs-node 4.22 calls
// util.isArray (a deprecation warning on stderr on Node 22 and later, see restoreUtilForTfjsNode).
const withConcat = join(root, 'task-experts.json');
before(async () => {
  await generateCtr({ out: data, startDate: '20260101', days: 2, rowsPerDay: 600, seed: 3 });
  writeFileSync(config, JSON.stringify(TINY_CONFIG));
  writeFileSync(withConcat, JSON.stringify({ ...TINY_CONFIG, model: { ...TINY_CONFIG.model, taskExperts: 1 } }));
});
after(() => rmSync(root, { recursive: true, force: true }));

function trainChild(backend: string, extraEnv: NodeJS.ProcessEnv, configFile = config) {
  const env = { ...process.env, ...extraEnv };
  for (const k of ['TF_CPP_MIN_LOG_LEVEL', 'TF_ENABLE_ONEDNN_OPTS', 'MMOE_DEBUG']) if (!(k in extraEnv)) delete env[k];
  const args = ['bin/mmoe.js', 'train', '--train-data-dir', data, '--cur-date', '20260102', '--config', configFile, '--epochs', '1', '--backend', backend, '--quiet'];
  const r = spawnSync(process.execPath, [...args, '--model-output-dir', join(root, `models-${backend}`), '--log-dir', join(root, 'logs')], { env, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stderr;
}

const TF_LINES = /oneDNN|absl|cpu_feature_guard|This TensorFlow binary is optimized|^[IW]\d{4} /m;
/** Why tfjs-node cannot run here, or undefined when it can. */
export const tensorflowMissing = (): Promise<string | undefined> =>
  selectBackend('tensorflow').then(
    () => undefined,
    (e: Error) => e.message,
  );

test('tensorflow: a quiet console (nothing on stderr: no TensorFlow info lines, no Node deprecation warning) unless MMOE_DEBUG is set', async (t) => {
  const missing = await tensorflowMissing();
  if (missing) return t.skip(`tfjs-node is not installed here (${missing}); docs/backends.md says how to build it here`);
  assert.equal(trainChild('tensorflow', {}, withConcat), '');
  // The same run with MMOE_DEBUG prints TensorFlow's info lines: the check above can see them.
  assert.match(trainChild('tensorflow', { MMOE_DEBUG: '1' }), TF_LINES);
});

test("cpu: no tfjs advice on the console (the cpu backend's 'install tfjs-node' banner) unless MMOE_DEBUG is set", () => {
  assert.equal(trainChild('cpu', {}), '');
  assert.match(trainChild('cpu', { MMOE_DEBUG: '1' }), /looks like you are running TensorFlow\.js in Node\.js/);
});
