// What must hold before a model may serve: it loads, and it takes the inputs and gives the outputs
// the current config declares (what the serving side builds its requests from).
import type { Config } from '../config/schema.js';
import { type FeatureSpec, featureSpecFromConfig } from '../data/feature-spec.js';
import { MmoeError, UsageError } from '../errors.js';
import { openModel } from '../scoring/model-dir.js';

/** Differences between two specs in what serving depends on: input columns, buckets, transforms, tasks. */
export function servingDifferences(saved: FeatureSpec, wanted: FeatureSpec): string[] {
  const out: string[] = [];
  const same = (what: string, a: string[], b: string[]) => {
    if (JSON.stringify(a) !== JSON.stringify(b)) out.push(`${what}: the model has [${a.join(', ')}], the config [${b.join(', ')}]`);
  };
  same('categorical inputs (name:buckets)', saved.categorical.map((c) => `${c.name}:${c.buckets}`), wanted.categorical.map((c) => `${c.name}:${c.buckets}`));
  same('numeric inputs (name:transform)', saved.numeric.map((n) => `${n.name}:${n.transform}`), wanted.numeric.map((n) => `${n.name}:${n.transform}`));
  same('tasks (name:type:label)', saved.tasks.map((t) => `${t.name}:${t.type}:${t.label}`), wanted.tasks.map((t) => `${t.name}:${t.type}:${t.label}`));
  return out;
}

/**
 * Loads the model in `dir` (then lets it go) and compares its feature spec with the config's;
 * throws a UsageError saying why it may not serve.
 */
export async function checkServable(dir: string, config: Config, configFile: string, what: string): Promise<void> {
  let spec: FeatureSpec;
  try {
    const opened = await openModel(dir, what, { threads: 0, foldBudgetMib: 0 });
    spec = opened.spec;
    await opened.close();
  } catch (err) {
    const why = err instanceof MmoeError ? err.message : `${(err as Error).message ?? String(err)}`;
    throw new UsageError(`${what}: ${dir} does not load, so it cannot serve: ${why}`);
  }
  const diffs = servingDifferences(spec, featureSpecFromConfig(config));
  if (diffs.length)
    throw new UsageError(`${what}: ${dir} does not match the feature spec of ${configFile}: ${diffs.join('; ')}. Pass the config it was trained with (--config), or train a new model`);
}
