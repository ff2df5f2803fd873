// One read of the training days into memory: encoded train and validation tables (the
// deterministic hold-out), the completed feature spec, and the accounting for metadata.json.
import type { DataAccount } from './account.js';
import { EncodedTable } from './encoded-table.js';
import { encodeRows, newAccounting, type ReadOptions } from './encode-rows.js';
import { type FeatureSpec, missingNumericStats, transformNumeric } from './feature-spec.js';
import { fileHoldoutKey, holdoutDraw } from './holdout.js';
import { completeSpec, NumericAccumulator, rawSpecForStats } from './numeric-stats.js';
import type { DataSource } from './partitions.js';

export interface LoadOptions extends ReadOptions {
  /** Share of rows held out for validation by the hash rule (0 keeps every row in train). */
  validRatio?: number;
  /** Seed of the hold-out hash. */
  seed?: number;
}

export interface LoadedData {
  train: EncodedTable;
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
  let fileIndex = -1;
  let fileKey = 0;
  for await (const block of encodeRows(readSpec, source, { ...opts, account })) {
    if (block.fileIndex !== fileIndex) {
      fileIndex = block.fileIndex;
      fileKey = fileHoldoutKey(block.file.path, seed);
    }
    for (let r = 0; r < block.size; r++) {
      const held = validRatio > 0 && holdoutDraw(fileKey, block.lines[r]!) < validRatio;
      (held ? valid : train).appendRow(block, r);
    }
  }
  train.compact();
  valid.compact();
  const done = needStats ? resolveInPlace(spec, [train, valid]) : spec;
  account.validRows = valid.size;
  return { train, valid, spec: done, account: account.toJSON() };
}

/** Computes the missing statistics over every loaded row, then transforms the raw columns in place. */
function resolveInPlace(spec: FeatureSpec, tables: EncodedTable[]): FeatureSpec {
  const nNum = spec.numeric.length;
  const accs = spec.numeric.map(() => new NumericAccumulator());
  for (const t of tables) for (let r = 0; r < t.size; r++) for (let i = 0; i < nNum; i++) accs[i]!.add(t.num[r * nNum + i]!);
  const done = completeSpec(spec, accs);
  const missing = new Set(missingNumericStats(spec).map((n) => n.name));
  done.numeric.forEach((n, i) => {
    if (!missing.has(n.name)) return;
    for (const t of tables) for (let r = 0; r < t.size; r++) t.num[r * nNum + i] = transformNumeric(n, t.num[r * nNum + i]!);
  });
  return done;
}
