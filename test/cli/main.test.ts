import assert from 'node:assert/strict';
import { test } from 'node:test';
import { main } from '../../src/cli/main.js';
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
