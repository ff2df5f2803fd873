// A CliEnv that captures stdout/stderr, for running main() in tests. Logs go nowhere, or with
// `logFiles` to the log files a command asks for (as in production), never to the console. The
// backend is the suite's (test-backend.ts), as MMOE_BACKEND gives it to the real CLI.
import { PassThrough } from 'node:stream';
import type { CliEnv } from '../../src/cli/context.js';
import { createLogger, silentLogger } from '../../src/logger.js';
import { TEST_BACKEND } from '../test-backend.js';

export function fakeEnv(opts: { logFiles?: boolean } = {}): CliEnv & { out: () => string; err: () => string } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d) => (out += d));
  stderr.on('data', (d) => (err += d));
  const makeLogger: CliEnv['makeLogger'] = opts.logFiles ? (o) => createLogger({ ...o, console: false }) : () => silentLogger();
  return { stdout, stderr, makeLogger, exitCode: 0, backend: TEST_BACKEND, out: () => out, err: () => err };
}
