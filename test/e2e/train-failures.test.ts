// Failure paths of `mmoe train` through the CLI (issue 10): each ends in its documented exit code,
// leaves nothing behind, and leaves `latest` and the previous model loadable.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { main } from '../../src/cli/main.js';
import { ctrDays, mmoe, TINY_CONFIG } from '../eval/fixtures.js';
import { fakeEnv } from '../cli/fake-env.js';
import { diskKind, injectedDisk, smallDisk } from '../util/small-disk.js';
import { nodeForOtherUser, NOBODY } from '../other-user.js';

const root = mkdtempSync(join(tmpdir(), 'mmoe-train-fail-'));
const data = join(root, 'data');
const config = join(root, 'tiny.json');

after(() => rmSync(root, { recursive: true, force: true }));
before(async () => {
  await ctrDays(data, 1500);
  writeFileSync(config, JSON.stringify({ ...TINY_CONFIG, training: { ...TINY_CONFIG.training, epochs: 1 } }));
});

/** `mmoe train` in this process, logs written to files as in production. */
async function train(models: string, logs: string, ...extra: string[]) {
  const env = fakeEnv({ logFiles: true });
  const args = ['node', 'mmoe', 'train', '--train-data-dir', data, '--cur-date', '20260102', '--config', config];
  const code = await main([...args, '--model-output-dir', models, '--log-dir', logs, '--quiet', ...extra], env);
  return { code, err: env.err() };
}

/** The model `latest` points at, and `dir`, still open and score (eval exits 0). */
async function loads(...dirs: string[]): Promise<void> {
  for (const dir of dirs) {
    const r = await mmoe('eval', '--model', dir, '--data-dir', data, '--dates', '20260102', '--format', 'json');
    assert.equal(r.code, 0, `${dir}: ${r.err}`);
  }
}

test('--warm-start auto: a damaged newest model is skipped with its reason; the run continues from the newest loadable one', async () => {
  const models = join(root, 'models-warm');
  const logs = join(root, 'logs-warm');
  const first = await train(models, logs, '--cur-date', '20260101', '--days', '1');
  assert.equal(first.code, 0, first.err);
  // An older loadable model, and the newest one damaged: NaN over its weight shard (right length).
  cpSync(join(models, '20260101'), join(models, '20251231'), { recursive: true });
  const shard = join(models, '20260101', 'group1-shard1of1.bin');
  const bytes = readFileSync(shard);
  new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4).fill(Number.NaN);
  writeFileSync(shard, bytes);
  const r = await train(models, logs, '--warm-start', 'auto');
  assert.equal(r.code, 0, r.err);
  const meta = JSON.parse(readFileSync(join(models, '20260102', 'metadata.json'), 'utf8'));
  assert.equal(meta.warmStart.from, join(models, '20251231'));
  assert.ok(meta.warmStart.reason.includes(`skipped as damaged: ${shard}: weight `), meta.warmStart.reason);
  assert.match(meta.warmStart.reason, /non-finite value/);
  assert.equal(readlinkSync(join(models, 'latest')), '20260102');
  await loads(join(models, 'latest'), join(models, '20251231'));
  // An explicit --warm-start of the damaged model is exit 3 naming the shard; nothing changes.
  const explicit = await train(models, logs, '--warm-start', join(models, '20260101'));
  assert.equal(explicit.code, 3, explicit.err);
  assert.ok(explicit.err.includes(shard), explicit.err);
  assert.equal(readlinkSync(join(models, 'latest')), '20260102');
  assert.deepEqual(readdirSync(models).filter((f) => f.startsWith('.')), []);
});

