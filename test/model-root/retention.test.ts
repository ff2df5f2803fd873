import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { setLink } from '../../src/model-root/links.js';
import { acquireLock } from '../../src/model-root/lock.js';
import { pruneLogs, pruneModels } from '../../src/model-root/retention.js';
import { sweepStale } from '../../src/train/publish.js';

const parent = mkdtempSync(join(tmpdir(), 'mmoe-retention-'));
after(() => rmSync(parent, { recursive: true, force: true }));

function tree(root: string, names: string[]): void {
  for (const n of names) {
    mkdirSync(join(root, n), { recursive: true });
    writeFileSync(join(root, n, 'model.json'), '{}');
  }
}

test('pruneModels keeps the newest N, latest, previous and the current model; leaves anything not named like a model', () => {
  const r = mkdtempSync(join(parent, 'm-'));
  tree(r, ['20260101', '20260102', '20260103', '20260104', '20260105', '20260105-refused', '.tmp-20260106-1-0a0b0c0d', 'keep-me']);
  writeFileSync(join(r, '20260100'), 'a file, not a model');
  setLink(r, 'latest', '20260102');
  setLink(r, 'previous', '20260101');
  assert.deepEqual(pruneModels(r, 2, join(r, '20260103')), { deleted: ['20260104'], failed: [] });
  assert.deepEqual(readdirSync(r).sort(), ['.tmp-20260106-1-0a0b0c0d', '20260100', '20260101', '20260102', '20260103', '20260105', '20260105-refused', 'keep-me', 'latest', 'previous']);
});

test('pruneLogs keeps the newest N runs by run time and never one still being written', () => {
  const r = mkdtempSync(join(parent, 'l-'));
  // A backfill of an old date, run last, is the newest run.
  const runs = ['20260101-20260102T010000Z', '20260102-20260103T010000Z', '20260103-20260104T010000Z', '20250101-20260105T010000Z'];
  // A run started in the same second as another of the same date (two jobs sharing the log root).
  tree(r, ['20260101-20260101T010000Z', '20260101-20260101T010000Z-2']);
  tree(r, [...runs, 'tensorboard-notes', '.del-20251231-20260101T010000Z-1-0a0b0c0d']);
  const running = acquireLock(join(r, runs[0]!), 'mmoe train 20260101');
  assert.deepEqual(pruneLogs(r, 2).deleted, [runs[1], '20260101-20260101T010000Z-2', '20260101-20260101T010000Z']);
  running.release();
  assert.deepEqual(readdirSync(r).sort(), [runs[3], runs[0], runs[2], 'tensorboard-notes'].sort());
  assert.deepEqual(pruneLogs(r, 2).deleted, [runs[0]]);
  assert.deepEqual(pruneLogs(join(r, 'missing'), 1), { deleted: [], failed: [] });
});

test('a model half deleted by a killed retention is swept by the next run', () => {
  const r = mkdtempSync(join(parent, 's-'));
  tree(r, [`.del-20260101-${2 ** 22 + 5}-0a0b0c0d`]);
  assert.deepEqual(sweepStale(r), [`removed .del-20260101-${2 ** 22 + 5}-0a0b0c0d`]);
});
