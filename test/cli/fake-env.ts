// A CliEnv that captures stdout/stderr and logs nowhere, for running main() in tests.
import { PassThrough } from 'node:stream';
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
