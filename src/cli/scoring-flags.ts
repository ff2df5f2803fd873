// Flags shared by the commands that score data with a published model (eval, predict): which
// days to read (--data-dir with --dates or --cur-date/--days), the bad-row budget, the backend and
// the memory for folded scoring.
import type { Command } from 'commander';
import { type BackendInfo, type BackendName, backendRequest, selectBackend } from '../backend.js';
import type { CliEnv } from './context.js';
import { type DataSource, sourceForDays } from '../data/partitions.js';
import { UsageError } from '../errors.js';
import { addReadPolicyOptions, inputStorage } from './data-flags.js';
import { DEFAULT_FOLD_BUDGET_MIB } from '../model/folded-scorer.js';
import { addBackendOption, parseDate, parseDateList, parseNonNegativeInt, parsePositiveInt, parseThreadCount } from './options.js';
import type { Logger } from '../logger.js';
import { resolveThreads } from '../scoring/model-dir.js';
import { beyondCores, coresFields, usableCores } from '../util/cpus.js';

export interface ScoringDataFlags {
  dataDir?: string;
  dates?: string[];
  curDate?: string;
  days?: number;
  requireSuccess: boolean;
  maxBadRows: number;
  s3Endpoint?: string;
  backend?: BackendName;
  foldBudget: number;
  threads: number | 'auto';
}

export function addScoringDataOptions(cmd: Command): Command {
  cmd
    .option('--data-dir <dir>', 'directory (or s3://bucket/prefix) of day partitions D/YYYYMMDD/ or D/dt=YYYYMMDD/ holding *.csv, *.csv.gz and *.parquet files')
    .option('--dates <YYYYMMDD,...>', 'the days to read, comma-separated', parseDateList)
    .option('--cur-date <YYYYMMDD>', 'the last day to read (with --days; instead of --dates)', parseDate)
    .option('--days <n>', 'how many days to read, ending at --cur-date (default 1)', parsePositiveInt);
  return addBackendOption(addReadPolicyOptions(cmd))
    .option(
      '--fold-budget <MiB>',
      'wasm backend: memory for folding embedding lookups into the first layers (faster scoring, same scores to float rounding); fields that do not fit keep the matrix product; 0 turns folding off',
      parseNonNegativeInt,
      DEFAULT_FOLD_BUDGET_MIB,
    )
    .option(
      '--threads <n|auto>',
      'worker threads that score while the main thread reads (at most 256): auto = usable cores - 1 (a cgroup CPU quota counts; at least 1, at most 4) on wasm for inputs of 24 MiB or more, else none; 0 scores in the main thread',
      parseThreads,
      'auto',
    );
}

function parseThreads(value: string): number | 'auto' {
  return value === 'auto' ? 'auto' : parseThreadCount(parseNonNegativeInt(value));
}

/**
 * The scoring threads of eval and predict (both models of an eval with --baseline get as many),
 * logged with why at debug (eval and predict say nothing at info in a normal run); a count set
 * above the usable cores is a warning.
 */
export function scoringThreads(threads: number | 'auto', backend: BackendInfo, inputBytes: number | undefined, logger: Logger, usable = usableCores()): number {
  const choice = resolveThreads(threads, backend.name, inputBytes, usable);
  logger.debug({ threads: { setting: threads, chosen: choice.threads, ...coresFields(usable) } }, choice.message);
  const beyond = beyondCores(threads, usable, '--threads');
  if (beyond) logger.warn({ threads: { setting: threads, ...coresFields(usable) } }, `${beyond}: scoring threads beyond the cores take turns, each holding its own copy of the model; --threads auto sizes them to the cores`);
  return choice.threads;
}

/** The days the flags name; exactly one of --dates and --cur-date, and --days only with --cur-date. */
export function scoringSource(f: ScoringDataFlags): DataSource {
  if (f.dataDir === undefined) throw new UsageError('--data-dir is required: the directory holding the day partitions.');
  if ((f.dates === undefined) === (f.curDate === undefined))
    throw new UsageError('give the days to read with either --dates YYYYMMDD[,YYYYMMDD...] or --cur-date YYYYMMDD [--days N], not both and not neither.');
  if (f.dates !== undefined) {
    if (f.days !== undefined) throw new UsageError('--days goes with --cur-date; with --dates list every day.');
    return { dataDir: f.dataDir, dates: f.dates, requireSuccess: f.requireSuccess, storage: inputStorage(f.dataDir, f.s3Endpoint) };
  }
  return sourceForDays(f.dataDir, f.curDate!, f.days ?? 1, f.requireSuccess, inputStorage(f.dataDir, f.s3Endpoint));
}

/** Starts the backend for eval and predict: `auto` picks by how rows will be scored (folded or the plain graph). */
export function selectScoringBackend(f: { backend?: BackendName; foldBudget: number }, env: CliEnv): Promise<BackendInfo> {
  return selectBackend(backendRequest(f.backend, env.backend), { job: { kind: 'score', folded: f.foldBudget > 0 }, debug: env.debug });
}
