// Run logging: JSON lines to a file under the log dir, and on stderr one readable line per event
// on a terminal (`[HH:MM:ss] LEVEL: message`; the fields stay in the file) or, off a terminal
// (cron, pipes, CI), the same JSON lines as the file. The format is documented in README "Logs".
import { closeSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import pino, { type Logger } from 'pino';
import pretty from 'pino-pretty';
import type { WriteError } from './errors.js';
import { ensureDirectory, writeFailure } from './util/atomic-file.js';

export type { Logger };

/**
 * The run log file. Opening it fails at once with a WriteError naming the path and the cause (a
 * log dir that cannot be created or written). A write that fails later (disk full) never throws
 * into the line that logged: it is kept in `failure`, which the job checks before publishing
 * (a run must not publish and then exit 1 because a log line did not fit), and later lines are
 * dropped.
 */
export class LogFile {
  private fd: number | null;
  failure: WriteError | null = null;

  constructor(readonly path: string) {
    ensureDirectory(dirname(path), 'create the log directory');
    try {
      this.fd = openSync(path, 'a');
    } catch (err) {
      throw writeFailure(path, err);
    }
  }

  write(line: string): void {
    if (this.fd === null) return;
    try {
      const bytes = Buffer.from(line);
      for (let done = 0; done < bytes.length; ) done += writeSync(this.fd, bytes, done, bytes.length - done);
    } catch (err) {
      this.failure ??= writeFailure(this.path, err);
      this.close();
    }
  }

  /** One line in the format of the logger's (pino JSON), written to this file only. */
  record(level: 'info' | 'error', fields: Record<string, unknown>, msg: string): void {
    this.write(`${JSON.stringify({ level: level === 'error' ? 50 : 30, time: Date.now(), ...fields, msg })}\n`);
  }

  close(): void {
    if (this.fd === null) return;
    const fd = this.fd;
    this.fd = null;
    try {
      closeSync(fd);
    } catch (err) {
      this.failure ??= writeFailure(this.path, err);
    }
  }
}

export interface LoggerOptions {
  /** JSON-lines log file (a path is opened as a LogFile; its directory is created). */
  file?: string | LogFile;
  level?: string;
  /** Output on stderr: one readable line per message on a terminal, JSON lines otherwise. */
  console?: boolean;
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  const level = opts.level ?? 'info';
  const streams: pino.StreamEntry[] = [];
  if (opts.console !== false) {
    const stream = process.stderr.isTTY
      ? pretty({ destination: 2, colorize: true, ignore: 'pid,hostname', hideObject: true, translateTime: 'SYS:HH:MM:ss', sync: true })
      : pino.destination({ dest: 2, sync: true });
    streams.push({ level: level as pino.Level, stream });
  }
  if (opts.file) streams.push({ level: 'debug', stream: typeof opts.file === 'string' ? new LogFile(opts.file) : opts.file });
  if (streams.length === 0) return pino({ level: 'silent' });
  return pino({ level: 'debug', base: undefined, formatters: { log: roundNumbers } }, pino.multistream(streams));
}

/**
 * Logged numbers to 6 significant digits: 0.0018000000000000002 (float noise of a decayed
 * learning rate) logs as 0.0018, 4.7082269100000005 seconds as 4.70823. Integers stay exact.
 */
export function roundNumbers<T>(value: T): T {
  if (typeof value === 'number') return (Number.isInteger(value) || !Number.isFinite(value) ? value : Number(value.toPrecision(6))) as T;
  if (Array.isArray(value)) return value.map(roundNumbers) as T;
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype)
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, roundNumbers(v)])) as T;
  return value;
}

/** A logger that drops everything: for tests and library callers. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
