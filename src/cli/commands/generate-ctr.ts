// `mmoe generate ctr`: synthetic CTR/conversion day partitions with a planted signal.
import type { Command } from 'commander';
import { generateCtr, type GenerateCtrOptions } from '../../data/generate-ctr.js';
import type { CliEnv } from '../context.js';
import { parseDate, parseInteger, parseNumber, parsePositiveInt } from '../options.js';
import { parentCommand } from './parent-command.js';

export async function runGenerateCtr(opts: GenerateCtrOptions, env: CliEnv): Promise<void> {
  const parts = await generateCtr(opts);
  for (const p of parts)
    env.stdout.write(
      `wrote ${p.dir}: ${p.files.length} file(s), ${p.rows} rows, click rate ${((100 * p.clicks) / p.rows).toFixed(2)}%, conversion rate ${((100 * p.conversions) / p.rows).toFixed(2)}%\n`,
    );
}

export function register(program: Command, env: CliEnv): void {
  parentCommand(program, 'generate', 'Write synthetic data sets.')
    .command('ctr')
    .description(
      'Day partitions D/YYYYMMDD/ of ad impressions (Avazu-like hashed ids, hour of day 0-23) with labels click and conversion (a conversion only after a click), and a _SUCCESS marker. Same seed, same bytes.',
    )
    .requiredOption('--out <dir>', 'output directory')
    .requiredOption('--start-date <YYYYMMDD>', 'first day', parseDate)
    .requiredOption('--days <n>', 'number of days', parsePositiveInt)
    .requiredOption('--rows-per-day <n>', 'rows per day', parsePositiveInt)
    .option('--seed <n>', 'random seed', parseInteger, 2022)
    .option('--gzip', 'write .csv.gz files', false)
    .option('--files <n>', 'part files per day', parsePositiveInt, 1)
    .option('--force', 'overwrite partitions that already hold files', false)
    .option('--click-shift <x>', 'added to every click logit: negative for rarer clicks (the rate at 0 depends on the seed: about 26% with the default seed, 14% with seed 7)', parseNumber, 0)
    .action(async (f: { out: string; startDate: string; days: number; rowsPerDay: number; seed: number; gzip: boolean; files: number; force: boolean; clickShift: number }) => {
      await runGenerateCtr(f, env);
    });
}
