// Opens a published model directory for scoring: the saved feature spec (never a config file, so
// rows are encoded exactly as in training), the weights, and what metadata.json says about it.
import { existsSync, realpathSync, statSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { BackendName } from '../backend.js';
import { trainingSection } from '../config/schema.js';
import type { FeatureSpec } from '../data/feature-spec.js';
import type { StoredFile } from '../data/storage/index.js';
import { DataError, UsageError } from '../errors.js';
import { mib } from '../data/memory-budget.js';
import { DEFAULT_FOLD_BUDGET_MIB, FoldedScorer, type Scorer } from '../model/folded-scorer.js';
import { checkFeatureSpec, checkTopology, loadModel, MODEL_JSON, type MultiTaskModel, readArchitecture, type SavedArchitecture } from '../model/index.js';
import { readModelFacts, type TrainingFacts } from '../model/model-facts.js';
import { type BatchScorer, finiteScores, inProcess, withHelpingCaller } from './batch-scorer.js';
import { ScoringPool } from './scoring-pool.js';
import type { ScoringInfo } from './scoring-info.js';
import { type ThreadChoice, type UsableCores, usableCores } from '../util/cpus.js';

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
  scoring: ScoringInfo;
  /** How it was trained (metadata.json, config.json); null for a directory without metadata. */
  training: TrainingFacts | null;
}

export interface OpenedModel {
  info: ModelInfo;
  spec: FeatureSpec;
  model: MultiTaskModel;
  /** What eval and predict score with: worker threads, or the folded scorer / the model in this thread. */
  scorer: BatchScorer;
  /** The scorer in this thread when there are no scoring threads (what a scoring thread itself uses). */
  inThread: Scorer | null;
  /** Resolves when scoring is set up (threads start in the background; `info.scoring` is final then). */
  ready(): Promise<void>;
  /** Stops scoring threads and releases the model's and the scorer's tensors. */
  close(): Promise<void>;
  /** The trained learning rate (config.json), which the gate diagnosis weighs. */
  learningRate?: number;
  /** Per binary task: the F1-maximising threshold on the validation rows (metadata.json), when recorded. */
  thresholds: Record<string, number>;
}

export interface OpenOptions {
  /** Cap on the projected tables of the folded scorer in MiB; 0 scores with the plain graph. */
  foldBudgetMib?: number;
  /** Scoring threads: a number (0: score in this thread) or `auto` (default). */
  threads?: number | 'auto';
  /** Bytes of input to score, when known: `auto` starts no thread for small inputs. */
  inputBytes?: number;
  /** The weights were already checked for non-finite values (a scoring thread: the main thread did). */
  weightsChecked?: boolean;
  /** Why this backend runs, for reports (BackendInfo.reason). */
  backendReason?: string;
}

/**
 * Below this much input (plain CSV; gzip counts 4x), `auto` scores in the main thread: a scoring
 * thread's start-up (about 0.5 s, and its own projected tables) costs more than it saves.
 * Measured (docs/benchmarks.md): 100k rows (9 MB) take 1.39 s in one thread and 1.65 s with one
 * worker; 500k rows (46 MB) 2.76 s and 2.41 s (the medians of the eval benchmark).
 */
export const THREADS_MIN_INPUT_BYTES = 24 * 2 ** 20;

/** Input bytes of some files, a gzip file counted at 4 times its size (about what CSV compresses by), Parquet at 8. */
export function inputBytes(files: StoredFile[]): number {
  return files.reduce((s, f) => s + f.bytes * (f.path.endsWith('.gz') ? 4 : f.path.endsWith('.parquet') ? 8 : 1), 0);
}

/**
 * `auto`: on wasm (one compute thread per tfjs instance), one scoring thread per usable core
 * (util/cpus.ts: a container's CPU quota counts) besides the main thread, which reads (at least 1,
 * at most 4); none for small inputs; none on other backends (tfjs-node has threads of its own).
 */
export function resolveThreads(threads: number | 'auto', backend: string, inputBytes?: number, usable: UsableCores = usableCores()): ThreadChoice {
  if (threads !== 'auto') return { threads, message: `scoring threads ${threads} (as set; ${usable.reason})` };
  if (backend !== 'wasm') return { threads: 0, message: `scoring threads auto: 0 (${backend} computes in threads of its own)` };
  if (inputBytes !== undefined && inputBytes < THREADS_MIN_INPUT_BYTES)
    return { threads: 0, message: `scoring threads auto: 0 (${mib(inputBytes)} of input, under ${mib(THREADS_MIN_INPUT_BYTES)}: starting a thread costs more than it saves)` };
  const n = Math.max(1, Math.min(4, usable.cores - 1));
  return { threads: n, message: `scoring threads auto: ${n} (one per usable core besides the main thread, which reads, at least 1 and at most 4; ${usable.reason})` };
}

function scorerFor(model: MultiTaskModel, budgetMib: number, backendReason: string | null): { scorer: Scorer; scoring: ScoringInfo; dispose(): void } {
  const backend = tf.getBackend();
  const graph = (reason: string) => ({
    scorer: model,
    scoring: { backend, backendReason, engine: 'graph' as const, foldedFields: [], unfoldedFields: [], foldedMib: 0, reason, threads: 0 },
    dispose: () => {},
  });
  if (budgetMib <= 0) return graph('--fold-budget 0');
  const s = FoldedScorer.build(model, budgetMib * 2 ** 20);
  if (!(s instanceof FoldedScorer)) return graph(s.reason);
  const { folded, unfolded, tableBytes } = s.summary;
  // A budget that folds nothing leaves the plain graph, which is as fast and needs no tables.
  if (folded.length === 0) {
    s.dispose();
    return graph(`no field fits the fold budget of ${budgetMib} MiB`);
  }
  return {
    scorer: s,
    scoring: { backend, backendReason, engine: 'folded', foldedFields: folded, unfoldedFields: unfolded, foldedMib: Math.round((tableBytes / 2 ** 20) * 10) / 10, reason: null, threads: 0 },
    dispose: () => s.dispose(),
  };
}

