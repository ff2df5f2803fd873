// Opens a published model directory for scoring: the saved feature spec (never a config file, so
// rows are encoded exactly as in training), the weights, and what metadata.json says about it.
import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { trainingSection } from '../config/schema.js';
import type { FeatureSpec } from '../data/feature-spec.js';
import { DataError, UsageError } from '../errors.js';
import { loadModel, MODEL_JSON, type MultiTaskModel, readArchitecture } from '../model/index.js';

/** What a report says about a model: where it is and what it is. */
export interface ModelInfo {
  /** The path as given (e.g. models/latest). */
  path: string;
  /** The directory it resolves to (symlinks followed). */
  resolvedPath: string;
  modelType: string;
  /** From metadata.json when present. */
  curDate: string | null;
  createdAt: string | null;
  tasks: { name: string; type: 'binary' | 'regression'; label: string }[];
}

export interface OpenedModel {
  info: ModelInfo;
  spec: FeatureSpec;
  model: MultiTaskModel;
  /** The trained learning rate (config.json), which the gate diagnosis weighs. */
  learningRate?: number;
}

function readMetadata(dir: string): { curDate: string | null; createdAt: string | null } {
  const file = join(dir, 'metadata.json');
  if (!existsSync(file)) return { curDate: null, createdAt: null };
  try {
    const m = JSON.parse(readFileSync(file, 'utf8')) as { curDate?: unknown; createdAt?: unknown };
    return { curDate: typeof m.curDate === 'string' ? m.curDate : null, createdAt: typeof m.createdAt === 'string' ? m.createdAt : null };
  } catch (err) {
    throw new DataError(`metadata.json is not valid JSON (${(err as Error).message}); republish the model`, { file });
  }
}

function readLearningRate(dir: string): number | undefined {
  const file = join(dir, 'config.json');
  if (!existsSync(file)) return undefined;
  try {
    const lr = (JSON.parse(readFileSync(file, 'utf8')) as { training?: { optimizer?: { learningRate?: unknown } } }).training?.optimizer?.learningRate;
    return typeof lr === 'number' ? lr : undefined;
  } catch {
    return undefined; // only a hint for the gate diagnosis: a broken config.json must not stop an eval
  }
}

/** Loads the model in `dir` (a model directory, or a symlink such as models/latest). */
export async function openModel(dir: string, flag = '--model'): Promise<OpenedModel> {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UsageError(`${flag} ${dir}: no such directory`);
  if (!existsSync(join(dir, MODEL_JSON)) && existsSync(join(dir, 'latest', MODEL_JSON)))
    throw new UsageError(`${flag} ${dir} is a model root, not a model; pass ${join(dir, 'latest')} or ${join(dir, '<YYYYMMDD>')}`);
  const saved = readArchitecture(dir);
  // Training options only shape optimizers, which scoring never runs: the defaults do.
  const model = await loadModel(dir, saved.spec, saved.model, trainingSection.parse({}));
  const info: ModelInfo = {
    path: dir,
    resolvedPath: realpathSync(dir),
    modelType: saved.model.type,
    ...readMetadata(dir),
    tasks: saved.spec.tasks.map((t) => ({ name: t.name, type: t.type, label: t.label })),
  };
  return { info, spec: saved.spec, model, learningRate: readLearningRate(dir) };
}
