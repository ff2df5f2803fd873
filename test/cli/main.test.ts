import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { main } from '../../src/cli/main.js';
import type { CliEnv } from '../../src/cli/context.js';
import { silentLogger } from '../../src/logger.js';

export function fakeEnv(): CliEnv & { out: () => string; err: () => string } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d) => (out += d));
  stderr.on('data', (d) => (err += d));
  return { stdout, stderr, makeLogger: () => silentLogger(), exitCode: 0, out: () => out, err: () => err };
}

test('--help exits 0 and an unknown command exits 2', async () => {
  const env = fakeEnv();
  assert.equal(await main(['node', 'mmoe', '--help'], env), 0);
  assert.match(env.out(), /Usage: mmoe/);
  const env2 = fakeEnv();
  assert.equal(await main(['node', 'mmoe', 'frobnicate'], env2), 2);
  assert.match(env2.err(), /error: (unknown command|too many arguments)/);
});
