// Models and data for the eval and predict tests: generated CTR days, a tiny model trained through
// the CLI (about two seconds), untrained models saved from a spec, and a synthetic EvalOutcome for
// renderer tests that need no model at all.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfig } from '../../src/config/load.js';
import { trainingSection } from '../../src/config/schema.js';
import { main } from '../../src/cli/main.js';
import { DataAccounting } from '../../src/data/account.js';
import { type FeatureSpec, featureSpecFromConfig } from '../../src/data/feature-spec.js';
import { generateCtr } from '../../src/data/generate-ctr.js';
import type { EvalOutcome } from '../../src/eval/eval-job.js';
import type { ModelInfo } from '../../src/scoring/model-dir.js';
import type { TrainingFacts } from '../../src/model/model-facts.js';
import { binaryReport } from '../../src/metrics/binary-report.js';
import { gateStats } from '../../src/metrics/gate.js';
import { regressionMetrics } from '../../src/metrics/regression.js';
import { buildModel, saveModel } from '../../src/model/index.js';
import { fakeEnv } from '../cli/fake-env.js';

export const TINY_CONFIG = {
  features: {
    categorical: ['adid', 'site_id', 'app_id', 'device_type'].map((name) => ({ name, buckets: 500, embeddingDim: 4 })),
    numeric: [{ name: 'hour', transform: 'minmax', min: 0, max: 23 }],
    crosses: [],
  },
  tasks: [
    { name: 'ctr', label: 'click', type: 'binary' },
    { name: 'ctcvr', label: 'conversion', type: 'binary' },
  ],
  model: { type: 'mmoe', experts: { count: 3, units: [16] }, towers: { units: [8] } },
  training: { epochs: 2, batchSize: 256, optimizer: { learningRate: 0.01 }, validation: { validRatio: 0.1 } },
};

/** Two generated days (20260101, 20260102) of `rows` rows each. */
export async function ctrDays(dataDir: string, rows = 3000): Promise<void> {
  await generateCtr({ out: dataDir, startDate: '20260101', days: 2, rowsPerDay: rows, seed: 11 });
}

/** Trains TINY_CONFIG (plus `overrides`) on both days through `mmoe train`; returns models/latest. */
export async function trainTiny(root: string, dataDir: string, overrides: Record<string, unknown> = {}): Promise<string> {
  const config = join(root, 'tiny.json');
  writeFileSync(config, JSON.stringify({ ...TINY_CONFIG, ...overrides }));
  const models = join(root, 'models');
  const env = fakeEnv();
  const argv = ['node', 'mmoe', 'train', '--train-data-dir', dataDir, '--cur-date', '20260102', '--config', config];
  const code = await main([...argv, '--model-output-dir', models, '--log-dir', join(root, 'logs'), '--quiet'], env);
  if (code !== 0) throw new Error(`training the fixture model failed (${code}): ${env.err()}`);
  return join(models, 'latest');
}

/**
 * Saves a freshly initialised (untrained) model for `config` to `dir`: scores near chance.
 * `fill` sets whole weights by name (e.g. `hours_logit/bias`) to move the outputs somewhere known.
 */
export async function saveUntrained(dir: string, config: Record<string, unknown>, seed = 7, fill: Record<string, number> = {}): Promise<FeatureSpec> {
  const cfg = parseConfig(config);
  const spec = featureSpecFromConfig(cfg);
  const m = buildModel(spec, cfg.model, trainingSection.parse({}), seed);
  const state = m.getState();
  m.net.train.weights.forEach((v, i) => {
    if (fill[v.originalName] !== undefined) state.dense[i]!.fill(fill[v.originalName]!);
  });
  m.setState(state);
  mkdirSync(dir, { recursive: true });
  await saveModel(m, dir);
  m.dispose();
  return spec;
}

/** Runs the CLI and captures the exit code and both streams. */
export async function mmoe(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const env = fakeEnv();
  const code = await main(['node', 'mmoe', ...args], env);
  return { code, out: env.out(), err: env.err() };
}

