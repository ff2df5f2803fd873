// What every command gets from the edge: output streams and a logger factory. Passed in, never global.
import type { Writable } from 'node:stream';
import { BACKEND_ENV } from '../backend.js';
import { createLogger, type Logger, type LoggerOptions } from '../logger.js';
import type { UsableCores } from '../util/cpus.js';

export interface CliEnv {
  stdout: Writable;
  stderr: Writable;
  /** Builds the run logger; tests pass one that writes nowhere. */
  makeLogger: (opts: LoggerOptions) => Logger;
  /** Set by a command that finishes with a non-zero code without throwing. */
  exitCode: number;
  /** Aborted on SIGINT/SIGTERM: long-running commands stop cleanly at the next step. */
  signal?: AbortSignal;
  /** The MMOE_BACKEND environment variable: the backend when --backend is not given. */
  backend?: string;
  /** MMOE_DEBUG is set: stacks of unexpected errors, TensorFlow's info lines. */
  debug?: boolean;
  /** The cores `--threads auto` sizes thread pools by; absent: read from the machine and its cgroup (util/cpus.ts). */
  cores?: UsableCores;
}

export function defaultEnv(signal?: AbortSignal): CliEnv {
  const env = process.env;
  return { stdout: process.stdout, stderr: process.stderr, makeLogger: createLogger, exitCode: 0, signal, backend: env[BACKEND_ENV], debug: Boolean(env.MMOE_DEBUG) };
}
