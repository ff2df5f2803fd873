// The flags that choose input partitions, shared by every command that reads training data
// (data stats, train, eval): one spelling, one set of defaults, one parser.
import type { Command } from 'commander';
import { DEFAULT_MAX_BAD_ROWS } from '../data/bad-rows.js';
import { type DataSource, sourceForDays } from '../data/partitions.js';
import { type S3Settings, type Storage, storageFor } from '../data/storage/index.js';
import { instanceMetadataAllowed } from './aws-env.js';
import { parseDay, parsePositiveInt, parseRatio } from './options.js';

export interface DataFlags {
  trainDataDir: string;
  curDate: string;
  days: number;
  requireSuccess: boolean;
  maxBadRows: number;
  s3Endpoint?: string;
}

/** Adds --train-data-dir, --cur-date, --days, --require-success and --max-bad-rows. */
export function addDataOptions(cmd: Command): Command {
  cmd
    .requiredOption('--train-data-dir <dir>', 'directory (or s3://bucket/prefix) of day partitions D/YYYYMMDD/ or D/dt=YYYYMMDD/ holding *.csv, *.csv.gz and *.parquet files')
    .requiredOption('--cur-date <YYYYMMDD>', "the last day to read; 'yesterday' or 'today' in the local time zone (TZ) for cron", (v) => parseDay(v))
    .option('--days <n>', 'how many days to read, ending at --cur-date', parsePositiveInt, 2);
  return addReadPolicyOptions(cmd);
}

/** Adds --require-success, --max-bad-rows and --s3-endpoint: the read policy every command that reads days shares. */
export function addReadPolicyOptions(cmd: Command): Command {
  return cmd
    .option('--require-success', 'fail on a partition without a _SUCCESS marker', false)
    .option('--max-bad-rows <ratio>', 'share of bad rows skipped before the read fails (exit 3)', parseRatio, DEFAULT_MAX_BAD_ROWS)
    .option('--s3-endpoint <url>', 'S3-compatible endpoint for s3:// inputs, path-style addressing (default: AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, else AWS S3)');
}

/** S3 settings from --s3-endpoint and the environment (the rest of the AWS configuration the SDK reads itself). */
export function s3Settings(endpoint: string | undefined, env: NodeJS.ProcessEnv = process.env): S3Settings {
  const attempts = Number(env.AWS_MAX_ATTEMPTS);
  return {
    endpoint: endpoint ?? env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL,
    region: env.AWS_REGION ?? env.AWS_DEFAULT_REGION,
    instanceMetadata: instanceMetadataAllowed(env),
    ...(Number.isInteger(attempts) && attempts > 0 ? { maxAttempts: attempts } : {}),
  };
}

/** The storage input at `location` is read from (local disk, or S3 for s3:// URLs). */
export function inputStorage(location: string, s3Endpoint: string | undefined): Storage {
  return storageFor(location, s3Settings(s3Endpoint));
}

export function dataSourceFromFlags(f: DataFlags): DataSource {
  return sourceForDays(f.trainDataDir, f.curDate, f.days, f.requireSuccess, inputStorage(f.trainDataDir, f.s3Endpoint));
}
