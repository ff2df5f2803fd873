// The request schema of an exported model (signature.json, `mmoe export --print-signature`):
// every input with its dtype, shape and how to compute it from a raw CSV value, every output with
// its meaning. Derived from the feature spec and the model, never written by hand; model.onnx and
// model.keras are built from the same lists, so the three cannot disagree.
import type { Task } from '../config/schema.js';
import type { FeatureSpec, NumericSpec } from '../data/feature-spec.js';
import { ConfigError } from '../errors.js';
import type { MultiTaskModel } from '../model/multi-task-model.js';
import { csvColumn, gateOutputName, inputName } from './names.js';

export const HASH_FUNCTION = 'farmhash Fingerprint64 of the UTF-8 bytes, unsigned, modulo buckets (TensorFlow tf.strings.to_hash_bucket_fast)';

/** How a bucketized number's id is computed: in float64, as training compares the double it parsed. */
export const BUCKETIZE_FUNCTION = 'count of boundaries <= x, x the cell parsed as a float64 (a float32 would merge boundaries closer than its step); TensorFlow bucketized_column';

/** What the exported graphs do with an id outside 0..buckets (docs/serving.md). */
export const OUT_OF_RANGE = "the request fails (onnxruntime: Gather 'indices element out of data bounds'; TensorFlow on CPU: GatherV2 'is not in [0, buckets + 1)'); ids are never wrapped or clipped";

export interface CategoricalInput {
  name: string;
  feature: string;
  /** The CSV column holding the raw value. */
  column: string;
  kind: 'categorical';
  dtype: 'int64';
  shape: ['batch'];
  /**
   * How a raw value becomes the bucket id this input takes (outside the graph): hashed, or for a
   * bucketized number (config `boundaries`) the count of boundaries <= x; exactly one is set.
   */
  hash: { function: string; buckets: number; emptyValueBucket: number } | null;
  bucketize: { function: string; boundaries: number[]; buckets: number; emptyValueBucket: number } | null;
  /**
   * The ids the graph takes: 0..buckets. Any other id, a negative one (a signed remainder) among
   * them, fails the request instead of reading another row of the table.
   */
  validIds: { min: 0; max: number; otherwise: string };
  /** Embedding table (fields naming the same table share it). */
  table: string;
}

export interface NumericInput {
  name: string;
  feature: string;
  /** The CSV column holding the raw value. */
  column: string;
  kind: 'numeric';
  /** float64: the raw value keeps the precision training parsed it with (epoch seconds need it). */
  dtype: 'float64';
  shape: ['batch'];
  /** The raw value goes in; the graph applies this transform with these statistics in float64, then casts to float32. */
  transform: NumericSpec['transform'];
  inGraph: string;
  statistics: { mean?: number; std?: number; min?: number; max?: number };
  /** What to send for an empty CSV cell; null: training rejected such rows, so there is no right value. */
  emptyValue: number | null;
}

export type ServingInput = CategoricalInput | NumericInput;

export interface ServingOutput {
  name: string;
  kind: 'task' | 'auxiliary' | 'gate';
  dtype: 'float32';
  shape: ['batch'] | ['batch', number];
  meaning: string;
  /** Task outputs: the task's type and label column. */
  task?: { name: string; type: Task['type']; label: string; labelTransform: Task['labelTransform'] };
  /** Where the value comes from in the scoring graph: `score` output index, or distinct gate index. */
  source: { from: 'score' | 'gate'; index: number };
}

export interface Signature {
  format: 'mmoe-signature';
  version: 1;
  modelType: string;
  inputs: ServingInput[];
  outputs: ServingOutput[];
}

function inGraph(n: NumericSpec): string {
  switch (n.transform) {
    case 'none':
      return 'x';
    case 'log1p':
      return 'sign(x) * log1p(|x|)';
    case 'standardize':
      return `(x - ${n.mean}) / ${n.std || 1}`;
    case 'minmax':
      return n.max! > n.min! ? `(x - ${n.min}) / ${n.max! - n.min!}` : '0 (min == max)';
  }
}

