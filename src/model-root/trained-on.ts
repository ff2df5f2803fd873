// What a published model says about the data it trained on (its metadata.json): the day it was
// made for, the training days, and which of their rows it held out. The promotion gate uses it to
// keep latest's training rows out of the comparison, and to never move latest back in time.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** How a model split its training days: a hash hold-out of their rows, or a separate day. */
export type Validation = { mode: 'holdout'; validRatio: number; seed: number } | { mode: 'date'; date: string };

export interface TrainedOn {
  /** The --cur-date of the run that made it. */
  curDate: string;
  /** The days it read for training. */
  dates: string[];
  validation: Validation;
}

interface Metadata {
  curDate?: unknown;
  seed?: unknown;
  data?: { dates?: unknown };
  validation?: { mode?: unknown; validRatio?: unknown; date?: unknown };
}

const isDate = (x: unknown): x is string => typeof x === 'string' && /^\d{8}$/.test(x);

/**
 * Reads it from `<dir>/metadata.json`; a string saying what is missing when the file cannot be
 * read or lacks a field (a model made elsewhere or by an older version).
 */
export function readTrainedOn(dir: string): TrainedOn | string {
  const file = join(dir, 'metadata.json');
  let m: Metadata;
  try {
    m = JSON.parse(readFileSync(file, 'utf8')) as Metadata;
  } catch (err) {
    return `${file} cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`;
  }
  const dates = m.data?.dates;
  if (!isDate(m.curDate)) return `${file} has no curDate`;
  if (!Array.isArray(dates) || !dates.every(isDate)) return `${file} has no data.dates (the days it trained on)`;
  const v = m.validation;
  if (v?.mode === 'date' && isDate(v.date)) return { curDate: m.curDate, dates, validation: { mode: 'date', date: v.date } };
  if (v?.mode === 'holdout' && typeof v.validRatio === 'number' && typeof m.seed === 'number')
    return { curDate: m.curDate, dates, validation: { mode: 'holdout', validRatio: v.validRatio, seed: m.seed } };
  return `${file} does not say which rows it held out (validation.mode with validRatio and seed, or date)`;
}
