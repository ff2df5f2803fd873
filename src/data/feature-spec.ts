// The feature spec: everything a serving system needs to turn a CSV row into model inputs
// exactly as training did. Derived from the config, completed with numeric statistics, and
// saved next to every published model (feature_spec.json). Version 2 added `column`,
// `boundaries` and `graphNames`; a version 1 spec (older models) is read through upgradeSpec.
import type { Config, NumericFeature, Task } from '../config/schema.js';
import { graphNames, RESERVED_GRAPH_NAMES } from './graph-names.js';

export const FEATURE_SPEC_VERSION = 2;

export interface CategoricalSpec {
  /** The feature's name (any text): messages, reports, and the key of graphNames.features. */
  name: string;
  /** The CSV column it reads (the name unless the config maps it). */
  column: string;
  /**
   * Buckets of the value: hashed (fingerprint64 % buckets), or with `boundaries` the bucket of a
   * number (boundaries.length + 1 buckets). The empty value takes the extra bucket `buckets`.
   */
  buckets: number;
  /** Bucketized numeric (TensorFlow's bucketized_column): bucket i holds boundaries[i-1] <= x < boundaries[i]. */
  boundaries?: number[];
  embeddingDim: number;
  /** Embedding table; fields naming the same table share it. Defaults to the field name. */
  table: string;
}

export interface NumericSpec {
  name: string;
  /** The CSV column it reads (the name unless the config maps it). */
  column: string;
  transform: NumericFeature['transform'];
  /** Resolved statistics: mean/std for standardize, min/max for minmax. */
  mean?: number;
  std?: number;
  min?: number;
  max?: number;
  fillEmpty?: number;
}

/**
 * Graph-safe identifiers (graph-names.ts) of the names the exported graph carries, decided once
 * when the spec is made: feature name -> model input name (categorical fields; numeric features
 * share the input `numeric` but get names too, for exports with one input per numeric), table ->
 * `emb_<id>` layer, cross -> `cross_<id>` layer. Task names are identifiers already.
 */
export interface GraphNames {
  features: Record<string, string>;
  tables: Record<string, string>;
  crosses: Record<string, string>;
}

export interface FeatureSpec {
  version: typeof FEATURE_SPEC_VERSION;
  /** How categorical values become bucket ids (documented for serving teams). */
  hash: {
    function: 'farmhash.fingerprint64 % buckets (TensorFlow to_hash_bucket_fast)';
    emptyValue: 'bucket == buckets (tables have buckets + 1 rows)';
  };
  categorical: CategoricalSpec[];
  numeric: NumericSpec[];
  crosses: { name: string; fields: [string, string] }[];
  tasks: Task[];
  rowWeight?: string;
  graphNames: GraphNames;
  /** Negatives of `task` were kept at `rate` in training; the model's output for it is corrected. */
  negativeSampling?: { task: string; rate: number };
}

const HASH = {
  function: 'farmhash.fingerprint64 % buckets (TensorFlow to_hash_bucket_fast)',
  emptyValue: 'bucket == buckets (tables have buckets + 1 rows)',
} as const;

/**
 * The one place graph names are derived: features first (config order), then tables, then
 * crosses, in one namespace with every layer name they give the graph, since the exported graph
 * refuses a name twice: a categorical input `g` also names its `g_embedding` layer, a table the
 * layer `emb_<id>`, a cross `cross_<id>` (a feature named `emb_b` moves table `b` to `emb_b_2`).
 */
export function assignGraphNames(spec: Pick<FeatureSpec, 'categorical' | 'numeric' | 'crosses' | 'tasks'>): GraphNames {
  const taken = new Set<string>([...RESERVED_GRAPH_NAMES, ...spec.tasks.map((t) => t.name)]);
  const features = {
    ...graphNames(spec.categorical.map((f) => f.name), taken, (id) => [id, `${id}_embedding`]),
    ...graphNames(spec.numeric.map((f) => f.name), taken),
  };
  const tables = graphNames([...new Set(spec.categorical.map((c) => c.table))], taken, (id) => [`emb_${id}`]);
  const crosses = graphNames(spec.crosses.map((x) => x.name), taken, (id) => [`cross_${id}`]);
  return { features, tables, crosses };
}

