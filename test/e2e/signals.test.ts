// Real signals to real `mmoe` processes (issue 10 items 4 and 6): the first SIGINT or SIGTERM
// stops the read at its next chunk with exit 130; predict removes its partial output, and what a
// SIGKILL left behind is swept by the next predict.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { generateCtr } from '../../src/data/generate-ctr.js';
import { saveUntrained, TINY_CONFIG } from '../eval/fixtures.js';
import { waitFor } from '../wait-for.js';
import { childEnv } from '../test-backend.js';

const root = mkdtempSync(join(tmpdir(), 'mmoe-signals-'));
const data = join(root, 'data');
const model = join(root, 'model');
const config = join(root, 'tiny.json');
const BIG_ROWS = 300_000;
// Killed predict and eval runs (and train's validation and promotion gate) take cpu, the slowest
// engine: they are still reading or scoring the big day when the signal is sent (signals are
// handled between chunks and batches, the same on every engine). Others take the suite's.
const SLOW = ['--backend', 'cpu'];

after(() => rmSync(root, { recursive: true, force: true }));
before(async () => {
  // A small first day and a big second one: reading the second takes about a second or more.
  await generateCtr({ out: data, startDate: '20260101', days: 1, rowsPerDay: 1000, seed: 1 });
  await generateCtr({ out: data, startDate: '20260102', days: 1, rowsPerDay: BIG_ROWS, seed: 2 });
  await saveUntrained(model, TINY_CONFIG);
  writeFileSync(config, JSON.stringify({ ...TINY_CONFIG, training: { ...TINY_CONFIG.training, epochs: 1 } }));
});

function mmoeProcess(...args: string[]): { child: ChildProcess; stderr: () => string; done: Promise<{ code: number | null; signal: string | null; err: string }> } {
  const child = spawn(process.execPath, ['bin/mmoe.js', ...args], { stdio: ['ignore', 'ignore', 'pipe'], env: childEnv() });
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  const done = new Promise<{ code: number | null; signal: string | null; err: string }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal, err })));
  return { child, stderr: () => err, done };
}

const temporaries = (dir: string) => (existsSync(dir) ? readdirSync(dir).filter((f) => f.includes('.tmp-')) : []);

for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  test(`${sig} to predict while it writes: exit 130, the partial output is removed, nothing at --output`, async () => {
    const out = join(root, `predict-${sig}`, 'scores.csv');
    const p = mmoeProcess('predict', '--model', model, '--data-dir', data, '--dates', '20260102', '--output', out, ...SLOW, '--threads', '0');
    await waitFor(() => temporaries(join(root, `predict-${sig}`)).length > 0, 'the temporary output', 60_000);
    p.child.kill(sig);
    const r = await p.done;
    assert.equal(r.code, 130, r.err);
    assert.match(r.err, new RegExp(`${sig} received, stopping cleanly`));
    assert.match(r.err, /interrupted while reading .*part-00000\.csv; the partial output was removed and .*scores\.csv was not written/);
    assert.deepEqual(readdirSync(join(root, `predict-${sig}`)), []);
  });
}

test('SIGKILL leaves a temporary output; the next predict sweeps it and writes its own', async () => {
  const dir = join(root, 'predict-kill');
  const out = join(dir, 'scores.csv');
  const p = mmoeProcess('predict', '--model', model, '--data-dir', data, '--dates', '20260102', '--output', out, ...SLOW, '--threads', '0');
  await waitFor(() => temporaries(dir).length > 0, 'the temporary output', 60_000);
  p.child.kill('SIGKILL');
  assert.equal((await p.done).signal, 'SIGKILL');
  assert.equal(temporaries(dir).length, 1, 'a killed process cannot clean up');
  const next = mmoeProcess('predict', '--model', model, '--data-dir', data, '--dates', '20260101', '--output', out);
  const r = await next.done;
  assert.equal(r.code, 0, r.err);
  assert.match(r.err, /removed temporary output left by a killed run: \.scores\.csv\.tmp-\d+-[0-9a-f]{8}/);
  assert.deepEqual(readdirSync(dir), ['scores.csv']);
  assert.equal(readFileSync(out, 'utf8').trim().split('\n').length, 1001);
});

test('SIGINT to eval while it reads: exit 130 at the next chunk', async () => {
  const p = mmoeProcess('eval', '--model', model, '--data-dir', data, '--dates', '20260102', ...SLOW, '--threads', '0');
  await waitFor(() => /the metrics will hold about/.test(p.stderr()), 'the model to be opened and the read to start', 60_000);
  p.child.kill('SIGINT');
  const r = await p.done;
  assert.equal(r.code, 130, r.err);
  assert.match(r.err, /interrupted while reading .*20260102.*part-00000\.csv/);
});

