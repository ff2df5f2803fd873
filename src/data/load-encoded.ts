// One read of the training days into memory: encoded train and validation tables (the
// deterministic hold-out), the completed feature spec, and the accounting for metadata.json.
import { join } from 'node:path';
import { formatLocation } from '../errors.js';
import type { DataAccount } from './account.js';
import { EncodedTable } from './encoded-table.js';
import { encodeRows, newAccounting, type ReadOptions, type RowBlock } from './encode-rows.js';
import { type MemoryBudget, MemoryBudgetError, overBudget } from './memory-budget.js';
import { type FeatureSpec, missingNumericStats, transformNumeric } from './feature-spec.js';
import { Holdout } from './holdout.js';
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
   * the validation rows are. For training that re-reads the days every epoch. `auto`: kept
   * until they would outgrow `memoryBudget`, then dropped and only counted from there on (the
   * caller streams them; `kept` in the result says which happened).
   */
  keepTrain?: boolean | 'auto';
  /**
   * What the kept rows may hold, growth included; past it the read stops with MemoryBudgetError
   * (or, with keepTrain `auto`, stops keeping training rows).
   */
  memoryBudget?: MemoryBudget;
  /** Said in the message when the budget stops the read (e.g. what to change in the config). */
  overBudgetAdvice?: { train: string; valid: string };
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
  /** Whether the training rows are in `train` (false: not kept, or dropped when over budget). */
  kept: boolean;
  /** Why keepTrain `auto` stopped keeping them, if it did. */
  dropped?: string;
  /** Bytes the tables hold. */
  heldBytes: number;
}

/** Reads every row of the source once; numeric statistics the spec lacks are computed on the way. */
export async function loadEncoded(spec: FeatureSpec, source: DataSource, opts: LoadOptions = {}): Promise<LoadedData> {
  const account = opts.account ?? newAccounting(source, opts.logger);
  const needStats = missingNumericStats(spec).length > 0;
  const readSpec = needStats ? rawSpecForStats(spec) : spec;
  let train = EncodedTable.forSpec(spec, 1024, { shared: true }); // training threads read its rows where they are, once compacted
  const valid = EncodedTable.forSpec(spec);
  // While statistics are missing, the raw values of those numerics wait here in float64.
  const pending = needStats ? missingIndexes(spec) : [];
  let rawTrain = new RawColumns(pending.length);
  const rawValid = new RawColumns(pending.length);
  let keepTrain = opts.keepTrain ?? true;
  let dropped: string | undefined;
  const budget = opts.memoryBudget;
  const held = () => train.heldBytes + valid.heldBytes + rawTrain.heldBytes + rawValid.heldBytes;
  // Without kept training rows their raw values go straight into the statistics, in the order
  // the kept path adds them (training rows in file order, then the validation rows).
  const accs = spec.numeric.map(() => new NumericAccumulator());
  /**
   * Whether row r may be kept without the tables outgrowing the budget (a full table doubles:
   * the new arrays come on top of what is held until the copy). With keepTrain `auto` the
   * training rows are dropped when they would not fit (false: this training row is not kept);
   * a validation row, or any row without `auto`, that does not fit is a MemoryBudgetError.
   */
  const roomFor = (isValid: boolean, block: RowBlock, r: number): boolean => {
    const over = (): string | null => {
      const [table, raw] = isValid ? [valid, rawValid] : [train, rawTrain];
      const growth = (table.full ? 2 * table.heldBytes : 0) + (needStats && raw.full ? 2 * raw.heldBytes : 0);
      return overBudget(held(), growth, train.size + valid.size, budget!);
    };
    const where = { file: join(source.dataDir, block.file.path), line: block.lines[r]! };
    let why = over();
    if (why !== null && keepTrain === 'auto') {
      // From here on training rows are only counted (the caller streams them); the statistics
      // of those kept so far go in first, the order of the kept path.
      for (let k = 0; k < rawTrain.size; k++) for (let j = 0; j < pending.length; j++) accs[pending[j]!]!.add(rawTrain.values[k * pending.length + j]!);
      dropped = `the training rows outgrew the memory budget at ${formatLocation(where)} (${why})`;
      opts.logger?.warn({ budgetMb: Math.round(budget!.bytes / 2 ** 20) }, `${dropped}: streaming them every epoch instead`);
      keepTrain = false;
      train = EncodedTable.forSpec(spec, 1);
      rawTrain = new RawColumns(pending.length, 1);
      if (!isValid) return false;
      why = over();
    }
    if (why === null) return true;
    const advice = (isValid ? opts.overBudgetAdvice?.valid : opts.overBudgetAdvice?.train) ?? 'raise --memory-budget';
    throw new MemoryBudgetError(`the ${isValid ? 'validation' : 'training'} rows do not fit in memory: ${why}; ${advice}`, where);
  };
  let trainRows = 0;
  const holdout = new Holdout(opts.validRatio ?? 0, opts.seed ?? 0);
  for await (const block of encodeRows(readSpec, source, { ...opts, account, rawNumerics: needStats })) {
    for (let r = 0; r < block.size; r++) {
      const isValid = holdout.holds(block, r);
      if (!isValid) trainRows++;
      const keep = isValid || keepTrain !== false;
      // Only when a table is about to grow (log n times) is the budget looked at.
      if (keep && budget && ((isValid ? valid : train).full || (needStats && (isValid ? rawValid : rawTrain).full)) && !roomFor(isValid, block, r)) {
        if (needStats) for (const i of pending) accs[i]!.add(block.raw![r * spec.numeric.length + i]!);
        continue; // a training row after the training rows were dropped: counted only
      }
      if (keep) (isValid ? valid : train).appendRow(block, r);
      if (!needStats) continue;
      if (keep) (isValid ? rawValid : rawTrain).append(block.raw!, r * spec.numeric.length, pending);
      else for (const i of pending) accs[i]!.add(block.raw![r * spec.numeric.length + i]!);
    }
  }
  // Compacting copies a table: only while that fits too (otherwise the spare capacity stays).
  for (const t of [train, valid]) if (!budget || held() + t.size * t.rowBytes <= budget.bytes) t.compact();
  // Validation rows measure the model on the whole population: a kept negative stands for 1/rate.
  if (opts.negativeSampling) weighSampled(valid, opts.negativeSampling);
  const done = needStats ? resolveInPlace(spec, pending, [train, valid], [rawTrain, rawValid], accs) : spec;
  account.validRows = valid.size;
  return { train, trainRows, valid, spec: done, account: account.toJSON(), kept: keepTrain !== false, dropped, heldBytes: train.heldBytes + valid.heldBytes };
}

function missingIndexes(spec: FeatureSpec): number[] {
  const missing = new Set(missingNumericStats(spec).map((n) => n.name));
  return spec.numeric.flatMap((n, i) => (missing.has(n.name) ? [i] : []));
}

/** A growable row-major float64 store of some numeric columns (the ones awaiting statistics). */
class RawColumns {
  size = 0;
  values: Float64Array;

  constructor(
    readonly width: number,
    capacity = 1024,
  ) {
    this.values = new Float64Array(capacity * width);
  }

  get heldBytes(): number {
    return this.values.byteLength;
  }

  /** Whether the next append reallocates (a width of 0 never does). */
  get full(): boolean {
    return this.width > 0 && (this.size + 1) * this.width > this.values.length;
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
