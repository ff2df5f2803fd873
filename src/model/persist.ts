// Saving a trained model as a portable tfjs directory, and restoring a trainable model from one
// (warm start) after checking that the saved model fits the current config.
import { closeSync, existsSync, openSync, readFileSync, readSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { ModelSection, TrainingSection } from '../config/schema.js';
import { type FeatureSpec, upgradeSpec } from '../data/feature-spec.js';
import { ConfigError, ModelError } from '../errors.js';
import { writeAtomicWith, writeFileAtomic } from '../util/atomic-file.js';
import { jsonDifferences } from '../util/json-diff.js';
import { decodeFloat32Weights, MODEL_JSON, nodeFileSystem } from './io.js';
import { buildModel, type ModelOptions, type MultiTaskModel } from './multi-task-model.js';
import { comparableTopology, expectedTopology, portableArtifacts } from './portable.js';
import { ARCHITECTURES } from './registry.js';
import { optimizerSlots, type SparseOptimizerName } from './sparse-optimizer.js';
import { type ModelJson, readModelFile, readModelJson, readWeightShards } from './weight-files.js';

/** Next to model.json: what a warm start needs beyond the weights. */
export const ARCHITECTURE_JSON = 'architecture.json';
/** What a serving system reads to build inputs: must equal architecture.json's spec. */
export const FEATURE_SPEC_JSON = 'feature_spec.json';
/** The optimizers' moments and step counts (warm start only; scoring never reads them). */
export const OPTIMIZER_JSON = 'optimizer.json';
export const OPTIMIZER_BIN = 'optimizer.bin';

interface SavedOptimizer {
  format: 'mmoe-optimizer';
  version: 1;
  dense: { name: string; steps: number; offset: number; length: number };
  embeddings: { name: string; steps: number; tables: { name: string; offset: number; length: number }[] };
}

export interface SavedArchitecture {
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
  writeFileAtomic(join(dir, ARCHITECTURE_JSON), `${JSON.stringify(arch, null, 2)}\n`);
  writeFileAtomic(join(dir, FEATURE_SPEC_JSON), `${JSON.stringify(m.spec, null, 2)}\n`);
  saveOptimizer(m, dir);
}

/** Rows of slots moved per read or write: a few MB, whatever the table size (no 2 GiB limits). */
const SLOT_CHUNK_FLOATS = 1 << 20;

function writeFloats(fd: number, a: Float32Array): void {
  for (let o = 0; o < a.length; o += SLOT_CHUNK_FLOATS) {
    const part = a.subarray(o, Math.min(a.length, o + SLOT_CHUNK_FLOATS));
    writeSync(fd, new Uint8Array(part.buffer, part.byteOffset, part.byteLength));
  }
}

function readFloats(fd: number, out: Float32Array, at: number): void {
  const bytes = new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  let done = 0;
  while (done < bytes.length) {
    const n = readSync(fd, bytes, done, bytes.length - done, at + done);
    if (n === 0) throw new RangeError(`${OPTIMIZER_BIN} ends early`);
    done += n;
  }
}

/** Table slots stream through a buffer of a few MB, so any table size saves without a copy of it. */
function saveOptimizer(m: MultiTaskModel, dir: string): void {
  const h = m.optimizerHeader();
  let offset = h.dense.slots.length;
  const tables = m.layout.tables.map((t) => {
    const entry = { name: t.name, offset, length: t.rows * m.tables.slotWidth(t.name) };
    offset += entry.length;
    return entry;
  });
  const header: SavedOptimizer = {
    format: 'mmoe-optimizer',
    version: 1,
    dense: { name: h.dense.name, steps: h.dense.steps, offset: 0, length: h.dense.slots.length },
    embeddings: { name: h.embeddings.name, steps: h.embeddings.steps, tables },
  };
  writeAtomicWith(join(dir, OPTIMIZER_BIN), (fd) => {
    writeFloats(fd, h.dense.slots);
    for (const t of m.layout.tables) {
      const width = m.tables.slotWidth(t.name);
      if (width === 0) continue;
      const rowsPerChunk = Math.max(1, Math.floor(SLOT_CHUNK_FLOATS / width));
      const buf = new Float32Array(rowsPerChunk * width);
      for (let r = 0; r < t.rows; r += rowsPerChunk) {
        const n = Math.min(rowsPerChunk, t.rows - r);
        m.tables.copySlotRows(t.name, r, n, buf);
        writeFloats(fd, buf.subarray(0, n * width));
      }
    }
  });
  writeFileAtomic(join(dir, OPTIMIZER_JSON), `${JSON.stringify(header, null, 2)}\n`);
}

/**
 * Continues the optimizers of the model saved in `dir` (Adam's moments and step count, or
 * Adagrad's sums) in `m`, which was loaded from it. A mismatch (another optimizer, an older model
 * without the files, other shapes, a damaged file) leaves `m` with fresh optimizers; the result
 * says which. Sizes are checked before anything changes; a read that fails half way resets.
 */
export function restoreOptimizer(m: MultiTaskModel, dir: string): { restored: boolean; reason: string } {
  const json = join(dir, OPTIMIZER_JSON);
  const bin = join(dir, OPTIMIZER_BIN);
  if (!existsSync(json) || !existsSync(bin)) return { restored: false, reason: `no saved optimizer state in ${dir}: fresh optimizer moments` };
  const fresh = (why: string) => ({ restored: false, reason: `saved optimizer state in ${dir} not used (${why}): fresh optimizer moments` });
  let h: SavedOptimizer;
  try {
    h = JSON.parse(readFileSync(json, 'utf8')) as SavedOptimizer;
  } catch (err) {
    return fresh(`${OPTIMIZER_JSON}: ${(err as Error).message}`);
  }
  try {
    checkHeader(h, m, statSync(bin).size);
  } catch (err) {
    return fresh((err as Error).message);
  }
  const fd = openSync(bin, 'r');
  try {
    const dense = new Float32Array(h.dense.length);
    readFloats(fd, dense, h.dense.offset * 4);
    checkSlots(dense, h.dense.name as SparseOptimizerName, 'the dense weights');
    m.setOptimizerHeader({ steps: h.dense.steps, slots: dense }, h.embeddings.steps);
    for (const t of h.embeddings.tables) {
      const width = m.tables.slotWidth(t.name);
      if (width === 0) continue;
      const rows = t.length / width;
      const rowsPerChunk = Math.max(1, Math.floor(SLOT_CHUNK_FLOATS / width));
      const buf = new Float32Array(rowsPerChunk * width);
      for (let r = 0; r < rows; r += rowsPerChunk) {
        const n = Math.min(rowsPerChunk, rows - r);
        const part = buf.subarray(0, n * width);
        readFloats(fd, part, (t.offset + r * width) * 4);
        checkSlots(part, h.embeddings.name as SparseOptimizerName, `table '${t.name}'`, width);
        m.tables.setSlotRows(t.name, r, part);
      }
    }
  } catch (err) {
    m.resetOptimizers();
    return fresh((err as Error).message);
  } finally {
    closeSync(fd);
  }
  return { restored: true, reason: `optimizer state restored from ${dir} (${h.dense.name}, step ${h.dense.steps})` };
}

/**
 * Throws a RangeError unless `values` can be optimizer moments: finite, and Adam's second moments
 * and Adagrad's sums not negative (their square roots divide the step). Rows of `dim` weights lie
 * as [m (dim) | v (dim)] for Adam, [sum (dim)] for Adagrad. A damaged optimizer.bin would
 * otherwise write NaN into every weight it touches, or make every warm start diverge. The dense
 * weights are one row.
 */
function checkSlots(values: Float32Array, name: SparseOptimizerName, what: string, rowWidth = values.length): void {
  const dim = rowWidth / optimizerSlots(name);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    const squares = name === 'adagrad' || i % (2 * dim) >= dim;
    if (v - v === 0 && !(squares && v < 0)) continue;
    const slot = name === 'adagrad' ? 'squared-gradient sums' : squares ? 'second moments' : 'first moments';
    throw new RangeError(`${OPTIMIZER_BIN} holds ${v} among the ${name} ${slot} of ${what}, which ${v - v === 0 ? 'cannot be negative' : 'must be finite'}: the file is damaged`);
  }
}

