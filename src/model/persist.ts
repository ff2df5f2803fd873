// Saving a trained model as a portable tfjs directory, and restoring a trainable model from one
// (warm start) after checking that the saved model fits the current config.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ModelSection, TrainingSection } from '../config/schema.js';
import type { FeatureSpec } from '../data/feature-spec.js';
import { ConfigError, DataError } from '../errors.js';
import { decodeFloat32Weights, MODEL_JSON, nodeFileSystem } from './io.js';
import { buildModel, type MultiTaskModel } from './multi-task-model.js';
import { portableArtifacts } from './portable.js';

/** Next to model.json: what a warm start needs beyond the weights. */
export const ARCHITECTURE_JSON = 'architecture.json';
/** The optimizers' moments and step counts (warm start only; scoring never reads them). */
export const OPTIMIZER_JSON = 'optimizer.json';
export const OPTIMIZER_BIN = 'optimizer.bin';

interface SavedOptimizer {
  format: 'mmoe-optimizer';
  version: 1;
  dense: { name: string; steps: number; offset: number; length: number };
  embeddings: { name: string; steps: number; tables: { name: string; offset: number; length: number }[] };
}

interface SavedArchitecture {
  format: 'mmoe-architecture';
  version: 1;
  spec: FeatureSpec;
  model: ModelSection;
  /** Learned uncertainty log variances by task (empty without uncertainty weighting). */
  logVariances: Record<string, number>;
}

export async function saveModel(m: MultiTaskModel, dir: string): Promise<void> {
  await nodeFileSystem(dir).save!(portableArtifacts(m));
  const logs = m.logVariances?.map((v) => v.dataSync()[0]) ?? [];
  const arch: SavedArchitecture = {
    format: 'mmoe-architecture',
    version: 1,
    spec: m.spec,
    model: m.model,
    logVariances: Object.fromEntries(logs.map((s, i) => [m.spec.tasks[i].name, s])),
  };
  writeFileSync(join(dir, ARCHITECTURE_JSON), `${JSON.stringify(arch, null, 2)}\n`);
  saveOptimizer(m, dir);
}

function saveOptimizer(m: MultiTaskModel, dir: string): void {
  const s = m.getOptimizerState();
  const parts: Float32Array[] = [s.dense.slots];
  let offset = s.dense.slots.length;
  const tables = [...s.embeddings.tables].map(([name, values]) => {
    parts.push(values);
    const entry = { name, offset, length: values.length };
    offset += values.length;
    return entry;
  });
  const header: SavedOptimizer = {
    format: 'mmoe-optimizer',
    version: 1,
    dense: { name: s.dense.name, steps: s.dense.steps, offset: 0, length: s.dense.slots.length },
    embeddings: { name: s.embeddings.name, steps: s.embeddings.steps, tables },
  };
  const all = new Float32Array(offset);
  let at = 0;
  for (const p of parts) {
    all.set(p, at);
    at += p.length;
  }
  writeFileSync(join(dir, OPTIMIZER_BIN), new Uint8Array(all.buffer));
  writeFileSync(join(dir, OPTIMIZER_JSON), `${JSON.stringify(header, null, 2)}\n`);
}

/**
 * Continues the optimizers of the model saved in `dir` (Adam's moments and step count, or
 * Adagrad's sums) in `m`, which was loaded from it. Any mismatch (another optimizer, an older
 * model without the files, other shapes) leaves `m` with fresh optimizers; the result says which.
 */
