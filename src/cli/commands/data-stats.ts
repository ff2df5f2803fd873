// `mmoe data stats`: what the training days hold, as a table or JSON, under the training read policy.
import type { Command } from 'commander';
import { loadConfig } from '../../config/load.js';
import { featureSpecFromConfig } from '../../data/feature-spec.js';
import type { DataSource } from '../../data/partitions.js';
import { collectStats } from '../../data/stats.js';
import { formatStatsTable } from '../../data/stats-report.js';
import type { CliEnv } from '../context.js';
import { addDataOptions, type DataFlags, dataSourceFromFlags } from '../data-flags.js';
import { parseChoice, parseInteger, parsePositiveInt } from '../options.js';
import { parentCommand } from './parent-command.js';

export interface DataStatsContext {
  configFile: string;
  source: DataSource;
  maxBadRows: number;
  format: 'table' | 'json';
  sampleSize: number;
  seed: number;
}

interface Flags extends DataFlags {
  config: string;
  format: 'table' | 'json';
  sampleSize: number;
  seed: number;
}

export async function runDataStats(ctx: DataStatsContext, env: CliEnv): Promise<void> {
  const spec = featureSpecFromConfig(loadConfig(ctx.configFile));
  const logger = env.makeLogger({ console: true });
  const stats = await collectStats(spec, ctx.source, { maxBadRows: ctx.maxBadRows, logger, sampleSize: ctx.sampleSize, seed: ctx.seed });
  env.stdout.write(ctx.format === 'json' ? `${JSON.stringify(stats, null, 2)}\n` : `${formatStatsTable(stats)}\n`);
}

export function register(program: Command, env: CliEnv): void {
  const cmd = parentCommand(program, 'data', 'Inspect input data.')
    .command('stats')
    .description('Rows per day, bad rows, label rates, hashing collisions, numeric summaries and task correlations of the input days.')
    .requiredOption('--config <file>', 'config file naming the features and task labels');
  addDataOptions(cmd)
    .option('--format <format>', 'table or json', parseChoice(['table', 'json'] as const), 'table')
    .option('--sample-size <n>', 'rows in the seeded reservoir sample used for Spearman correlation', parsePositiveInt, 100_000)
    .option('--seed <n>', 'seed of the Spearman sample', parseInteger, 0)
    .action(async (flags: Flags) => {
      await runDataStats(
        {
          configFile: flags.config,
          source: dataSourceFromFlags(flags),
          maxBadRows: flags.maxBadRows,
          format: flags.format,
          sampleSize: flags.sampleSize,
          seed: flags.seed,
        },
        env,
      );
    });
}