/** Throws a RangeError unless the saved optimizer state fits `m` exactly and the file holds all of it. */
function checkHeader(h: SavedOptimizer, m: MultiTaskModel, fileBytes: number): void {
  if (h.format !== 'mmoe-optimizer' || h.version !== 1) throw new RangeError(`unknown format ${JSON.stringify(h.format)} ${JSON.stringify(h.version)}`);
  for (const steps of [h.dense?.steps, h.embeddings?.steps])
    if (!(Number.isInteger(steps) && steps >= 0)) throw new RangeError(`step count ${JSON.stringify(steps)} is not a non-negative integer`);
  const mine = m.optimizerHeader();
  if (h.dense.name !== mine.dense.name || h.embeddings.name !== mine.embeddings.name)
    throw new RangeError(`optimizer state of ${h.dense.name}/${h.embeddings.name}, this model uses ${mine.dense.name}/${mine.embeddings.name}`);
  const parts = [{ what: 'dense', offset: h.dense.offset, length: h.dense.length, want: mine.dense.slots.length }];
  for (const t of m.layout.tables) {
    const saved = h.embeddings.tables.find((x) => x.name === t.name);
    if (!saved) throw new RangeError(`optimizer state has no slots for table '${t.name}'`);
    parts.push({ what: `table '${t.name}'`, offset: saved.offset, length: saved.length, want: t.rows * m.tables.slotWidth(t.name) });
  }
  for (const p of parts) {
    if (p.length !== p.want) throw new RangeError(`optimizer state of ${p.what} has ${p.length} values, expected ${p.want}`);
    if (!(p.offset >= 0 && (p.offset + p.length) * 4 <= fileBytes)) throw new RangeError(`${OPTIMIZER_BIN} holds ${fileBytes / 4} values, the header asks for ${p.offset}..${p.offset + p.length}`);
  }
}

