// The promotion gate compares two models on rows neither trained on. The new model's rule chooses
// the rows (--gate-dates, its validation day, or the hold-out of its training days); latest may have
// trained on some of them (another seed or validRatio, a validation day that was a training day of
// latest's, --gate-dates on latest's days), which would bias the comparison against the new model.
// latest's metadata.json says which rows it trained on, and those are left out: a day it trained on
// keeps only the rows latest held out too, or none when latest validated on a separate day.
import { heldOutRows } from '../data/holdout.js';
import type { DataSource, Partition } from '../data/partitions.js';
import type { TrainedOn } from '../model-root/trained-on.js';

/** Which rows the two models are compared on, by the new model's rule. */
export interface GateRows {
  source: DataSource;
  /** Only the hold-out of these days (the rows the training runs held out), else every row. */
  holdout?: { validRatio: number; seed: number };
}

/** The rows a gate scores, after leaving out latest's training rows; recorded as `gate.rule`. */
export interface GateRule {
  /** The days read. */
  dates: string[];
  /** The new model's hold-out, when the gate scores only that. */
  holdout: { validRatio: number; seed: number } | null;
  /** Days latest trained on, of which only the rows it held out too are scored. */
  alsoHeldOutByLatest: { dates: string[]; validRatio: number; seed: number } | null;
  /** Days latest trained on in full (it validated on a separate day): not scored. */
  leftOut: string[];
}

export interface GatePlan {
  source: DataSource;
  /** The row test for the eval (per file relative to the data directory, then line); undefined: every row. */
  rows?: (relPath: string) => (line: number) => boolean;
  rule: GateRule;
  /** The rows in words, for the log, metadata.json and status.json. */
  on: string;
  /** What was left out because latest trained on it, said plainly; empty when nothing was. */
  leftOut?: string;
}

/** The rule's rows in words. */
export function describeRows(rows: GateRows): string {
  const days = rows.source.dates.join(', ');
  return rows.holdout ? `the hold-out (validRatio ${rows.holdout.validRatio}, seed ${rows.holdout.seed}) of ${days}` : days;
}

/**
 * Plans the gate's rows: `rows` (the new model's rule) minus what `latest` (named `name`) trained
 * on. `partitions` are the rule's days as found on disk (their files map back to days).
 */
export function planGateRows(rows: GateRows, latest: TrainedOn, name: string, partitions: Partition[]): GatePlan {
  const trained = new Set(latest.dates);
  const v = latest.validation;
  const overlap = rows.source.dates.filter((d) => trained.has(d));
  const leftOut = v.mode === 'date' ? overlap : [];
  // Days of latest's whose scored rows latest also held out: unless the rule's hold-out is within latest's.
  const within = rows.holdout && v.mode === 'holdout' && rows.holdout.seed === v.seed && rows.holdout.validRatio <= v.validRatio;
  const restricted = v.mode === 'holdout' && !within ? overlap : [];
  const dates = rows.source.dates.filter((d) => !leftOut.includes(d));
  const source = { ...rows.source, dates };
  const rule: GateRule = {
    dates,
    holdout: rows.holdout ?? null,
    alsoHeldOutByLatest: restricted.length && v.mode === 'holdout' ? { dates: restricted, validRatio: v.validRatio, seed: v.seed } : null,
    leftOut,
  };
  const said: string[] = [];
  if (leftOut.length) said.push(`${leftOut.join(', ')} left out: latest (${name}) trained on every row of ${leftOut.length > 1 ? 'them' : 'it'} (it validated on ${v.mode === 'date' ? v.date : 'another day'})`);
  if (rule.alsoHeldOutByLatest) {
    const h = rule.alsoHeldOutByLatest;
    said.push(`of ${h.dates.join(', ')} only the rows latest (${name}) held out too (validRatio ${h.validRatio}, seed ${h.seed}): it trained on the others`);
  }
  const on = dates.length ? describeRows({ ...rows, source }) + (said.length ? `; ${said.join('; ')}` : '') : `no row: ${said.join('; ')}`;
  return { source, rule, on, ...(said.length ? { leftOut: said.join('; ') } : {}), ...rowTest(rule, partitions, source.dataDir) };
}

/** The per-row test of a rule, if it keeps less than every row of its days. */
function rowTest(rule: GateRule, partitions: Partition[], dataDir: string): Pick<GatePlan, 'rows'> {
  const own = rule.holdout && heldOutRows(rule.holdout.seed, rule.holdout.validRatio);
  const latest = rule.alsoHeldOutByLatest;
  if (!own && !latest) return {};
  const restrictedFiles = new Set<string>();
  if (latest) {
    const days = new Set(latest.dates);
    for (const p of partitions.filter((x) => days.has(x.date))) for (const f of p.files) restrictedFiles.add(p.storage.relative(dataDir, f.path));
  }
  const theirs = latest && heldOutRows(latest.seed, latest.validRatio);
  return {
    rows: (relPath) => {
      const a = own?.(relPath);
      const b = theirs && restrictedFiles.has(relPath) ? theirs(relPath) : undefined;
      if (a && b) return (line) => a(line) && b(line);
      return a ?? b ?? (() => true);
    },
  };
}
