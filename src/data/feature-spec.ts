// The feature spec: everything a serving system needs to turn a CSV row into model inputs
// exactly as training did. Derived from the config, completed with numeric statistics, and
// saved next to every published model (feature_spec.json).
import type { Config, NumericFeature, Task } from '../config/schema.js';

export interface CategoricalSpec {
  name: string;
  buckets: number;
  embeddingDim: number;
  /** Embedding table; fields naming the same table share it. Defaults to the field name. */
  table: string;
}

export interface NumericSpec {
  name: string;
  transform: NumericFeature['transform'];
  /** Resolved statistics: mean/std for standardize, min/max for minmax. */
  mean?: number;
  std?: number;
  min?: number;
  max?: number;
  fillEmpty?: number;
}

export interface FeatureSpec {
  version: 1;
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
}

export function featureSpecFromConfig(cfg: Config): FeatureSpec {
  return {
    version: 1,
    hash: {
      function: 'farmhash.fingerprint64 % buckets (TensorFlow to_hash_bucket_fast)',
      emptyValue: 'bucket == buckets (tables have buckets + 1 rows)',
    },
    categorical: cfg.features.categorical.map((c) => ({
      name: c.name,
      buckets: c.buckets,
      embeddingDim: c.embeddingDim,
      table: c.table ?? c.name,
    })),
    numeric: cfg.features.numeric.map((n) => ({ ...n })),
    crosses: cfg.features.crosses.map((x) => ({ name: x.name, fields: [...x.fields] as [string, string] })),
    tasks: cfg.tasks.map((t) => ({ ...t })),
    ...(cfg.rowWeight ? { rowWeight: cfg.rowWeight } : {}),
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
