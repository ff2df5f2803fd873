// The flags that choose input partitions, shared by every command that reads training data
// (data stats, train, eval): one spelling, one set of defaults, one parser.
import type { Command } from 'commander';
import { DEFAULT_MAX_BAD_ROWS } from '../data/bad-rows.js';
import { type DataSource, sourceForDays } from '../data/partitions.js';
import { parseDay, parsePositiveInt, parseRatio } from './options.js';

export interface DataFlags {
  trainDataDir: string;
  curDate: string;
  days: number;
  requireSuccess: boolean;
  maxBadRows: number;
}

/** Adds --train-data-dir, --cur-date, --days, --require-success and --max-bad-rows. */
export function addDataOptions(cmd: Command): Command {
  cmd
    .requiredOption('--train-data-dir <dir>', 'directory of day partitions D/YYYYMMDD/ or D/dt=YYYYMMDD/ holding *.csv and *.csv.gz files')
    .requiredOption('--cur-date <YYYYMMDD>', "the last day to read; 'yesterday' or 'today' in the local time zone (TZ) for cron", (v) => parseDay(v))
    .option('--days <n>', 'how many days to read, ending at --cur-date', parsePositiveInt, 2);
  return addReadPolicyOptions(cmd);
}

/** Adds --require-success and --max-bad-rows: the read policy every command that reads days shares. */
export function addReadPolicyOptions(cmd: Command): Command {
  return cmd
    .option('--require-success', 'fail on a partition without a _SUCCESS marker', false)
    .option('--max-bad-rows <ratio>', 'share of bad rows skipped before the read fails (exit 3)', parseRatio, DEFAULT_MAX_BAD_ROWS);
}

export function dataSourceFromFlags(f: DataFlags): DataSource {
  return sourceForDays(f.trainDataDir, f.curDate, f.days, f.requireSuccess);
}