test('--warm-start from a model whose optimizer.bin is damaged (NaN moments, negative second moments): fresh moments saying why, never NaN weights or a diverged night', async () => {
  const models = join(root, 'models-opt');
  const logs = join(root, 'logs-opt');
  const first = await train(models, logs, '--cur-date', '20260101', '--days', '1');
  assert.equal(first.code, 0, first.err);
  const saved = join(models, '20260101');
  const header = JSON.parse(readFileSync(join(saved, 'optimizer.json'), 'utf8'));
  const pristine = readFileSync(join(saved, 'optimizer.bin'));
  const cases: [string, (f: Float32Array) => void, RegExp][] = [
    // Adam's dense slots are [first moments | second moments].
    ['negative second moments', (f) => f.fill(-5, header.dense.offset + header.dense.length / 2, header.dense.offset + header.dense.length), /optimizer\.bin holds -5 among the adam second moments of the dense weights, which cannot be negative/],
    ['NaN first moments', (f) => f.fill(Number.NaN, header.embeddings.tables[0].offset, header.embeddings.tables[0].offset + 8), new RegExp(`optimizer\\.bin holds NaN among the adam first moments of table '${header.embeddings.tables[0].name}', which must be finite`)],
  ];
  for (const [what, harm, reason] of cases) {
    const bytes = Buffer.from(pristine);
    harm(new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4));
    writeFileSync(join(saved, 'optimizer.bin'), bytes);
    rmSync(join(models, '20260102'), { recursive: true, force: true });
    const r = await train(models, logs, '--warm-start', 'auto');
    assert.equal(r.code, 0, `${what}: ${r.err}`);
    const meta = JSON.parse(readFileSync(join(models, '20260102', 'metadata.json'), 'utf8'));
    assert.equal(meta.warmStart.from, saved);
    assert.ok(meta.warmStart.optimizer.startsWith(`saved optimizer state in ${saved} not used (`), meta.warmStart.optimizer);
    assert.match(meta.warmStart.optimizer, reason);
    assert.match(meta.warmStart.optimizer, /: fresh optimizer moments$/);
    await loads(join(models, 'latest')); // its weights are finite (a NaN weight is refused at open)
  }
  writeFileSync(join(saved, 'optimizer.json'), 'hello');
  rmSync(join(models, '20260102'), { recursive: true, force: true });
  const r = await train(models, logs, '--warm-start', 'auto');
  assert.equal(r.code, 0, r.err);
  const meta = JSON.parse(readFileSync(join(models, '20260102', 'metadata.json'), 'utf8'));
  assert.match(meta.warmStart.optimizer, /not used \(optimizer\.json: Unexpected token/);
});

/** Publishes 20260101 into `models` (the previous model of the tests below). */
async function previousModel(models: string): Promise<void> {
  const r = await train(models, join(root, 'logs-prev'), '--cur-date', '20260101', '--days', '1');
  assert.equal(r.code, 0, r.err);
}

/** Nothing of a failed run is left in `models`: no staging, no set-aside model, no lock; latest as it was. */
function untouched(models: string, latest: string): void {
  assert.deepEqual(readdirSync(models).filter((f) => f.startsWith('.')), [], 'no .tmp-, .old-, .latest- or .lock left');
  assert.equal(readlinkSync(join(models, 'latest')), latest);
}

/** The last line of a run's mmoe.log, parsed. */
function lastLogLine(logs: string): Record<string, unknown> {
  const runs = readdirSync(logs).sort();
  const lines = readFileSync(join(logs, runs.at(-1)!, 'mmoe.log'), 'utf8').trim().split('\n');
  return JSON.parse(lines.at(-1)!);
}

test(`disk full (${diskKind}) while staging the model: exit 1 naming the file and ENOSPC; staging removed, latest and the previous model load`, async (t) => {
  const disk = smallDisk(root, 1 << 20);
  t.after(() => disk.release());
  t.diagnostic(`disk: ${disk.how}`);
  const models = join(disk.dir, 'models');
  await previousModel(models);
  disk.leave(24 * 1024); // the lock fits, the 37 KB weight shard does not
  const r = await train(models, join(root, 'logs-full'));
  assert.equal(r.code, 1, r.err);
  assert.match(r.err, new RegExp(`cannot write ${models}/\\.tmp-20260102-[^ ]+: no space left on the device \\(ENOSPC\\); nothing was published, latest still points at 20260101`));
  untouched(models, '20260101');
  assert.deepEqual(readdirSync(models).filter((f) => f !== 'status.json').sort(), ['20260101', 'latest']);
  assert.match(String(lastLogLine(join(root, 'logs-full')).msg), /mmoe train failed \(exit 1\): cannot write .*ENOSPC/);
  disk.leave(1 << 30);
  await loads(join(models, 'latest'), join(models, '20260101'));
});