test('SIGINT to train during its data read stops the read at the next chunk, not at its end', async () => {
  const logs = join(root, 'logs');
  const models = join(root, 'models');
  const p = mmoeProcess('train', '--train-data-dir', data, '--cur-date', '20260102', '--config', config, '--model-output-dir', models, '--log-dir', logs, '--quiet');
  const log = () => {
    const run = existsSync(logs) ? readdirSync(logs)[0] : undefined;
    return run && existsSync(join(logs, run, 'mmoe.log')) ? readFileSync(join(logs, run, 'mmoe.log'), 'utf8') : '';
  };
  // The small first day is read; the big second day is being read.
  await waitFor(() => (log().match(/"msg":"file read"/g) ?? []).length === 1, 'the first file to be read', 60_000);
  p.child.kill('SIGINT');
  const r = await p.done;
  assert.equal(r.code, 130, r.err);
  assert.match(r.err, /interrupted while reading the data; nothing was published/);
  assert.equal((log().match(/"msg":"file read"/g) ?? []).length, 1, `the ${BIG_ROWS}-row file was not read to its end`);
  assert.match(log().trim().split('\n').at(-1)!, /"exitCode":130,.*"msg":"mmoe train failed \(exit 130\): interrupted while reading the data/);
  assert.deepEqual(readdirSync(models).filter((f) => f !== 'status.json'), [], 'no model, no staging, no lock');
});

test('SIGINT to train while two training threads run: exit 130 at the next step, no thread left running', async () => {
  // minmax statistics to compute: the whole read comes first, so the signal arrives during the steps.
  const threaded = join(root, 'threaded.json');
  const numeric = [{ name: 'hour', transform: 'minmax' }];
  writeFileSync(threaded, JSON.stringify({ ...TINY_CONFIG, features: { ...TINY_CONFIG.features, numeric }, training: { ...TINY_CONFIG.training, epochs: 20 } }));
  const logs = join(root, 'logs-threads');
  const models = join(root, 'models-threads');
  const p = mmoeProcess('train', '--train-data-dir', data, '--cur-date', '20260102', '--config', threaded, '--model-output-dir', models, '--log-dir', logs, '--backend', 'cpu', '--threads', '2', '--quiet');
  const log = () => {
    const run = existsSync(logs) ? readdirSync(logs)[0] : undefined;
    return run && existsSync(join(logs, run, 'mmoe.log')) ? readFileSync(join(logs, run, 'mmoe.log'), 'utf8') : '';
  };
  await waitFor(() => /training on the fast path \(wasm SIMD kernels[^)]*, 2 threads\)/.test(log()), 'the training threads to start', 60_000);
  p.child.kill('SIGINT');
  const r = await p.done;
  assert.equal(r.code, 130, r.err);
  assert.match(r.err, /interrupted at epoch \d+, step \d+; nothing was published and the previous model is untouched/);
  // It exited by itself (bin/mmoe.js never calls process.exit): no reading or training thread kept it alive.
  assert.deepEqual(readdirSync(models).filter((f) => f !== 'status.json'), [], 'no model, no staging, no lock');
});

test('SIGINT to train while it validates on a big day stops the validation at its next batch', async (t) => {
  const logs = join(root, 'logs-valid');
  const models = join(root, 'models-valid');
  // Trains on the small day in one step, validates on the big one (seconds). The epoch's training
  // curve goes to TensorBoard before the validation starts: with one step, the train/ event file
  // appears at that moment.
  const args = ['--train-data-dir', data, '--cur-date', '20260101', '--days', '1', '--valid-date', '20260102', '--config', config, '--batch-size', '2048'];
  const p = mmoeProcess('train', ...args, '--model-output-dir', models, '--log-dir', logs, ...SLOW, '--quiet');
  t.after(() => void (p.child.exitCode === null && p.child.kill('SIGKILL'))); // a failed wait must not leave it running
  const trainEvents = () => (existsSync(logs) ? readdirSync(logs).some((run) => existsSync(join(logs, run, 'train'))) : false);
  await waitFor(trainEvents, 'the epoch\'s training to end', 60_000);
  p.child.kill('SIGINT');
  const r = await p.done;
  assert.equal(r.code, 130, r.err);
  assert.match(r.err, /interrupted while validating; nothing was published/);
  assert.deepEqual(readdirSync(models).filter((f) => f !== 'status.json'), [], 'no model, no staging, no lock');
});

test('SIGTERM to train during its promotion gate stops the gate\'s read; latest stays', async (t) => {
  const logs = join(root, 'logs-gate');
  const models = join(root, 'models-gate');
  const night = ['--train-data-dir', data, '--cur-date', '20260101', '--days', '1', '--config', config, '--model-output-dir', models, '--log-dir', logs, ...SLOW];
  const first = mmoeProcess('train', ...night, '--quiet');
  assert.equal((await first.done).code, 0, first.stderr());
  const latest = readlinkSync(join(models, 'latest'));
  // The same night again, gated on the big day neither model trained on.
  const p = mmoeProcess('train', ...night, '--gate', 'max-auc-drop=0.5', '--gate-dates', '20260102');
  t.after(() => void (p.child.exitCode === null && p.child.kill('SIGKILL')));
  await waitFor(() => /promotion gate: scoring the new model and latest/.test(p.stderr()), 'the gate to start', 60_000);
  p.child.kill('SIGTERM');
  const r = await p.done;
  assert.equal(r.code, 130, r.err);
  assert.match(r.err, /interrupted during the promotion gate; nothing was published/);
  assert.equal(readlinkSync(join(models, 'latest')), latest);
  assert.deepEqual(readdirSync(models).filter((f) => f.startsWith('.')), [], 'no staging, no lock');
});