export function featureSpecFromConfig(cfg: Config): FeatureSpec {
  const spec = {
    categorical: cfg.features.categorical.map(
      (c): CategoricalSpec => ({
        name: c.name,
        column: c.column ?? c.name,
        buckets: c.boundaries ? c.boundaries.length + 1 : c.buckets!,
        ...(c.boundaries ? { boundaries: [...c.boundaries] } : {}),
        embeddingDim: c.embeddingDim,
        table: c.table ?? c.name,
      }),
    ),
    numeric: cfg.features.numeric.map(({ column, ...n }): NumericSpec => ({ ...n, column: column ?? n.name })),
    crosses: cfg.features.crosses.map((x) => ({ name: x.name, fields: [...x.fields] as [string, string] })),
    tasks: cfg.tasks.map((t) => ({ ...t })),
  };
  return {
    version: FEATURE_SPEC_VERSION,
    hash: HASH,
    ...spec,
    ...(cfg.rowWeight ? { rowWeight: cfg.rowWeight } : {}),
    ...(cfg.training.negativeSampling ? { negativeSampling: { task: cfg.training.negativeSampling.task, rate: cfg.training.negativeSampling.rate } } : {}),
    graphNames: assignGraphNames(spec),
  };
}

/**
 * A saved spec in the current version. Version 1 (before column mapping) had identifier names
 * only: each feature read the column of its name, and graph names were the names themselves.
 */
export function upgradeSpec(saved: unknown): FeatureSpec {
  const s = saved as { version: number } & Omit<FeatureSpec, 'version' | 'graphNames' | 'categorical' | 'numeric'> & {
    categorical: Omit<CategoricalSpec, 'column'>[];
    numeric: Omit<NumericSpec, 'column'>[];
  };
  if (s.version === FEATURE_SPEC_VERSION) return s as unknown as FeatureSpec;
  if (s.version !== 1) throw new RangeError(`unknown feature spec version ${JSON.stringify(s.version)}; this mmoe reads versions 1 and ${FEATURE_SPEC_VERSION}`);
  const same = (names: string[]) => Object.fromEntries(names.map((n) => [n, n]));
  return {
    ...s,
    version: FEATURE_SPEC_VERSION,
    categorical: s.categorical.map(({ name, ...c }) => ({ name, column: name, ...c })),
    numeric: s.numeric.map(({ name, ...n }) => ({ name, column: name, ...n })),
    graphNames: {
      features: same([...s.categorical, ...s.numeric].map((f) => f.name)),
      tables: same(s.categorical.map((c) => c.table)),
      crosses: same(s.crosses.map((x) => x.name)),
    },
  };
}

/** Numerics whose transform needs statistics the config did not give. */
export function missingNumericStats(spec: FeatureSpec): NumericSpec[] {
  return spec.numeric.filter(
    (n) =>
      (n.transform === 'standardize' && (n.mean === undefined || n.std === undefined)) ||
      (n.transform === 'minmax' && (n.min === undefined || n.max === undefined)),
  );
}

/** The model-input value of one numeric (statistics must be resolved). */
export function transformNumeric(n: NumericSpec, x: number): number {
  switch (n.transform) {
    case 'none':
      return x;
    case 'log1p':
      // Heavy-tailed counts are non-negative; a negative value keeps its sign.
      return x >= 0 ? Math.log1p(x) : -Math.log1p(-x);
    case 'standardize':
      return (x - n.mean!) / (n.std! || 1);
    case 'minmax': {
      const range = n.max! - n.min!;
      return range > 0 ? (x - n.min!) / range : 0;
    }
  }
}

/**
 * Training target of a label: log1p for regression labels configured so. A negative label has no
 * log1p target (the encoder counts it as a bad row): NaN, rather than a clamp that would train
 * on a value the metrics then compare against the unclamped label.
 */
export function transformLabel(t: Task, y: number): number {
  if (t.labelTransform !== 'log1p') return y;
  return y >= 0 ? Math.log1p(y) : Number.NaN;
}

/** Back to the original scale (for regression scores and metrics). */
export function inverseLabel(t: Task, y: number): number {
  return t.labelTransform === 'log1p' ? Math.expm1(y) : y;
}
