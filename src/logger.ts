// Run logging: JSON lines to a file under the log dir, and a readable stream on stderr.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import pino, { type Logger } from 'pino';
import pretty from 'pino-pretty';

export type { Logger };

export interface LoggerOptions {
  /** JSON-lines log file; its directory is created. */
  file?: string;
  level?: string;
  /** Human-readable output on stderr (pretty when it is a terminal, JSON otherwise). */
  console?: boolean;
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  const level = opts.level ?? 'info';
  const streams: pino.StreamEntry[] = [];
  if (opts.console !== false) {
    const stream = process.stderr.isTTY
      ? pretty({ destination: 2, colorize: true, ignore: 'pid,hostname', sync: true })
      : pino.destination({ dest: 2, sync: true });
    streams.push({ level: level as pino.Level, stream });
  }
  if (opts.file) {
    mkdirSync(dirname(opts.file), { recursive: true });
    streams.push({ level: 'debug', stream: pino.destination({ dest: opts.file, sync: true, mkdir: true }) });
  }
  if (streams.length === 0) return pino({ level: 'silent' });
  return pino({ level: 'debug', base: undefined }, pino.multistream(streams));
}

/** A logger that drops everything: for tests and library callers. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
