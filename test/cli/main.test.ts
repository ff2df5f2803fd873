import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { main } from '../../src/cli/main.js';
import { generateCtr } from '../../src/data/generate-ctr.js';
import { DEFAULT_CONFIG } from '../../src/paths.js';
import { childEnv } from '../test-backend.js';
import { fakeEnv } from './fake-env.js';

export { fakeEnv };

test('--help exits 0 and an unknown command exits 2', async () => {
  const env = fakeEnv();
  assert.equal(await main(['node', 'mmoe', '--help'], env), 0);
  assert.match(env.out(), /Usage: mmoe/);
  const env2 = fakeEnv();
  assert.equal(await main(['node', 'mmoe', 'frobnicate'], env2), 2);
  assert.match(env2.err(), /error: (unknown command|too many arguments)/);
});

test('mmoe with no command (or a command group without its subcommand) prints help on stderr and exits 2', async () => {
  for (const args of [[], ['data'], ['generate']]) {
    const env = fakeEnv();
    assert.equal(await main(['node', 'mmoe', ...args], env), 2, args.join(' '));
    assert.match(env.err(), /Usage: mmoe/);
    assert.equal(env.out(), '');
  }
  const help = fakeEnv();
  assert.equal(await main(['node', 'mmoe', 'help'], help), 0);
});

test("the default --config is mmoe's own configs/default.json, from any working directory", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'mmoe-cwd-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  assert.equal(DEFAULT_CONFIG, resolve('configs/default.json'));
  await generateCtr({ out: join(dir, 'data'), startDate: '20260101', days: 1, rowsPerDay: 1500, seed: 1 });
  // As cron runs it: another working directory, relative paths for everything else.
  const r = spawnSync(process.execPath, [resolve('bin/mmoe.js'), 'train', '--train-data-dir', 'data', '--cur-date', '20260101', '--days', '1', '--epochs', '1', '--quiet'], {
    cwd: dir,
    env: childEnv(),
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
  const meta = JSON.parse(readFileSync(join(dir, 'models', '20260101', 'metadata.json'), 'utf8'));
  assert.equal(meta.configFile, DEFAULT_CONFIG);
});
