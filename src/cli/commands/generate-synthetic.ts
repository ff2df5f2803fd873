// `mmoe generate synthetic`: the MMoE paper's two regression tasks with a chosen relatedness p,
// as day partitions (docs/synthetic.md).
import type { Command } from 'commander';
import { type GenerateSyntheticOptions, generateSynthetic, SYNTHETIC_DEFAULTS, type SyntheticSummary } from '../../data/synthetic.js';
import type { CliEnv } from '../context.js';
import { parseDate, parseInteger, parseNumber, parsePositiveInt } from '../options.js';
import { parentCommand } from './parent-command.js';

/** The one-line summary: where, how many rows a day, and the measured label correlation (not p). */
export function describeSynthetic(s: SyntheticSummary, out: string): string {
  const { options: o } = s.tasks;
  const rows = s.partitions.map((p) => p.rows);
  const [lo, hi] = [Math.min(...rows), Math.max(...rows)];
  const first = s.partitions[0]!.date;
  const last = s.partitions[s.partitions.length - 1]!.date;
  return (
    `wrote ${s.partitions.length} day(s) ${first}..${last} to ${out}: ${lo === hi ? lo : `${lo}-${hi}`} rows/day, ` +
    `x0..x${o.dim - 1}, labels y1 y2; p=${o.correlation} (cosine of w1, w2), label Pearson(y1, y2)=${s.labelPearson.toFixed(4)}`
  );
}

export async function runGenerateSynthetic(opts: GenerateSyntheticOptions, env: CliEnv): Promise<void> {
  const summary = await generateSynthetic(opts);
  env.stdout.write(`${describeSynthetic(summary, opts.out)}\n`);
}

export function register(program: Command, env: CliEnv): void {
  const d = SYNTHETIC_DEFAULTS;
  parentCommand(program, 'generate', 'Write synthetic data sets.')
    .command('synthetic')
    .description(
      'Two regression tasks y1, y2 on inputs x0..x{d-1} ~ N(0, 1) whose weight vectors have cosine p (Ma et al., KDD 2018, section 4): ' +
        'y_i = w_i.x + sum_k sin(alpha_k w_i.x + beta_k) + noise. Day partitions D/YYYYMMDD/ of one task definition, so a later day is a test set; ' +
        'the definition is recorded in D/_synthetic.json. Same seed, same bytes.',
    )
    .requiredOption('--out <dir>', 'output directory')
    .requiredOption('--correlation <p>', 'cosine of the task weight vectors, -1..1', parseNumber)
    .option('--rows <n>', 'rows in all, spread evenly over the days', parsePositiveInt, 10_000)
    .option('--dim <d>', 'input dimension', parseInteger, d.dim)
    .option('--sinusoids <m>', 'sinusoids per label', parseInteger, d.sinusoids)
    .option('--scale <c>', 'length of the weight vectors', parseNumber, d.scale)
    .option('--noise-std <s>', 'standard deviation of the label noise (the paper: variance 0.01)', parseNumber, d.noiseStd)
    .option('--seed <n>', 'random seed', parseInteger, 2022)
    .option('--start-date <YYYYMMDD>', 'first day', parseDate, d.startDate)
    .option('--days <n>', 'number of daily partitions', parsePositiveInt, d.days)
    .option('--gzip', 'write .csv.gz files', false)
    .option('--force', 'overwrite partitions that already hold files', false)
    .action(async (flags: GenerateSyntheticOptions) => {
      await runGenerateSynthetic(flags, env);
    });
}
