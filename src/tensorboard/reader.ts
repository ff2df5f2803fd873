// Reads event files back with full validation (framing and both CRCs of every record): for tests
// and for checking what a training run left behind.
import { readFileSync } from 'node:fs';
import { DataError } from '../errors.js';
import { decodeEvent, type TbEvent } from './event.js';
import { parseRecords } from './tfrecord.js';

export function readEvents(file: string): TbEvent[] {
  return parseRecords(readFileSync(file), file).map((data, i) => {
    try {
      return decodeEvent(data);
    } catch (e) {
      throw new DataError(`record ${i + 1}: not a valid Event proto (${(e as Error).message})`, { file }, { cause: e });
    }
  });
}

export interface ScalarPoint {
  tag: string;
  step: number;
  value: number;
  wallTime: number;
}

/** Every scalar in file order; the first record must be the file_version event. */
export function readScalars(file: string): ScalarPoint[] {
  const events = readEvents(file);
  const version = events[0]?.fileVersion;
  if (!version?.startsWith('brain.Event:')) {
    throw new DataError(`first record is not a file_version event (got ${JSON.stringify(version ?? null)})`, { file });
  }
  return events.flatMap((e) => (e.scalars ?? []).map((s) => ({ tag: s.tag, value: s.value, step: e.step, wallTime: e.wallTime })));
}
