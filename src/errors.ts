// Typed errors: the one way core code reports failure. The CLI maps each class to an exit code.

/** Documented exit codes (README "Exit codes"). */
export const ExitCode = {
  ok: 0,
  unexpected: 1,
  usage: 2,
  data: 3,
  qualityGate: 4,
  locked: 75,
  interrupted: 130,
} as const;

/** The documented exit code of an error (1 for anything unexpected). */
export function exitCodeOf(err: unknown): number {
  return err instanceof MmoeError ? err.exitCode : ExitCode.unexpected;
}

export abstract class MmoeError extends Error {
  abstract readonly exitCode: number;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Bad flags or an invalid config file. */
export class UsageError extends MmoeError {
  readonly exitCode = ExitCode.usage;
}

/** A config key with a bad value: names the key, the value and what is allowed. */
export class ConfigError extends MmoeError {
  readonly exitCode = ExitCode.usage;
}

/** Where in the input a problem sits. Lines are 1-based and count the header as line 1. */
export interface DataLocation {
  file?: string;
  line?: number;
  column?: string;
  value?: string;
}

export function formatLocation(loc: DataLocation): string {
  const parts: string[] = [];
  if (loc.file !== undefined) parts.push(loc.line !== undefined ? `${loc.file}:${loc.line}` : loc.file);
  if (loc.column !== undefined) parts.push(`column '${loc.column}'`);
  if (loc.value !== undefined) parts.push(`value ${JSON.stringify(truncate(loc.value, 80))}`);
  return parts.join(', ');
}

function truncate(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n)}...` : s;
}

/** Input data that cannot be used: missing partitions, structural CSV errors, too many bad rows. */
export class DataError extends MmoeError {
  readonly exitCode = ExitCode.data;
  constructor(
    message: string,
    readonly location: DataLocation = {},
    options?: { cause?: unknown },
  ) {
    const where = formatLocation(location);
    super(where ? `${where}: ${message}` : message, options);
  }
}

/**
 * A model directory that cannot be used as it is: a missing or unreadable file, invalid JSON,
 * weights cut short, non-finite weights or scores, a feature spec that disagrees with the weights.
 * The location names the file; exit 3, like any other input that cannot be used.
 */
export class ModelError extends DataError {}

/** A model failed a quality gate (e.g. AUC dropped more than allowed against a baseline). */
export class QualityGateError extends MmoeError {
  readonly exitCode = ExitCode.qualityGate;
}

/** Another run holds the lock on the output directory. */
export class LockedError extends MmoeError {
  readonly exitCode = ExitCode.locked;
}

/** Training diverged (NaN or infinite loss); nothing is published. */
export class TrainingDivergedError extends MmoeError {
  readonly exitCode = ExitCode.unexpected;
}

/**
 * Writing a file failed (disk full, no permission, read-only file system): the message names the
 * path and the cause. What was half written has been removed; exit 1.
 */
export class WriteError extends MmoeError {
  readonly exitCode = ExitCode.unexpected;
}

/** The run was interrupted (SIGINT/SIGTERM); it stopped cleanly and published nothing. */
export class InterruptedError extends MmoeError {
  readonly exitCode = ExitCode.interrupted;
}

/** A scoring worker thread failed or died (eval/predict with --threads); exit 1. */
export class ScoringThreadError extends MmoeError {
  readonly exitCode = ExitCode.unexpected;
}