export function servingInputs(spec: FeatureSpec): ServingInput[] {
  const cats = spec.categorical.map(
    (c): CategoricalInput => ({
      name: inputName(spec, c.name),
      feature: c.name,
      column: csvColumn(c),
      kind: 'categorical',
      dtype: 'int64',
      shape: ['batch'],
      hash: c.boundaries ? null : { function: HASH_FUNCTION, buckets: c.buckets, emptyValueBucket: c.buckets },
      bucketize: c.boundaries ? { function: BUCKETIZE_FUNCTION, boundaries: [...c.boundaries], buckets: c.buckets, emptyValueBucket: c.buckets } : null,
      validIds: { min: 0, max: c.buckets, otherwise: OUT_OF_RANGE },
      table: c.table,
    }),
  );
  const nums = spec.numeric.map(
    (n): NumericInput => ({
      name: inputName(spec, n.name),
      feature: n.name,
      column: csvColumn(n),
      kind: 'numeric',
      dtype: 'float64',
      shape: ['batch'],
      transform: n.transform,
      inGraph: inGraph(n),
      statistics: n.transform === 'standardize' ? { mean: n.mean, std: n.std } : n.transform === 'minmax' ? { min: n.min, max: n.max } : {},
      emptyValue: n.fillEmpty ?? null,
    }),
  );
  return [...cats, ...nums];
}

function taskMeaning(t: Task, m: MultiTaskModel): string {
  if (t.type === 'regression')
    return `predicted ${t.label} on its original scale${t.labelTransform === 'log1p' ? ' (the network predicts log1p of it; the graph applies expm1)' : ''}`;
  const esmm = m.model.type === 'esmm' ? m.model.esmm : undefined;
  if (esmm?.ctcvrTask === t.name) return `probability that ${t.label} is 1 over all impressions (pCTCVR = pCTR x pCVR, ESMM)`;
  return `probability that ${t.label} is 1`;
}

/** The outputs: one per task (and ESMM's `cvr`), then, with `gates`, one per gate softmax. */
export function servingOutputs(m: MultiTaskModel, options: { gates: boolean }): ServingOutput[] {
  const tasks = new Map(m.spec.tasks.map((t) => [t.name, t]));
  const scores = m.net.outputNames.map((name, index): ServingOutput => {
    const t = tasks.get(name);
    const common = { name, dtype: 'float32' as const, shape: ['batch'] as ['batch'], source: { from: 'score' as const, index } };
    if (!t) return { ...common, kind: 'auxiliary', meaning: name === 'cvr' ? 'pCVR: probability of conversion given a click (ESMM)' : `auxiliary output ${name}` };
    return { ...common, kind: 'task', meaning: taskMeaning(t, m), task: { name: t.name, type: t.type, label: t.label, labelTransform: t.labelTransform } };
  });
  if (!options.gates || !m.net.gates) return scores;
  const gates = m.net.gateKeys.map((key, k): ServingOutput => {
    const index = m.net.gateIndex[k];
    const experts = m.net.gates!.outputs[index].shape[1] as number;
    return {
      name: gateOutputName(key),
      kind: 'gate',
      dtype: 'float32',
      shape: ['batch', experts],
      meaning: `softmax weights of gate ${key} over its ${experts} experts (rows sum to 1)`,
      source: { from: 'gate', index },
    };
  });
  return [...scores, ...gates];
}

export function signatureOf(m: MultiTaskModel, options: { gates: boolean }): Signature {
  return { format: 'mmoe-signature', version: 1, modelType: m.model.type, inputs: servingInputs(m.spec), outputs: servingOutputs(m, options) };
}

/** Throws a ConfigError when two inputs or outputs would share a name (a graph cannot have that). */
export function checkNames(s: Signature): void {
  const seen = new Set<string>();
  for (const name of [...s.inputs, ...s.outputs].map((x) => x.name)) {
    if (seen.has(name)) throw new ConfigError(`export: '${name}' would name two inputs or outputs of the exported model; rename the feature or task`);
    seen.add(name);
  }
}

/** signature.json's text: the schema without the graph-internal `source` of each output. */
export function signatureJson(s: Signature): string {
  return `${JSON.stringify({ ...s, outputs: s.outputs.map(({ source: _internal, ...o }) => o) }, null, 2)}\n`;
}
