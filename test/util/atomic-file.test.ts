import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { UsageError, WriteError } from '../../src/errors.js';
import { AtomicFile, sweepTemporaries, temporaryFor, writeFileAtomic, writeTarget } from '../../src/util/atomic-file.js';
import { waitFor } from '../wait-for.js';
import { diskKind, smallDisk } from './small-disk.js';

test('AtomicFile: nothing at the path until commit; abort leaves no file behind', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'mmoe-atomic-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'out.csv');
  const a = new AtomicFile(path);
  // More than the stream buffers (16 KB): write() waits until the bytes reach the file, so they
  // are on disk somewhere by now, and must not be at the final path (the stream opens its file
  // asynchronously: a check right after a short write passes even when writing to the path).
  const text = 'a,b\n'.repeat(20_000);
  await a.write(text);
  await waitFor(() => readdirSync(dir).some((f) => statSync(join(dir, f)).size === text.length), 'the written bytes to reach a file');
  assert.ok(!existsSync(path), 'nothing at the final path before commit');
  const [tmp] = readdirSync(dir);
  assert.match(tmp!, /^\.out\.csv\.tmp-/, 'a hidden temporary sibling holds the bytes');
  await a.commit();
  assert.equal(readFileSync(path, 'utf8'), text);
  assert.deepEqual(readdirSync(dir), ['out.csv']);
  await a.abort(); // after commit: a no-op
  assert.ok(existsSync(path));

  const b = new AtomicFile(join(dir, 'partial.csv'));
  await b.write('x\n');
  await b.abort();
  assert.deepEqual(readdirSync(dir), ['out.csv']);
  const c = new AtomicFile(join(dir, 'never.csv')); // aborted before its file was even opened
  await c.abort();
  assert.deepEqual(readdirSync(dir), ['out.csv']);
});

test('writeFileAtomic: the file appears whole; a failure leaves the old content and no temporary', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'mmoe-atomic-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'sub', 'report.html');
  writeFileAtomic(path, 'first');
  writeFileAtomic(path, new Uint8Array([104, 105]));
  assert.equal(readFileSync(path, 'utf8'), 'hi');
  assert.throws(() => writeFileAtomic(join(path, 'x'), 'under a file'), (e: Error) => e instanceof WriteError && e.message.startsWith(`cannot create the directory ${path}: `));
  assert.deepEqual(readdirSync(join(dir, 'sub')), ['report.html']);
});

test(`on a full disk (${diskKind}) writeFileAtomic and AtomicFile fail naming the path and ENOSPC, and leave nothing`, async (t) => {
  const parent = mkdtempSync(join(tmpdir(), 'mmoe-atomic-full-'));
  const disk = smallDisk(parent, 1 << 20);
  t.after(() => {
    disk.release();
    rmSync(parent, { recursive: true, force: true });
  });
  t.diagnostic(`disk: ${disk.how}`);
  writeFileAtomic(join(disk.dir, 'old.html'), 'old report');
  disk.leave(64 * 1024);
  const big = 'x'.repeat(256 * 1024);
  const report = join(disk.dir, 'old.html');
  assert.throws(() => writeFileAtomic(report, big), (e: Error) => e instanceof WriteError && e.message === `cannot write ${report}: no space left on the device (ENOSPC)`);
  assert.equal(readFileSync(report, 'utf8'), 'old report', 'the previous content stays');
  const scores = new AtomicFile(join(disk.dir, 'scores.csv'));
  await assert.rejects(
    (async () => {
      for (let i = 0; i < 8; i++) await scores.write(big);
      await scores.commit();
    })(),
    (e: Error) => e instanceof WriteError && /cannot write .*scores\.csv: no space left on the device \(ENOSPC\)/.test(e.message),
  );
  await scores.abort();
  assert.deepEqual(readdirSync(disk.dir).filter((f) => f !== '.filler').sort(), ['old.html']);
});

test('sweepTemporaries removes the temporaries of processes that are gone, and only those', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'mmoe-sweep-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const mine = temporaryFor(join(dir, 'out.csv'));
  writeFileSync(mine, 'in progress');
  writeFileSync(join(dir, '.out.csv.tmp-999999999-0123abcd'), 'left by a killed run');
  writeFileSync(join(dir, `.out.csv.tmp-${process.ppid}-0123abcd`), 'a live process');
  writeFileSync(join(dir, 'out.csv'), 'a result');
  assert.deepEqual(sweepTemporaries(dir), ['.out.csv.tmp-999999999-0123abcd']);
  assert.ok(existsSync(mine));
  assert.equal(readdirSync(dir).length, 3);
});

test('a temporary with this process\'s PID but older than the process is a leftover (containers: every run is PID 1)', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'mmoe-sweep-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const old = join(dir, `.out.csv.tmp-${process.pid}-0123abcd`);
  writeFileSync(old, 'left by the previous PID-1 run');
  const hourAgo = new Date(Date.now() - 3600_000);
  utimesSync(old, hourAgo, hourAgo);
  const mine = temporaryFor(join(dir, 'out.csv'));
  writeFileSync(mine, 'in progress');
  assert.deepEqual(sweepTemporaries(dir), [`.out.csv.tmp-${process.pid}-0123abcd`]);
  assert.deepEqual(readdirSync(dir), [mine.split('/').pop()]);
});

test('a symlink is written through: its target is replaced, the link stays a link (also a link to a file not yet there)', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'mmoe-atomic-link-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'real'));
  writeFileSync(join(dir, 'real', 'scores.csv'), 'old\n');
  symlinkSync(join('real', 'scores.csv'), join(dir, 'scores.csv'));
  const a = new AtomicFile(join(dir, 'scores.csv'));
  await a.write('new\n');
  await a.commit();
  assert.equal(readlinkSync(join(dir, 'scores.csv')), join('real', 'scores.csv'));
  assert.equal(readFileSync(join(dir, 'real', 'scores.csv'), 'utf8'), 'new\n');
  symlinkSync(join('real', 'report.html'), join(dir, 'report.html'));
  writeFileAtomic(join(dir, 'report.html'), 'r');
  assert.ok(lstatSync(join(dir, 'report.html')).isSymbolicLink());
  assert.equal(readFileSync(join(dir, 'real', 'report.html'), 'utf8'), 'r');
  assert.deepEqual(readdirSync(join(dir, 'real')).sort(), ['report.html', 'scores.csv'], 'no temporary left');
});

test('a pipe, a device or a directory is refused (exit 2) and left as it is: a rename would replace the node itself', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'mmoe-atomic-node-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const fifo = join(dir, 'scores.csv');
  execFileSync('mkfifo', [fifo]);
  const link = join(dir, 'stdout');
  symlinkSync(fifo, link); // as /dev/stdout -> /proc/self/fd/1 -> a pipe
  const refused = (path: string, kind: string) => (e: unknown) => e instanceof UsageError && e.message.startsWith(`cannot write ${path}: it is ${kind}; `);
  assert.throws(() => new AtomicFile(fifo), refused(fifo, 'a pipe'));
  assert.throws(() => writeFileAtomic(link, 'x'), refused(link, 'a pipe'));
  assert.throws(() => writeTarget('/dev/null'), refused('/dev/null', 'a device'));
  assert.throws(() => writeFileAtomic(dir, 'x'), refused(dir, 'a directory'));
  assert.ok(statSync(fifo).isFIFO());
  assert.ok(lstatSync(link).isSymbolicLink());
  assert.deepEqual(readdirSync(dir).sort(), ['scores.csv', 'stdout']);
});
