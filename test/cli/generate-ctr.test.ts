import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { main } from '../../src/cli/main.js';
import { tempDir } from '../data/fixtures.js';
import { fakeEnv } from './fake-env.js';

test('generate ctr writes partitions with _SUCCESS and reports rates', async (t) => {
  const d = tempDir(t);
  const env = fakeEnv();
  const args = ['node', 'mmoe', 'generate', 'ctr', '--out', d, '--start-date', '20240228', '--days', '2', '--rows-per-day', '500', '--seed', '3'];
  assert.equal(await main(args, env), 0, env.err());
  assert.match(env.out(), /wrote .*20240228: 1 file\(s\), 500 rows, click rate \d+\.\d+%, conversion rate/);
  assert.ok(existsSync(join(d, '20240229', '_SUCCESS')));
  assert.equal(readFileSync(join(d, '20240229', 'part-00000.csv'), 'utf8').trim().split('\n').length, 501);
  const again = fakeEnv();
  assert.equal(await main(args, again), 2);
  assert.match(again.err(), /already holds files/);
  assert.equal(await main([...args, '--force'], fakeEnv()), 0);
});

test('generate without a subcommand shows help; bad numbers are usage errors', async () => {
  const env = fakeEnv();
  assert.equal(await main(['node', 'mmoe', 'generate', 'ctr', '--out', 'x', '--start-date', '20240101', '--days', '0', '--rows-per-day', '5'], env), 2);
  assert.match(env.err(), /'0' is not a positive integer/);
  const help = fakeEnv();
  await main(['node', 'mmoe', 'generate', '--help'], help);
  assert.match(help.out(), /ctr/);
});
