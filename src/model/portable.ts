// The exported model: one int32 Input per categorical field, Embedding layers holding the full
// tables, crosses as Multiply, the numeric Input, Concatenate in the training block's order, then
// the same dense layers, with outputs named after the tasks. Built-in layers only, so plain tfjs
// loads it (ONNX and Keras exports: src/export).
import * as tf from '@tensorflow/tfjs';
import { type ModelSection, type TrainingSection, trainingSection } from '../config/schema.js';
import type { FeatureSpec } from '../data/feature-spec.js';
import { ConfigError } from '../errors.js';
import type { LayerCache } from './blocks.js';
import { call } from './blocks.js';
import { blockLayout, type TableLayout } from './layout.js';
import { buildModel, type MultiTaskModel } from './multi-task-model.js';

type ST = tf.SymbolicTensor;

const GENERATED_BY = 'mmoe (TensorFlow.js layers model)';

interface Topology {
  config: { layers: { class_name: string; config: { name: string; input_dim?: number } }[] };
}

/**
 * The exported graph over `layers`, with each embedding table `rowsOf(table)` rows long. Returns
 * the graph and its Embedding layers (owned by the caller, unlike the shared dense layers).
 */
function portableGraph(m: MultiTaskModel, layers: LayerCache, rowsOf: (t: TableLayout) => number) {
  const { fields, crosses, numeric } = m.layout;
  const embeddings = new Map<string, tf.layers.Layer>();
  // Input and layer names are the spec's graph names (graph-names.ts), never raw header text.
  const inputs = fields.map((f) => tf.input({ shape: [1], dtype: 'int32', name: f.input }));
  const flat = fields.map((f, i) => {
    const t = f.table;
    let emb = embeddings.get(t.name);
    if (!emb) {
      emb = tf.layers.embedding({ inputDim: rowsOf(t), outputDim: t.dim, name: `emb_${t.graphName}`, embeddingsInitializer: 'zeros' });
      embeddings.set(t.name, emb);
    }
    const e = call(emb, inputs[i]); // [batch, 1, dim]
    return call(tf.layers.flatten({ name: `${f.input}_embedding` }), e); // [batch, dim]
  });
  const parts: ST[] = [...flat, ...crosses.map((x) => call(tf.layers.multiply({ name: `cross_${x.graphName}` }), [flat[x.a], flat[x.b]]))];
  if (numeric.length) {
    const num = tf.input({ shape: [numeric.length], name: 'numeric' });
    inputs.push(num);
    parts.push(num);
  }
  const block = parts.length > 1 ? call(tf.layers.concatenate({ name: 'features' }), parts) : parts[0]; // [batch, width]
  const wired = m.net.arch.wire(block, { layers, training: false }, { spec: m.spec, model: m.model });
  const outputs = m.net.outputNames.map((n) => wired.outputs[n]);
  const model = tf.model({ inputs, outputs, name: `mmoe_${m.model.type}` });
  return { model, embeddings: [...embeddings.values()] };
}

/**
 * The exported model as tfjs ModelArtifacts. The graph is built with one-row tables and the
 * Embedding sizes patched afterwards, so a table with millions of rows is copied straight from
 * its Float32Array to the weight bytes, never into a tfjs backend.
 */
export function portableArtifacts(m: MultiTaskModel, generatedBy = GENERATED_BY): tf.io.ModelArtifacts {
  const { model, embeddings } = portableGraph(m, m.net.layers, () => 1);
  const tables = new Map(m.layout.tables.map((t) => [`emb_${t.graphName}`, t]));
  const topology = graphTopology(model, m.layout.tables);
  const weightSpecs: tf.io.WeightsManifestEntry[] = [];
  const weightData: ArrayBuffer[] = [];
  for (const v of model.weights) {
    const t = tables.get(v.originalName.split('/')[0]);
    const values = t ? m.tables.read(t.name) : (v.read().dataSync() as Float32Array);
    weightSpecs.push({ name: v.originalName, shape: t ? [t.rows, t.dim] : v.shape.map(Number), dtype: 'float32' });
    weightData.push(values.buffer.slice(values.byteOffset, values.byteOffset + values.byteLength) as ArrayBuffer);
  }
  // Weights directly: a shared table's layer is applied twice, so Layer.dispose() would keep it.
  for (const e of embeddings) for (const w of e.weights) w.dispose();
  return { modelTopology: topology as unknown as tf.io.ModelArtifacts['modelTopology'], format: 'layers-model', generatedBy, convertedBy: null, weightSpecs, weightData };
}

