// Errors that cross from a worker thread to the main thread: the typed errors the CLI maps to exit
// codes (data, usage) keep their type and location; anything else becomes the caller's error type.
import { DataError, UsageError } from '../errors.js';

/** A failure in a worker, in a form that crosses threads (structured clone). */
export interface WorkerFailure {
  kind: 'data' | 'usage' | 'other';
  message: string;
  location?: DataError['location'];
}

export function toFailure(err: unknown): WorkerFailure {
  if (err instanceof DataError) return { kind: 'data', message: err.message, location: err.location };
  if (err instanceof UsageError) return { kind: 'usage', message: err.message };
  return { kind: 'other', message: err instanceof Error ? err.message : String(err) };
}

/** The error a worker's failure stands for; `other` makes the error for anything untyped. */
export function fromFailure(f: WorkerFailure, other: (message: string) => Error): Error {
  if (f.kind === 'usage') return new UsageError(f.message);
  if (f.kind === 'data') {
    // The message already starts with the location; keep it as it was.
    const e = new DataError('', f.location);
    e.message = f.message;
    return e;
  }
  return other(f.message);
}
