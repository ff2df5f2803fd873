// What a published model's metadata.json and config.json say about how it was made: the dates,
// rows, epochs and training curves, the backend and timings, the model section, and the
// per-task thresholds chosen on its validation rows. Read when a model is opened
// (scoring/model-dir.ts) for the reports eval writes (eval/) and its --threshold auto; scoring
// itself never needs them.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataError } from '../errors.js';

/** One epoch of the training curves (metadata.json `history`). */
export interface EpochPoint {
  epoch: number;
  trainLoss: number;
  validLoss: number | null;
  /** Validation AUC (binary tasks) or MSE (regression) per task. */
  validMetrics: Record<string, number | null>;
}

export interface TrainingFacts {
  /** Days trained on, and the validation (hold-out share or day). */
  dates: string[];
  validation: string;
  rows: { train: number; valid: number; skipped: number };
  epochs: { planned: number; run: number; best: number; stoppedEarly: boolean };
  /** Which task and metric early stopping watched. */
  monitor: { task: string; metric: string } | null;
  history: EpochPoint[];
  backend: string;
  seed: number | null;
  seconds: number | null;
  mmoeVersion: string | null;
  warmStartFrom: string | null;
  /** The `model` section of config.json (architecture, experts, towers), when present. */
  model: Record<string, unknown> | null;
}

export interface ModelFacts {
  curDate: string | null;
  createdAt: string | null;
  /** The trained learning rate (config.json), which the gate diagnosis weighs. */
  learningRate?: number;
  /** Per binary task: the F1-maximising threshold on the validation rows, when recorded. */
  thresholds: Record<string, number>;
  training: TrainingFacts | null;
}

type Json = Record<string, any>;

function readJson(file: string, what: string, strict: boolean): Json | null {
  if (!existsSync(file)) return null;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Json;
  } catch (err) {
    if (strict) throw new DataError(`${what} is not valid JSON (${(err as Error).message}); republish the model`, { file });
    return null;
  }
}

const num = (x: unknown): number | null => (typeof x === 'number' && Number.isFinite(x) ? x : null);
const str = (x: unknown): string | null => (typeof x === 'string' ? x : null);

function trainingFacts(m: Json, config: Json | null): TrainingFacts | null {
  if (!Array.isArray(m.history) || typeof m.epochs !== 'object' || m.epochs === null) return null;
  const v = m.validation ?? {};
  return {
    dates: Array.isArray(m.data?.dates) ? m.data.dates.filter((d: unknown) => typeof d === 'string') : [],
    validation: v.mode === 'date' ? `the day ${v.date}` : v.mode === 'holdout' ? `a ${Math.round(100 * (num(v.validRatio) ?? 0))}% hash hold-out of the rows` : 'none',
    rows: { train: num(m.rows?.train) ?? 0, valid: num(m.rows?.valid) ?? 0, skipped: num(m.rows?.skipped) ?? 0 },
    epochs: { planned: num(m.epochs.planned) ?? 0, run: num(m.epochs.run) ?? 0, best: num(m.epochs.best) ?? 0, stoppedEarly: m.epochs.stoppedEarly === true },
    monitor: m.monitor && typeof m.monitor.task === 'string' ? { task: m.monitor.task, metric: String(m.monitor.metric) } : null,
    history: m.history.map((h: Json) => ({
      epoch: num(h.epoch) ?? 0,
      trainLoss: num(h.trainLoss) ?? Number.NaN,
      validLoss: num(h.validLoss),
      validMetrics: Object.fromEntries(Object.entries((h.validMetrics ?? {}) as Json).map(([k, x]) => [k, num(x)])),
    })),
    backend: str(m.backend) ?? 'unknown',
    seed: num(m.seed),
    seconds: num(m.timings?.totalSeconds),
    mmoeVersion: str(m.mmoeVersion),
    warmStartFrom: str(m.warmStart?.from),
    model: config && typeof config.model === 'object' ? (config.model as Record<string, unknown>) : null,
  };
}

/** Reads a model directory's metadata.json (a broken one is an error) and config.json (a hint only). */
export function readModelFacts(dir: string): ModelFacts {
  const m = readJson(join(dir, 'metadata.json'), 'metadata.json', true);
  const config = readJson(join(dir, 'config.json'), 'config.json', false);
  const lr = config?.training?.optimizer?.learningRate;
  const thresholds: Record<string, number> = {};
  for (const [task, v] of Object.entries((m?.bestValidation ?? {}) as Json)) {
    const t = num(v?.threshold);
    if (t !== null) thresholds[task] = t;
  }
  return {
    curDate: str(m?.curDate),
    createdAt: str(m?.createdAt),
    ...(typeof lr === 'number' ? { learningRate: lr } : {}),
    thresholds,
    training: m ? trainingFacts(m, config) : null,
  };
}
