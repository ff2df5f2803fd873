// Flag parsers shared by commands: each throws a UsageError naming the flag and the bad value.
import { type Command, InvalidArgumentError } from 'commander';
import { BACKEND_ENV, BACKENDS } from '../backend.js';
import { parseMemorySize } from '../data/memory-budget.js';
import { MAX_THREADS } from '../util/cpus.js';

export function parseDate(value: string): string {
  if (!/^\d{8}$/.test(value) || Number.isNaN(Date.parse(`${value.slice(0, 4)}-${value.slice(4, 6)}-${value.slice(6)}`)))
    throw new InvalidArgumentError(`'${value}' is not a date in YYYYMMDD form.`);
  return value;
}

/** Dates in the order given; a repeated date is refused (its rows would be counted twice). */
export function parseDateList(value: string): string[] {
  const dates = value.split(',').map((d) => parseDate(d.trim()));
  const repeated = dates.find((d, i) => dates.indexOf(d) !== i);
  if (repeated !== undefined) throw new InvalidArgumentError(`'${repeated}' is listed twice; give each date once.`);
  return dates;
}

export function parsePositiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError(`'${value}' is not a positive integer.`);
  return n;
}

/** A thread count of --threads, already parsed as an integer: at most MAX_THREADS. */
export function parseThreadCount(n: number): number {
  if (n > MAX_THREADS) throw new InvalidArgumentError(`'${n}' is more than ${MAX_THREADS} threads; give at most ${MAX_THREADS}, or auto (the usable cores).`);
  return n;
}

export function parseNonNegativeInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`'${value}' is not a non-negative integer.`);
  return n;
}

export function parseInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n)) throw new InvalidArgumentError(`'${value}' is not an integer.`);
  return n;
}

export function parseRatio(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || n > 1) throw new InvalidArgumentError(`'${value}' is not a ratio between 0 and 1.`);
  return n;
}

export function parseNumber(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError(`'${value}' is not a number.`);
  return n;
}

/** An http(s) URL, such as a Pushgateway's. */
export function parseHttpUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidArgumentError(`'${value}' is not a URL; give one such as http://pushgateway:9091.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new InvalidArgumentError(`'${value}' is not an http or https URL.`);
  return value;
}

/** A non-empty label value (the Pushgateway's grouping label). */
export function parseLabelValue(value: string): string {
  if (value.trim() === '') throw new InvalidArgumentError('give a non-empty name.');
  return value;
}

export function parseChoice<T extends string>(choices: readonly T[]): (value: string) => T {
  return (value) => {
    if (!(choices as readonly string[]).includes(value))
      throw new InvalidArgumentError(`'${value}' is not one of ${choices.join(', ')}.`);
    return value as T;
  };
}

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** A duration such as `90s`, `30m`, `2h` or `1h30m`, in milliseconds; a bare number is refused (seconds or minutes?). */
export function parseDuration(value: string): number {
  const parts = [...value.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== value)
    throw new InvalidArgumentError(`'${value}' is not a duration; write a number with a unit: ms, s, m, h or d (e.g. 90s, 2h, 1h30m).`);
  return Math.round(parts.reduce((sum, p) => sum + Number(p[1]) * UNIT_MS[p[2] as keyof typeof UNIT_MS], 0));
}

/**
 * A day as YYYYMMDD, or `today` / `yesterday` in the process's time zone (TZ), so a crontab line,
 * a systemd unit and a Kubernetes CronJob can all name the day without shell date arithmetic.
 */
export function parseDay(value: string, now: Date = new Date()): string {
  if (value !== 'today' && value !== 'yesterday') return parseDate(value);
  const d = new Date(now.getFullYear(), now.getMonth(), now.getDate() - (value === 'yesterday' ? 1 : 0));
  return `${d.getFullYear()}${String(d.getMonth() + 1).padStart(2, '0')}${String(d.getDate()).padStart(2, '0')}`;
}

/** --memory-budget: `512M`, `4G`, or a number of MiB. */
export function parseMemoryBudget(value: string): number {
  try {
    return parseMemorySize(value);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
}

/** --backend for train, eval and predict: without it, MMOE_BACKEND, else auto (src/backend.ts). */
export function addBackendOption(cmd: Command): Command {
  return cmd.option(
    '--backend <name>',
    `tfjs backend: ${BACKENDS.join(', ')} (default: $${BACKEND_ENV}, else auto: the engine measured faster for the job, docs/backends.md)`,
    parseChoice(BACKENDS),
  );
}
