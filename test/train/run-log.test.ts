import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { RunLog } from '../../src/train/run-log.js';

test('discard removes the event files written so far; later events go to new files', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'mmoe-run-log-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const log = new RunLog(dir);
  log.trainStep(100, 0.5, { ctr: 0.5 }, 0.01);
  log.flush();
  const first = readdirSync(join(dir, 'train'));
  assert.equal(first.length, 1);
  log.discard();
  assert.deepEqual(readdirSync(join(dir, 'train')), []);
  log.trainStep(100, 0.4, { ctr: 0.4 }, 0.01);
  log.close();
  const after = readdirSync(join(dir, 'train'));
  assert.equal(after.length, 1);
  assert.notEqual(after[0], first[0]);
  assert.equal(existsSync(join(dir, 'validation')), false);
});
