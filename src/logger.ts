// Run logging: JSON lines to a file under the log dir, and on stderr one readable line per event
// on a terminal (`[HH:MM:ss] LEVEL: message`; the fields stay in the file) or, off a terminal
// (cron, pipes, CI), the same JSON lines as the file. The format is documented in README "Logs".
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import pino, { type Logger } from 'pino';
import pretty from 'pino-pretty';

export type { Logger };

export interface LoggerOptions {
  /** JSON-lines log file; its directory is created. */
  file?: string;
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
  if (opts.file) {
    mkdirSync(dirname(opts.file), { recursive: true });
    streams.push({ level: 'debug', stream: pino.destination({ dest: opts.file, sync: true, mkdir: true }) });
  }
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