test(`log disk full (${diskKind}) during the run: exit 1 naming the log file, nothing published`, async (t) => {
  const disk = smallDisk(root, 256 * 1024);
  t.after(() => disk.release());
  t.diagnostic(`disk: ${disk.how}`);
  const models = join(root, 'models-logfull');
  await previousModel(models);
  disk.leave(0);
  const r = await train(models, disk.dir);
  assert.equal(r.code, 1, r.err);
  assert.match(r.err, new RegExp(`cannot write ${disk.dir}/20260102-[^ ]+: no space left on the device \\(ENOSPC\\)`));
  untouched(models, '20260101');
  await loads(join(models, 'latest'));
});

test('the log disk fills exactly when the "published" line is written (injected: no real disk can time it): exit 0 with a warning, never exit 1 after publishing', async (t) => {
  const disk = injectedDisk(root);
  t.after(() => disk.release());
  const models = join(root, 'models-late');
  await previousModel(models);
  disk.fullFrom(/"msg":"published /);
  const r = await train(models, disk.dir);
  assert.equal(r.code, 0, r.err);
  assert.match(r.err, new RegExp(`warning: published ${models}/20260102, but the run log is incomplete: cannot write ${disk.dir}/.*/mmoe\\.log: no space left on the device \\(ENOSPC\\)`));
  untouched(models, '20260102');
  // One line earlier (the last one before publishing): exit 1, and the model of that date stays the old one.
  const before = readFileSync(join(models, '20260102', 'metadata.json'), 'utf8');
  disk.fullFrom(/"msg":"read 2 files? of/);
  const early = await train(models, disk.dir);
  assert.equal(early.code, 1, early.err);
  assert.ok(early.err.includes(`cannot write ${disk.dir}/`) && /no space left on the device \(ENOSPC\)/.test(early.err), early.err);
  assert.equal(readFileSync(join(models, '20260102', 'metadata.json'), 'utf8'), before);
  untouched(models, '20260102');
  await loads(join(models, 'latest'), join(models, '20260101'));
});

test('a log dir that cannot be created: exit 1 naming it and the cause, and no lock left behind', async () => {
  const models = join(root, 'models-nolog');
  await previousModel(models);
  const file = join(root, 'a-file');
  writeFileSync(file, '');
  const r = await train(models, join(file, 'logs'));
  assert.equal(r.code, 1, r.err);
  assert.ok(r.err.includes(`cannot create the log directory ${file}/logs: a part of the path is not a directory (ENOTDIR)`), r.err);
  untouched(models, '20260101');
});

test(`a read-only log dir (${diskKind === 'tmpfs' ? 'tmpfs mounted read-only' : 'skipped part: cannot mount'}) is reported as such, not as ENOENT`, async (t) => {
  const models = join(root, 'models-rolog');
  await previousModel(models);
  if (diskKind !== 'tmpfs') return t.diagnostic('read-only mount not possible here: covered by the EACCES test as another user, when root');
  const ro = mkdtempSync(join(root, 'ro-'));
  const { execFileSync } = await import('node:child_process');
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'ro,size=64k', 'tmpfs', ro]);
  t.after(() => execFileSync('umount', ['-l', ro]));
  const r = await train(models, ro);
  assert.equal(r.code, 1, r.err);
  assert.match(r.err, new RegExp(`cannot create the log directory ${ro}/20260102-[^:]+: read-only file system \\(EROFS\\)`));
  untouched(models, '20260101');
});

test(`a model output directory on a read-only disk (${diskKind === 'tmpfs' ? 'tmpfs mounted read-only' : 'skipped part: cannot mount'}) is exit 1 naming EROFS, not exit 2 with ENOENT`, async (t) => {
  if (diskKind !== 'tmpfs') return t.diagnostic('read-only mount not possible here');
  const ro = mkdtempSync(join(root, 'ro-models-'));
  const { execFileSync } = await import('node:child_process');
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'ro,size=64k', 'tmpfs', ro]);
  t.after(() => execFileSync('umount', ['-l', ro]));
  const r = await train(join(ro, 'models'), join(root, 'logs-romodels'));
  assert.equal(r.code, 1, r.err);
  assert.ok(r.err.includes(`mmoe: cannot create the model output directory ${ro}/models: read-only file system (EROFS)`), r.err);
  // A file in the way is still a wrong flag.
  const file = join(root, 'not-a-dir');
  writeFileSync(file, '');
  const flag = await train(file, join(root, 'logs-romodels'));
  assert.equal(flag.code, 2, flag.err);
  assert.ok(flag.err.includes(`--model-output-dir ${file}: cannot be used as a directory (EEXIST)`), flag.err);
});