/**
 * Why a model saved with `saved` cannot continue training under `current` (empty: it can). Every
 * field that changes what a weight means decides: how values are hashed or bucketized, each
 * table's rows, dim and sharing, crosses, each numeric's transform (its input scale), each task's
 * label column, type and label transform (its output scale), the model sections. Numeric
 * statistics, fillEmpty, loss and row weights do not: statistics the config leaves open come from
 * the saved model (train-job.ts), and the rest change what is learned next, not what the weights
 * mean.
 */
export function incompatibilities(saved: { spec: FeatureSpec; model: ModelSection }, current: { spec: FeatureSpec; model: ModelSection }): string[] {
  const problems: string[] = [];
  const same = (what: string, a: unknown, b: unknown) => {
    if (JSON.stringify(a) !== JSON.stringify(b)) problems.push(`${what} differ (saved ${JSON.stringify(a)}, now ${JSON.stringify(b)})`);
  };
  const cats = (s: FeatureSpec) => s.categorical.map((c) => `${c.name}:${c.boundaries ? `[${c.boundaries.join(' ')}]` : c.buckets}x${c.embeddingDim}@${c.table}`);
  same('hash functions', saved.spec.hash?.function, current.spec.hash?.function);
  same('categorical features (name:buckets x dim @table)', cats(saved.spec), cats(current.spec));
  same('crosses', saved.spec.crosses, current.spec.crosses);
  same('numeric features (name:transform)', saved.spec.numeric.map((n) => `${n.name}:${n.transform}`), current.spec.numeric.map((n) => `${n.name}:${n.transform}`));
  const tasks = (s: FeatureSpec) => s.tasks.map((t) => `${t.name}:${t.label}:${t.type}:${t.labelTransform ?? 'none'}`);
  same('tasks (name:label:type:labelTransform)', tasks(saved.spec), tasks(current.spec));
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
    throw new ModelError(`not a model saved by mmoe: ${MODEL_JSON} and ${ARCHITECTURE_JSON} are both needed`, { file: dir });
  const a = readModelFile<SavedArchitecture>(file);
  if (a?.format !== 'mmoe-architecture' || a.version !== 1)
    throw new ModelError(`unknown architecture format ${JSON.stringify(a?.format)} version ${JSON.stringify(a?.version)}; expected mmoe-architecture 1`, { file });
  if (!a.spec || !a.model) throw new ModelError('has no feature spec or model section: the model is damaged; republish it or roll back', { file });
  if (!ARCHITECTURES.includes(a.model.type))
    throw new ModelError(`model.type ${JSON.stringify(a.model.type)} is not an architecture this mmoe knows (${ARCHITECTURES.join(', ')}): the model is damaged or made by another mmoe; republish it or roll back`, { file });
  return { ...a, spec: upgraded(a.spec, file) }; // models saved before feature spec version 2 load as they are
}

/** A saved spec in the current version; one that is not a spec (damaged) is a ModelError naming its file. */
function upgraded(spec: unknown, file: string): FeatureSpec {
  let s: FeatureSpec;
  try {
    s = upgradeSpec(spec);
  } catch (err) {
    throw new ModelError(`${(err as Error).message}; republish the model with this mmoe`, { file });
  }
  if (!Array.isArray(s?.categorical) || !Array.isArray(s.numeric) || !Array.isArray(s.tasks))
    throw new ModelError('holds no complete feature spec (categorical, numeric and tasks): the model is damaged; republish it or roll back', { file });
  return s;
}

/** A published model's feature_spec.json in the current spec version (older versions upgraded). */
export function readFeatureSpec(dir: string): FeatureSpec {
  const file = join(dir, FEATURE_SPEC_JSON);
  return upgraded(readModelFile<unknown>(file), file);
}