export function restoreOptimizer(m: MultiTaskModel, dir: string): { restored: boolean; reason: string } {
  const json = join(dir, OPTIMIZER_JSON);
  const bin = join(dir, OPTIMIZER_BIN);
  if (!existsSync(json) || !existsSync(bin)) return { restored: false, reason: `no saved optimizer state in ${dir}: fresh optimizer moments` };
  try {
    const h = JSON.parse(readFileSync(json, 'utf8')) as SavedOptimizer;
    if (h.format !== 'mmoe-optimizer' || h.version !== 1) throw new RangeError(`unknown format ${JSON.stringify(h.format)} ${JSON.stringify(h.version)}`);
    for (const steps of [h.dense?.steps, h.embeddings?.steps])
      if (!(Number.isInteger(steps) && steps >= 0)) throw new RangeError(`step count ${JSON.stringify(steps)} is not a non-negative integer`);
    const raw = readFileSync(bin);
    const all = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
    const slice = (o: number, n: number): Float32Array => {
      if (!(o >= 0 && n >= 0 && o + n <= all.length)) throw new RangeError(`${OPTIMIZER_BIN} holds ${all.length} values, the header asks for ${o}..${o + n}`);
      return all.subarray(o, o + n);
    };
    m.setOptimizerState({
      dense: { name: h.dense.name, steps: h.dense.steps, slots: slice(h.dense.offset, h.dense.length) },
      embeddings: { name: h.embeddings.name, steps: h.embeddings.steps, tables: new Map(h.embeddings.tables.map((t) => [t.name, slice(t.offset, t.length)])) },
    });
    return { restored: true, reason: `optimizer state restored from ${dir} (${h.dense.name}, step ${h.dense.steps})` };
  } catch (err) {
    return { restored: false, reason: `saved optimizer state in ${dir} not used (${(err as Error).message}): fresh optimizer moments` };
  }
}

/** Why a model saved with `saved` cannot continue training under `current` (empty: it can). */
export function incompatibilities(saved: { spec: FeatureSpec; model: ModelSection }, current: { spec: FeatureSpec; model: ModelSection }): string[] {
  const problems: string[] = [];
  const same = (what: string, a: unknown, b: unknown) => {
    if (JSON.stringify(a) !== JSON.stringify(b)) problems.push(`${what} differ (saved ${JSON.stringify(a)}, now ${JSON.stringify(b)})`);
  };
  const cats = (s: FeatureSpec) => s.categorical.map((c) => `${c.name}:${c.buckets}x${c.embeddingDim}@${c.table}`);
  same('categorical features (name:buckets x dim @table)', cats(saved.spec), cats(current.spec));
  same('crosses', saved.spec.crosses, current.spec.crosses);
  same('numeric features', saved.spec.numeric.map((n) => n.name), current.spec.numeric.map((n) => n.name));
  same('tasks (name:type)', saved.spec.tasks.map((t) => `${t.name}:${t.type}`), current.spec.tasks.map((t) => `${t.name}:${t.type}`));
  same('model sections', canonical(saved.model), canonical(current.model));
  return problems;
}

function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical((v as Record<string, unknown>)[k])]));
  return v;
}

export function readArchitecture(dir: string): SavedArchitecture {
  const file = join(dir, ARCHITECTURE_JSON);
  if (!existsSync(file) || !existsSync(join(dir, MODEL_JSON)))
    throw new DataError(`not a model saved by mmoe: ${MODEL_JSON} and ${ARCHITECTURE_JSON} are both needed`, { file: dir });
  const a = JSON.parse(readFileSync(file, 'utf8')) as SavedArchitecture;
  if (a.format !== 'mmoe-architecture' || a.version !== 1)
    throw new DataError(`unknown architecture format ${JSON.stringify(a.format)} version ${JSON.stringify(a.version)}; expected mmoe-architecture 1`, { file });
  return a;
}

/**
 * A trainable model for the current config, with the weights saved in `dir` (warm start).
 * Throws a ConfigError naming every difference when the saved model does not fit the config.
 */
export async function loadModel(dir: string, spec: FeatureSpec, model: ModelSection, training: TrainingSection, seed = training.seed): Promise<MultiTaskModel> {
  const saved = readArchitecture(dir);
  const problems = incompatibilities(saved, { spec, model });
  if (problems.length)
    throw new ConfigError(`the model in ${dir} does not fit this config: ${problems.join('; ')}. Start fresh (--warm-start none) or use the config it was trained with`);
  const weights = decodeFloat32Weights(await nodeFileSystem(dir).load!());
  const m = buildModel(spec, model, training, seed);
  for (const t of m.layout.tables) m.tables.write(t.name, take(weights, `emb_${t.name}/embeddings`, dir).values);
  m.setState({
    dense: m.net.train.weights.map((v) => take(weights, v.originalName, dir).values),
    tables: new Map(),
    logVariances: spec.tasks.map((t) => saved.logVariances[t.name] ?? 0),
  });
  return m;
}

function take(weights: ReturnType<typeof decodeFloat32Weights>, name: string, dir: string) {
  const w = weights.get(name);
  if (!w) throw new DataError(`weight '${name}' is missing from the saved model`, { file: join(dir, MODEL_JSON) });
  return w;
}