/** Mann-Whitney AUC by brute force over every positive-negative pair, ties counted half. */
export function pairwiseAuc(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  let wins = 0;
  let pairs = 0;
  for (let i = 0; i < scores.length; i++) {
    if (labels[i] !== 1) continue;
    for (let j = 0; j < scores.length; j++) {
      if (labels[j] !== 0) continue;
      pairs++;
      wins += scores[i]! > scores[j]! ? 1 : scores[i] === scores[j] ? 0.5 : 0;
    }
  }
  return wins / pairs;
}

/** Training facts as metadata.json gives them: four epochs, the third kept. */
export function syntheticTraining(names: string[]): TrainingFacts {
  return {
    dates: ['20260101', '20260102'],
    validation: 'a 10% hash hold-out of the rows',
    rows: { train: 36000, valid: 4000, skipped: 3 },
    epochs: { planned: 6, run: 4, best: 3, stoppedEarly: true },
    monitor: { task: names[0]!, metric: 'auc' },
    history: [0.91, 0.67, 0.63, 0.6].map((loss, i) => ({
      epoch: i + 1,
      trainLoss: loss,
      validLoss: [0.68, 0.655, 0.651, 0.662][i]!,
      validMetrics: Object.fromEntries(names.map((n, k) => [n, k < names.length - 1 ? [0.62, 0.66, 0.667, 0.665][i]! - 0.01 * k : 12 - i])),
    })),
    backend: 'wasm',
    seed: 2022,
    seconds: 14.1,
    mmoeVersion: 'test',
    warmStartFrom: null,
    model: { type: 'mmoe', experts: { count: 3, units: [16] }, towers: { units: [8] }, taskExperts: 0, levels: 1 },
  };
}

/** A model-free EvalOutcome with the given task names (the last one regression), for renderers. */
export function syntheticOutcome(names: string[], info: Partial<ModelInfo> = {}): EvalOutcome {
  const n = 400;
  const scores = Float32Array.from({ length: n }, (_, i) => ((i * 7919) % 101) / 101);
  const labels = Float32Array.from({ length: n }, (_, i) => (((i * 13) % 10) / 10 + scores[i]! > 1 ? 1 : 0));
  const gates = Float32Array.from({ length: n * 3 }, (_, i) => [0.6, 0.3, 0.1][i % 3]!);
  const tasks = names.map((task, k) =>
    k < names.length - 1
      ? { task, type: 'binary' as const, binary: binaryReport({ scores, labels }) }
      : { task, type: 'regression' as const, regression: { original: regressionMetrics({ predictions: scores, labels }), transformed: regressionMetrics({ predictions: scores, labels }) } },
  );
  const model: ModelInfo = {
    path: 'models/latest',
    resolvedPath: 'models/20260102',
    modelType: 'mmoe',
    curDate: '20260102',
    createdAt: null,
    tasks: names.map((name, k) => ({ name, type: k < names.length - 1 ? 'binary' : 'regression', label: `${name}_label` })),
    scoring: { backend: 'wasm', backendReason: '--backend wasm', engine: 'folded', foldedFields: ['site_id'], unfoldedFields: [], foldedMib: 1, reason: null, threads: 0 },
    training: null,
    ...info,
  };
  return {
    model,
    report: {
      rows: n,
      tasks,
      gates: Object.fromEntries(names.map((t) => [t, gateStats(gates, 3)])),
      gateWarnings: [],
      relatedness: { labels: [{ a: names[0]!, b: names[1]!, pearson: 0.5, spearman: 0.4 }], scores: [{ a: names[0]!, b: names[1]!, pearson: 0.9, spearman: 0.8 }] },
    },
    baseline: null,
    thresholds: { model: Object.fromEntries(names.slice(0, -1).map((t) => [t, { value: 0.5, rule: 'default' as const }])), baseline: null },
    data: new DataAccounting('data', ['20260101']).toJSON(),
    rows: n,
    timings: { total: 1, readEncode: 0.5, predict: 0.3, gates: 0.1, accumulate: 0, metrics: 0.1 },
  };
}
