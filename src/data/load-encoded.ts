// One read of the training days into memory: encoded train and validation tables (the
// deterministic hold-out), the completed feature spec, and the accounting for metadata.json.
import type { DataAccount } from './account.js';
import { EncodedTable } from './encoded-table.js';
import { encodeRows, newAccounting, type ReadOptions } from './encode-rows.js';
import { type FeatureSpec, missingNumericStats, transformNumeric } from './feature-spec.js';
import { fileHoldoutKey, holdoutDraw } from './holdout.js';
import { weighSampled } from './negative-sampling.js';
import { completeSpec, NumericAccumulator, rawSpecForStats } from './numeric-stats.js';
import type { DataSource } from './partitions.js';

export interface LoadOptions extends ReadOptions {
  /** Share of rows held out for validation by the hash rule (0 keeps every row in train). */
  validRatio?: number;
  /** Seed of the hold-out hash. */
  seed?: number;
  /**
   * False: training rows are only counted (and their numerics fed to the statistics), not kept;
   * the validation rows are. For training that re-reads the days every epoch.
   */
  keepTrain?: boolean;
}

export interface LoadedData {
  /** The training rows (empty with keepTrain false). */
  train: EncodedTable;
  /** How many training rows the days hold (train.size unless keepTrain is false). */
  trainRows: number;
  valid: EncodedTable;
  /** The spec with numeric statistics resolved: save this one with the model. */
  spec: FeatureSpec;
  account: DataAccount;
}

/** Reads every row of the source once; numeric statistics the spec lacks are computed on the way. */
export async function loadEncoded(spec: FeatureSpec, source: DataSource, opts: LoadOptions = {}): Promise<LoadedData> {
  const account = opts.account ?? newAccounting(source, opts.logger);
  const validRatio = opts.validRatio ?? 0;
  const seed = opts.seed ?? 0;
  const needStats = missingNumericStats(spec).length > 0;
  const readSpec = needStats ? rawSpecForStats(spec) : spec;
  const train = EncodedTable.forSpec(spec);
  const valid = EncodedTable.forSpec(spec);
  // While statistics are missing, the raw values of those numerics wait here in float64.
  const pending = needStats ? missingIndexes(spec) : [];
  const rawTrain = new RawColumns(pending.length);
  const rawValid = new RawColumns(pending.length);
  const keepTrain = opts.keepTrain ?? true;
  // Without kept training rows their raw values go straight into the statistics, in the order
  // the kept path adds them (training rows in file order, then the validation rows).
  const accs = spec.numeric.map(() => new NumericAccumulator());
  let trainRows = 0;
  let fileIndex = -1;
  let fileKey = 0;
  for await (const block of encodeRows(readSpec, source, { ...opts, account, rawNumerics: needStats })) {
    if (block.fileIndex !== fileIndex) {
      fileIndex = block.fileIndex;
      fileKey = fileHoldoutKey(block.file.path, seed);
    }
    for (let r = 0; r < block.size; r++) {
      const held = validRatio > 0 && holdoutDraw(fileKey, block.lines[r]!) < validRatio;
      if (!held) trainRows++;
      if (held || keepTrain) (held ? valid : train).appendRow(block, r);
      if (!needStats) continue;
      if (held || keepTrain) (held ? rawValid : rawTrain).append(block.raw!, r * spec.numeric.length, pending);
      else for (const i of pending) accs[i]!.add(block.raw![r * spec.numeric.length + i]!);
    }
  }
  train.compact();
  valid.compact();
  // Validation rows measure the model on the whole population: a kept negative stands for 1/rate.
  if (opts.negativeSampling) weighSampled(valid, opts.negativeSampling);
  const done = needStats ? resolveInPlace(spec, pending, [train, valid], [rawTrain, rawValid], accs) : spec;
  account.validRows = valid.size;
  return { train, trainRows, valid, spec: done, account: account.toJSON() };
}

function missingIndexes(spec: FeatureSpec): number[] {
  const missing = new Set(missingNumericStats(spec).map((n) => n.name));
  return spec.numeric.flatMap((n, i) => (missing.has(n.name) ? [i] : []));
}

/** A growable row-major float64 store of some numeric columns (the ones awaiting statistics). */
class RawColumns {
  size = 0;
  values: Float64Array;

  constructor(readonly width: number) {
    this.values = new Float64Array(1024 * width);
  }

  append(raw: Float64Array, base: number, columns: number[]): void {
    const w = this.width;
    if ((this.size + 1) * w > this.values.length) {
      const grown = new Float64Array(this.values.length * 2);
      grown.set(this.values);
      this.values = grown;
    }
    const o = this.size * w;
    for (let j = 0; j < w; j++) this.values[o + j] = raw[base + columns[j]!]!;
    this.size++;
  }
}

/**
 * Computes the missing statistics from the float64 raw values (added to `accs`, which may hold
 * values already), then writes the transformed values into the tables.
 */
function resolveInPlace(spec: FeatureSpec, pending: number[], tables: EncodedTable[], raws: RawColumns[], accs: NumericAccumulator[]): FeatureSpec {
  const nNum = spec.numeric.length;
  const w = pending.length;
  for (const raw of raws) for (let r = 0; r < raw.size; r++) for (let j = 0; j < w; j++) accs[pending[j]!]!.add(raw.values[r * w + j]!);
  const done = completeSpec(spec, accs);
  pending.forEach((i, j) => {
    const n = done.numeric[i]!;
    tables.forEach((t, k) => {
      const raw = raws[k]!.values;
      for (let r = 0; r < t.size; r++) t.num[r * nNum + i] = transformNumeric(n, raw[r * w + j]!);
    });
  });
  return done;
}
