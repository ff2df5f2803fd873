import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { readEvents, readScalars } from '../../src/tensorboard/reader.js';
import { SummaryWriter } from '../../src/tensorboard/writer.js';
import { WriteError } from '../../src/errors.js';
import { diskKind, smallDisk } from '../util/small-disk.js';

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'mmoe-tb-'));
}

test('writer creates the directory and a valid event file that reads back', () => {
  const root = tempDir();
  try {
    let clock = 1_700_000_000_500;
    const dir = join(root, 'run1', 'train');
    const w = new SummaryWriter(dir, { hostname: 'host', now: () => clock });
    assert.match(w.file, /events\.out\.tfevents\.1700000000\.host\.\d+\.\d+$/);
    w.scalar('loss/total', 0.693, 1);
    clock += 1000;
    w.scalars({ 'auc/ctr': 0.75, lr: 0.001 }, 2);
    w.scalar('explicit', 3, 3, 123.5);
    w.close();
    const points = readScalars(w.file);
    assert.deepEqual(points, [
      { tag: 'loss/total', step: 1, value: Math.fround(0.693), wallTime: 1700000000.5 },
      { tag: 'auc/ctr', step: 2, value: 0.75, wallTime: 1700000001.5 },
      { tag: 'lr', step: 2, value: Math.fround(0.001), wallTime: 1700000001.5 },
      { tag: 'explicit', step: 3, value: 3, wallTime: 123.5 },
    ]);
    assert.equal(readEvents(w.file)[0]!.fileVersion, 'brain.Event:2');
    assert.throws(() => w.scalar('late', 1, 4), /is closed/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('events are buffered until flush, a count or an interval', () => {
  const root = tempDir();
  try {
    let clock = 0;
    const w = new SummaryWriter(root, { now: () => clock, flushEvery: 3, flushIntervalMs: 5000 });
    const size = () => statSync(w.file).size;
    const header = size();
    assert.ok(header > 0, 'the file_version record is written at once');
    w.scalar('a', 1, 1);
    w.scalar('a', 2, 2);
    assert.equal(size(), header);
    w.scalar('a', 3, 3);
    assert.ok(size() > header, 'flushed at 3 events');
    const afterCount = size();
    w.scalar('a', 4, 4);
    clock = 6000;
    w.scalar('a', 5, 5);
    assert.ok(size() > afterCount, 'flushed after the interval');
    w.scalar('a', 6, 6);
    w.flush();
    assert.deepEqual(readScalars(w.file).map((p) => p.value), [1, 2, 3, 4, 5, 6]);
    w.close();
    w.close();
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('two writers in one directory and second never share a file', () => {
  const root = tempDir();
  try {
    const a = new SummaryWriter(root, { now: () => 0 });
    const b = new SummaryWriter(root, { now: () => 0 });
    assert.notEqual(a.file, b.file);
    assert.equal(readdirSync(root).length, 2);
    a.close();
    b.close();
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test(`a disk too full for the first event (${diskKind}) is a WriteError naming the file, and leaves no empty event file`, (t) => {
  const root = mkdtempSync(join(tmpdir(), 'mmoe-tb-full-'));
  const disk = smallDisk(root, 256 * 1024);
  t.after(() => {
    disk.release();
    rmSync(root, { recursive: true, force: true });
  });
  mkdirSync(join(disk.dir, 'train'));
  disk.leave(0);
  assert.throws(
    () => new SummaryWriter(join(disk.dir, 'train')),
    (e: unknown) => e instanceof WriteError && /cannot write .*\/train\/events\.out\.tfevents\.[^:]+: no space left on the device \(ENOSPC\)/.test(e.message),
  );
  assert.deepEqual(readdirSync(join(disk.dir, 'train')), []);
});