/** The graph's topology as model.json holds it, each Embedding as long as its table in `tables`. */
function graphTopology(model: tf.LayersModel, tables: TableLayout[]): Topology {
  const byLayer = new Map(tables.map((t) => [`emb_${t.graphName}`, t]));
  const topology = model.toJSON(null, false) as unknown as Topology;
  for (const l of topology.config.layers) {
    const t = byLayer.get(l.config.name);
    if (l.class_name === 'Embedding' && t) l.config.input_dim = t.rows;
  }
  return topology;
}

/** A model of this spec on one-row tables: the whole graph without the tables' memory. */
function oneRowModel(spec: FeatureSpec, model: ModelSection, training: TrainingSection): MultiTaskModel {
  return buildModel({ ...spec, categorical: spec.categorical.map((c) => ({ ...c, buckets: 1 })) }, model, training, training.seed, { inferenceOnly: true });
}

/**
 * The topology model.json holds for a model of `spec` and `model`, in the form two topologies are
 * compared in: its class and config without initializers (they only seed fresh weights, and
 * differ from one build to the next). Built on one-row tables: milliseconds, whatever the tables.
 */
export function expectedTopology(spec: FeatureSpec, model: ModelSection): unknown {
  const m = oneRowModel(spec, model, trainingSection.parse({}));
  try {
    const { model: graph, embeddings } = portableGraph(m, m.net.layers, () => 1);
    for (const e of embeddings) for (const w of e.weights) w.dispose();
    return comparableTopology(graphTopology(graph, blockLayout(spec).tables));
  } finally {
    m.dispose();
  }
}

/** A saved topology as expectedTopology gives it: class and config, no initializers, no version stamps. */
export function comparableTopology(topology: unknown): unknown {
  const strip = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(strip);
    if (!v || typeof v !== 'object') return v;
    return Object.fromEntries(Object.entries(v).filter(([k]) => !k.endsWith('_initializer')).map(([k, x]) => [k, strip(x)]));
  };
  const t = topology as { class_name?: unknown; config?: unknown } | null;
  return { class_name: t?.class_name, config: strip(t?.config) };
}

/** The exported model in memory: exactly what plain tfjs gets from the saved directory. */
export async function toPortableModel(m: MultiTaskModel, generatedBy = GENERATED_BY): Promise<tf.LayersModel> {
  return tf.loadLayersModel(tf.io.fromMemory(portableArtifacts(m, generatedBy)));
}

/**
 * Throws a ConfigError when the exported graph of this config cannot be built: graph names are
 * unique among the features, tables and crosses (assignGraphNames), but a feature may still be
 * named like a layer of the network itself (`income_logit`, `tower_income_1`), which tfjs refuses
 * when the model is saved. Built on one-row tables before any data is read, so a night's training
 * never ends in it.
 */
export function checkPortableGraph(spec: FeatureSpec, model: ModelSection, training: TrainingSection): void {
  const m = oneRowModel(spec, model, training);
  try {
    const { embeddings } = portableGraph(m, m.net.layers, () => 1);
    for (const e of embeddings) for (const w of e.weights) w.dispose();
  } catch (err) {
    const name = /The name "([^"]+)" is used \d+ times/.exec((err as Error).message)?.[1];
    if (name === undefined) throw err;
    throw new ConfigError(clashMessage(spec, name), { cause: err });
  } finally {
    m.dispose();
  }
}

/** Which feature took a layer name of the network, and how to rename it keeping its column. */
function clashMessage(spec: FeatureSpec, name: string): string {
  const g = spec.graphNames;
  const owner = [...spec.categorical, ...spec.numeric].find((f) => [g.features[f.name], `${g.features[f.name]}_embedding`].includes(name));
  const table = Object.keys(g.tables).find((t) => `emb_${g.tables[t]}` === name);
  const cross = Object.keys(g.crosses).find((x) => `cross_${g.crosses[x]}` === name);
  const what = owner
    ? `feature '${owner.name}': its graph name '${g.features[owner.name]}' is also the name of a layer of the model; give the feature another name and keep its column with "column": ${JSON.stringify(owner.column)}`
    : table !== undefined
      ? `table '${table}': its layer '${name}' is also the name of a layer of the model; give the table another name`
      : cross !== undefined
        ? `cross '${cross}': its layer '${name}' is also the name of a layer of the model; give the cross another name`
        : `'${name}' would name two layers of the model`;
  return `the model's graph cannot be saved: ${what}`;
}
