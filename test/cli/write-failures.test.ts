// A full disk (or no permission) under `eval --report` and `predict --output` (issue 10 items 5
// and 8): exit 1 naming the path and the cause; no truncated file under the final name, no
// temporary left; a report that was there before stays as it was.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ctrDays, mmoe, saveUntrained, TINY_CONFIG } from '../eval/fixtures.js';
import { diskKind, smallDisk } from '../util/small-disk.js';
import { nodeForOtherUser, NOBODY } from '../other-user.js';

const root = mkdtempSync(join(tmpdir(), 'mmoe-write-fail-'));
const data = join(root, 'data');
const model = join(root, 'model');
// A child run as nobody takes cpu: it may not read a TensorFlow library built under root's home
// (docs/backends.md), and the engine plays no part in a write failure. In-process runs take the suite's.
const asNobody = ['--backend', 'cpu'];

after(() => rmSync(root, { recursive: true, force: true }));
before(async () => {
  await ctrDays(data, 2000);
  await saveUntrained(model, TINY_CONFIG);
});

test(`eval --report on a full disk (${diskKind}): exit 1 naming the report and ENOSPC; the old report stays whole`, async (t) => {
  const disk = smallDisk(root, 1 << 20);
  t.after(() => disk.release());
  t.diagnostic(`disk: ${disk.how}`);
  const report = join(disk.dir, 'report.html');
  writeFileSync(report, '<p>yesterday</p>');
  disk.leave(8 * 1024); // the report of two tasks is about 60 KB
  const r = await mmoe('eval', '--model', model, '--data-dir', data, '--dates', '20260102', '--report', report);
  assert.equal(r.code, 1, r.err);
  assert.ok(r.err.includes(`mmoe: cannot write ${report}: no space left on the device (ENOSPC)`), r.err);
  assert.equal(readFileSync(report, 'utf8'), '<p>yesterday</p>');
  assert.deepEqual(readdirSync(disk.dir).filter((f) => f !== '.filler'), ['report.html']);
});

test(`predict --output on a full disk (${diskKind}): exit 1, not 2, naming the output and ENOSPC; nothing left`, async (t) => {
  const disk = smallDisk(root, 1 << 20);
  t.after(() => disk.release());
  t.diagnostic(`disk: ${disk.how}`);
  disk.leave(16 * 1024); // 4000 rows of scores are about 70 KB
  const out = join(disk.dir, 'scores.csv');
  const r = await mmoe('predict', '--model', model, '--data-dir', data, '--dates', '20260101,20260102', '--output', out, '--keep', 'adid');
  assert.equal(r.code, 1, r.err);
  assert.ok(r.err.includes(`mmoe: cannot write ${out}: no space left on the device (ENOSPC)`), r.err);
  assert.deepEqual(readdirSync(disk.dir).filter((f) => f !== '.filler'), []);
});

test('predict --output into a directory it may not write (EACCES, a real process as another user): exit 1 naming the path', async (t) => {
  if (process.getuid?.() !== 0) return t.diagnostic('not root: cannot run the CLI as another user here');
  chmodSync(root, 0o755);
  const dir = mkdtempSync(join(root, 'root-only-'));
  chmodSync(dir, 0o755);
  const out = join(dir, 'scores.csv');
  const args = ['bin/mmoe.js', 'predict', '--model', model, '--data-dir', data, '--dates', '20260102', '--output', out, ...asNobody];
  const r = await new Promise<{ code: number | null; err: string }>((resolve) => {
    const child = spawn(nodeForOtherUser(), args, { ...NOBODY, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    child.on('exit', (code) => resolve({ code, err }));
  });
  assert.equal(r.code, 1, r.err);
  assert.ok(r.err.includes(`mmoe: cannot write ${out}: permission denied (EACCES)`), r.err);
  assert.deepEqual(readdirSync(dir), []);
});

test('predict --output or eval --report naming a pipe (as /dev/stdout is) is exit 2 before any work, and the pipe stays; a symlink is written through', async () => {
  const dir = mkdtempSync(join(root, 'nodes-'));
  const fifo = join(dir, 'scores.csv');
  execFileSync('mkfifo', [fifo]);
  const pr = await mmoe('predict', '--model', model, '--data-dir', data, '--dates', '20260102', '--output', fifo);
  assert.equal(pr.code, 2, pr.err);
  assert.ok(pr.err.includes(`mmoe: cannot write ${fifo}: it is a pipe; mmoe writes a whole file under a temporary name`), pr.err);
  const ev = await mmoe('eval', '--model', model, '--data-dir', data, '--dates', '20260102', '--report', fifo);
  assert.equal(ev.code, 2, ev.err);
  assert.equal(ev.out, '', 'refused before evaluating');
  assert.ok(statSync(fifo).isFIFO(), 'not replaced by a regular file');
  assert.deepEqual(readdirSync(dir), ['scores.csv']);
  // A link (e.g. a stable name pointing into a dated directory) keeps pointing; its target gets the scores.
  mkdirSync(join(dir, 'today'));
  const link = join(dir, 'latest.csv');
  symlinkSync(join('today', 'scores.csv'), link);
  const ok = await mmoe('predict', '--model', model, '--data-dir', data, '--dates', '20260102', '--output', link);
  assert.equal(ok.code, 0, ok.err);
  assert.ok(lstatSync(link).isSymbolicLink());
  assert.equal(readlinkSync(link), join('today', 'scores.csv'));
  assert.equal(readFileSync(join(dir, 'today', 'scores.csv'), 'utf8').trim().split('\n').length, 2001);
});

test(`export on a full disk (${diskKind}): exit 1 naming the file and ENOSPC; nothing left beside it`, async (t) => {
  const disk = smallDisk(root, 1 << 20);
  t.after(() => disk.release());
  t.diagnostic(`disk: ${disk.how}`);
  disk.leave(4 * 1024); // the tiny model's ONNX file is tens of KB
  const out = join(disk.dir, 'model.onnx');
  const r = await mmoe('export', '--model', model, '--format', 'onnx', '--output', out);
  assert.equal(r.code, 1, r.err);
  assert.ok(r.err.includes(`mmoe: cannot write ${out}: no space left on the device (ENOSPC)`), r.err);
  assert.deepEqual(readdirSync(disk.dir).filter((f) => f !== '.filler'), []);
});

test('export --output onto a pipe is refused (exit 2) and the pipe stays a pipe', async () => {
  const fifo = join(root, 'serving.onnx');
  execFileSync('mkfifo', [fifo]);
  const r = await mmoe('export', '--model', model, '--format', 'onnx', '--output', fifo);
  assert.equal(r.code, 2, r.err);
  assert.match(r.err, /cannot write .*serving\.onnx: it is /);
  assert.ok(lstatSync(fifo).isFIFO());
  rmSync(fifo);
});