test('EACCES as another user (a real child process): a log dir or a model dir it may not write is exit 1 naming the path; nothing left behind, in the model root or the log dir', async (t) => {
  if (process.getuid?.() !== 0) return t.diagnostic('not root: cannot run the CLI as another user here');
  const models = join(root, 'models-eacces');
  await previousModel(models);
  chmodSync(root, 0o755);
  const writable = mkdtempSync(join(root, 'w-'));
  chmodSync(writable, 0o777);
  const run = (logs: string) =>
    new Promise<{ code: number | null; err: string }>((resolve) => {
      // cpu: the child runs as nobody, who may not read a TensorFlow library built under root's
      // home (docs/backends.md); the engine plays no part in a write failure.
      const args = ['bin/mmoe.js', 'train', '--train-data-dir', data, '--cur-date', '20260102', '--config', config, '--model-output-dir', models, '--log-dir', logs, '--quiet', '--backend', 'cpu'];
      const child = spawn(nodeForOtherUser(), args, { ...NOBODY, stdio: ['ignore', 'ignore', 'pipe'] });
      let err = '';
      child.stderr.on('data', (d) => (err += d));
      child.on('exit', (code) => resolve({ code, err }));
    });
  const noLog = await run(join(root, 'logs-prev')); // root's 0755 log dir
  assert.equal(noLog.code, 1, noLog.err);
  assert.match(noLog.err, new RegExp(`cannot write ${root}/logs-prev/20260102-[^:]+/mmoe\\.log: permission denied \\(EACCES\\)|cannot create the log directory ${root}/logs-prev/20260102-[^:]+: permission denied \\(EACCES\\)`));
  const noModel = await run(writable);
  assert.equal(noModel.code, 1, noModel.err);
  assert.ok(noModel.err.includes(`cannot write ${join(models, '.lock')}: permission denied (EACCES)`), noModel.err);
  // The run never got to the model root: no run directory (it held an mmoe.log and nothing else).
  assert.deepEqual(readdirSync(writable), [], 'no run directory left in the log dir');
  untouched(models, '20260101');
  await loads(join(models, 'latest'));
});

test('a failed run\'s mmoe.log ends with the error and the exit code, and leaves no empty TensorBoard run', async () => {
  const logs = join(root, 'logs-failed');
  const r = await train(join(root, 'models-failed'), logs, '--cur-date', '20260105');
  assert.equal(r.code, 3, r.err);
  const last = lastLogLine(logs);
  assert.equal(last.exitCode, 3);
  assert.equal(last.level, 50);
  assert.match(String(last.msg), /^mmoe train failed \(exit 3\): .*missing partition for 20260104/);
  const run = readdirSync(logs)[0]!;
  assert.deepEqual(readdirSync(join(logs, run)), ['mmoe.log'], 'no train/ or validation/ event files');
  const okLogs = join(root, 'logs-succeeded');
  const ok = await train(join(root, 'models-failed'), okLogs);
  assert.equal(ok.code, 0, ok.err);
  assert.deepEqual(lastLogLine(okLogs), { ...lastLogLine(okLogs), exitCode: 0, msg: 'mmoe train finished (exit 0)' });
});

test('--model-output-dir may be a symlink to a directory (no trailing slash needed)', async () => {
  const real = join(root, 'models-real');
  mkdirSync(real);
  const link = join(root, 'models-link');
  symlinkSync(real, link);
  const r = await train(link, join(root, 'logs-link'));
  assert.equal(r.code, 0, r.err);
  assert.equal(readlinkSync(join(real, 'latest')), '20260102');
  assert.ok(existsSync(join(link, 'latest', 'model.json')));
});