/**
 * A UsageError (a wrong flag, exit 2) unless `path` is a directory (symlinks followed): a regular
 * file given where a model directory is expected says so, rather than "no such directory".
 */
export function checkIsDirectory(path: string, flag: string): void {
  let st;
  try {
    st = statSync(path);
  } catch {
    throw new UsageError(`${flag} ${path}: no such directory`);
  }
  if (!st.isDirectory())
    throw new UsageError(`${flag} ${path}: ${st.isFile() ? 'is a file, not a directory' : 'is not a directory'}; pass a model directory (the one holding ${MODEL_JSON}), e.g. models/latest`);
}

/**
 * The directory a `--model` flag names, symlinks resolved. Resolved once: `latest` may be
 * repointed by a publish meanwhile, and everything after must read the very directory checked here.
 */
export function resolveModelDir(dir: string, flag = '--model'): string {
  checkIsDirectory(dir, flag);
  if (!existsSync(join(dir, MODEL_JSON)) && existsSync(join(dir, 'latest', MODEL_JSON)))
    throw new UsageError(`${flag} ${dir} is a model root, not a model; pass ${join(dir, 'latest')} or ${join(dir, '<YYYYMMDD>')}`);
  return realpathSync(dir);
}

/**
 * The model of a resolved model directory, for reading only (scoring, export), once every file
 * agrees with architecture.json: feature_spec.json (what serving builds inputs from), model.json's
 * topology (the network serving runs), the weight files (confined to the directory, the lengths the
 * manifest gives, finite unless `weightsChecked`). A damaged file is a ModelError naming it.
 */
export async function loadServedModel(resolvedPath: string, options: { weightsChecked?: boolean } = {}): Promise<{ saved: SavedArchitecture; model: MultiTaskModel }> {
  const saved = readArchitecture(resolvedPath);
  checkFeatureSpec(resolvedPath, saved.spec);
  if (!options.weightsChecked) checkTopology(resolvedPath, saved); // a scoring thread: the main thread did
  // Training options only shape optimizers, which scoring never runs: the defaults do, and the
  // tables get no optimizer slots (two thirds of an Adam model's table memory).
  const defaults = trainingSection.parse({});
  const model = await loadModel(resolvedPath, saved.spec, saved.model, defaults, defaults.seed, { inferenceOnly: true, checkFinite: !options.weightsChecked });
  return { saved, model };
}

/**
 * Loads the model in `dir` (a model directory, or a symlink such as models/latest). A damaged model
 * (a missing or broken file, weights cut short or not finite, feature_spec.json disagreeing with
 * architecture.json) is a ModelError naming the file; a model that scores NaN fails the batch.
 */
export async function openModel(dir: string, flag = '--model', options: OpenOptions = {}): Promise<OpenedModel> {
  const resolvedPath = resolveModelDir(dir, flag); // scoring threads open this very directory
  const facts = readModelFacts(resolvedPath); // before loading: a broken metadata.json leaves no model to dispose
  const { saved, model } = await loadServedModel(resolvedPath, options);
  const foldBudgetMib = options.foldBudgetMib ?? DEFAULT_FOLD_BUDGET_MIB;
  const backend = tf.getBackend();
  // A count (eval and predict resolve theirs once, scoringThreads) is used as given; auto is resolved here.
  const threads = typeof options.threads === 'number' ? options.threads : resolveThreads('auto', backend, options.inputBytes).threads;
  const backendReason = options.backendReason ?? null;
  const info: ModelInfo = {
    path: dir,
    resolvedPath,
    modelType: saved.model.type,
    curDate: facts.curDate,
    createdAt: facts.createdAt,
    tasks: saved.spec.tasks.map((t) => ({ name: t.name, type: t.type, label: t.label })),
    scoring: { backend, backendReason, engine: 'graph', foldedFields: [], unfoldedFields: [], foldedMib: 0, reason: 'scoring threads starting', threads },
    training: facts.training,
  };
  let scoring: { scorer: BatchScorer; inThread: Scorer | null; ready: Promise<unknown>; dispose(): Promise<void> };
  if (threads > 0) {
    // The workers fold their own tables; this thread only needs the spec and the model's shape.
    const pool = ScoringPool.start({ modelDir: resolvedPath, threads, backend: backend as BackendName, foldBudgetMib, spec: saved.spec });
    const ready = pool.ready.then((s) => {
      info.scoring = { ...s, backendReason, threads };
    });
    ready.catch(() => {}); // reported where ready() is awaited, and by every batch sent
    let local: ReturnType<typeof scorerFor> | undefined;
    const scorer = withHelpingCaller(pool, () => (local ??= scorerFor(model, foldBudgetMib, backendReason)).scorer);
    scoring = {
      scorer,
      inThread: null,
      ready,
      dispose: async () => {
        await pool.close();
        local?.dispose();
      },
    };
  } else {
    const here = scorerFor(model, foldBudgetMib, backendReason);
    info.scoring = here.scoring;
    scoring = { scorer: inProcess(here.scorer), inThread: here.scorer, ready: Promise.resolve(), dispose: async () => here.dispose() };
  }
  const close = async (): Promise<void> => {
    await scoring.dispose();
    model.dispose();
  };
  const ready = async (): Promise<void> => {
    await scoring.ready;
  };
  return { info, spec: saved.spec, model, scorer: finiteScores(scoring.scorer, resolvedPath), inThread: scoring.inThread, ready, close, learningRate: facts.learningRate, thresholds: facts.thresholds };
}