/**
 * Checks that feature_spec.json (what serving builds inputs from) says exactly what
 * architecture.json (what the weights were built with) says: a disagreement would score other
 * inputs than the model was trained on, unnoticed.
 */
export function checkFeatureSpec(dir: string, spec: FeatureSpec): void {
  const file = join(dir, FEATURE_SPEC_JSON);
  const diff = jsonDifferences(readFeatureSpec(dir), spec);
  if (diff.length)
    throw new ModelError(`disagrees with ${ARCHITECTURE_JSON}, which the weights were built with (${diff.join('; ')}): serving would build other inputs; republish the model or roll back`, { file });
}

/**
 * Checks that model.json's modelTopology (the network serving runs: tf.loadLayersModel reads it)
 * is the one architecture.json builds (what eval scores and a warm start trains). A model.json
 * copied from another model whose weights have the same shapes (other activations, say) loads
 * without complaint, so serving would run another network than the one evaluated.
 */
export function checkTopology(dir: string, saved: { spec: FeatureSpec; model: ModelSection }, json: ModelJson = readModelJson(dir)): void {
  const file = join(dir, MODEL_JSON);
  const saidLayers = (json.modelTopology as { config?: { layers?: unknown } } | null)?.config?.layers;
  if (!Array.isArray(saidLayers)) throw new ModelError('has no modelTopology with config.layers: not a tfjs layers model; republish the model or roll back', { file });
  const expected = expectedTopology(saved.spec, saved.model) as { config: { layers: { config: { name: string } }[] } };
  // `config.layers[28].config.activation` reads better as `layer "tower_ctr_1": config.activation`.
  const layer = (i: string) => `layer ${JSON.stringify(expected.config.layers[Number(i)]?.config.name ?? `#${i}`)}: config`;
  const diff = jsonDifferences(comparableTopology(json.modelTopology), expected).map((d) => d.replace(/^config\.layers\[(\d+)\]\.config/, (_, i: string) => layer(i)));
  if (diff.length)
    throw new ModelError(
      `modelTopology disagrees with ${ARCHITECTURE_JSON}, which eval and warm starts build the network from (${diff.join('; ')}): serving would run another network; republish the model or roll back`,
      { file },
    );
}

/**
 * Checks every file of the model in `dir` as opening it would (JSON, topology, shard lengths,
 * finite weights, feature_spec.json) without building it; throws the ModelError naming the first
 * damage.
 */
export function checkModelDir(dir: string): void {
  const saved = readArchitecture(dir);
  checkFeatureSpec(dir, saved.spec);
  const json = readModelJson(dir);
  checkTopology(dir, saved, json);
  readWeightShards(dir, json);
}

/**
 * A trainable model for the current config, with the weights saved in `dir` (warm start).
 * Throws a ConfigError naming every difference when the saved model does not fit the config.
 */
export async function loadModel(
  dir: string,
  spec: FeatureSpec,
  model: ModelSection,
  training: TrainingSection,
  seed = training.seed,
  options: ModelOptions & { checkFinite?: boolean } = {},
): Promise<MultiTaskModel> {
  const saved = readArchitecture(dir);
  const problems = incompatibilities(saved, { spec, model });
  if (problems.length)
    throw new ConfigError(`the model in ${dir} does not fit this config: ${problems.join('; ')}. Start fresh (--warm-start none) or use the config it was trained with`);
  const weights = decodeFloat32Weights(await nodeFileSystem(dir, { checkFinite: options.checkFinite }).load!(), join(dir, MODEL_JSON));
  const m = buildModel(spec, model, training, seed, options);
  // Weights are stored under the saved model's graph names (the same as now for a compatible model).
  for (const t of m.layout.tables) m.tables.write(t.name, take(weights, `emb_${saved.spec.graphNames.tables[t.name] ?? t.graphName}/embeddings`, dir, [t.rows, t.dim]).values);
  m.setState({
    dense: m.net.train.weights.map((v) => take(weights, v.originalName, dir, v.shape as number[]).values),
    tables: new Map(),
    logVariances: spec.tasks.map((t) => saved.logVariances[t.name] ?? 0),
  });
  return m;
}

function take(weights: ReturnType<typeof decodeFloat32Weights>, name: string, dir: string, shape: number[]) {
  const w = weights.get(name);
  if (!w) throw new ModelError(`weight '${name}' is missing from the saved model`, { file: join(dir, MODEL_JSON) });
  if (JSON.stringify(w.shape) !== JSON.stringify(shape))
    throw new ModelError(`weight '${name}' has shape [${w.shape.join(', ')}], but ${ARCHITECTURE_JSON} builds [${shape.join(', ')}]: the files belong to different models; republish the model or roll back`, {
      file: join(dir, MODEL_JSON),
    });
  return w;
}
