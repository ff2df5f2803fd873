// `mmoe predict`: scores days of data (or one CSV file) with a published model and writes one
// score column per task, plus --keep columns, to a CSV file that appears only when complete.
import { existsSync } from 'node:fs';
import { type Command } from 'commander';
import { parse as parseCsv } from 'csv-parse/sync';
import { backendLine, type BackendName } from '../../backend.js';
import { BAD_ROW_REASONS, type BadRowReason, type BadRowSummary } from '../../data/bad-rows.js';
import { findPartitions } from '../../data/partitions.js';
import { localStorage, type Storage } from '../../data/storage/index.js';
import { UsageError, formatLocation } from '../../errors.js';
import { inputBytes, openModel } from '../../scoring/model-dir.js';
import { scoringLine } from '../../scoring/scoring-info.js';
import { type PredictInput, type PredictOutcome, runPredict } from '../../predict/predict-job.js';
import type { CliEnv } from '../context.js';
import { inputStorage } from '../data-flags.js';
import { addScoringDataOptions, type ScoringDataFlags, scoringSource, scoringThreads, selectScoringBackend } from '../scoring-flags.js';

export interface PredictContext {
  model: string;
  input: PredictInput;
  output: string;
  keep: string[];
  maxBadRows: number;
  /** --backend; unset: MMOE_BACKEND, else auto. */
  backend?: BackendName;
  /** MiB for folded scoring (--fold-budget); 0 = plain graph. */
  foldBudget: number;
  /** Scoring threads (--threads). */
  threads: number | 'auto';
}

interface PredictFlags extends ScoringDataFlags {
  model: string;
  input?: string;
  output: string;
  keep?: string;
}

export function predictContext(f: PredictFlags): PredictContext {
  if ((f.input === undefined) === (f.dataDir === undefined))
    throw new UsageError('give the rows to score with either --input file.csv[.gz] or --data-dir D with --dates/--cur-date, not both and not neither.');
  if (f.input !== undefined && (f.dates || f.curDate || f.days)) throw new UsageError('--dates, --cur-date and --days go with --data-dir, not with --input.');
  const keep = f.keep === undefined ? [] : keepColumns(f.keep);
  return {
    model: f.model,
    input: f.input !== undefined ? { file: f.input, storage: inputStorage(f.input, f.s3Endpoint) } : { source: scoringSource(f) },
    output: f.output,
    keep,
    maxBadRows: f.maxBadRows,
    backend: f.backend,
    foldBudget: f.foldBudget,
    threads: f.threads,
  };
}

/**
 * --keep as one CSV record, so any header text can be named: `id,native-country` or, for a name
 * holding a comma, `id,"income, gross"`. Names are trimmed, as headers are when read.
 */
export function keepColumns(value: string): string[] {
  let keep: string[];
  try {
    keep = (parseCsv(value, { relax_column_count: true }) as string[][])[0]?.map((c) => c.trim()) ?? [];
  } catch (err) {
    throw new UsageError(`--keep '${value}' is not a comma-separated list of columns (${(err as Error).message}); quote a name holding a comma: id,"income, gross"`);
  }
  if (keep.length === 0 || keep.some((c) => c === '')) throw new UsageError(`--keep '${value}' has an empty column name; list columns as col,col`);
  return keep;
}

/** The end-of-run summary on stderr: rows written, and every kind of skipped row with where it was. */
export function predictSummary(r: PredictOutcome): string {
  const lines = [`mmoe predict: wrote ${r.rowsWritten} of ${r.rowsRead} rows to ${r.output}; ${r.badRows.total} bad row(s) skipped`];
  lines.push(...badRowLines(r.badRows));
  return `${lines.join('\n')}\n`;
}

function badRowLines(s: BadRowSummary): string[] {
  return (Object.keys(s.byReason) as BadRowReason[]).flatMap((reason) => {
    const c = s.byReason[reason]!;
    const more = c.count > c.examples.length ? [`    ... and ${c.count - c.examples.length} more`] : [];
    return [
      `  ${reason} (${BAD_ROW_REASONS[reason]}): ${c.count}`,
      ...c.examples.map((ex) => `    ${formatLocation(ex)}${ex.detail ? ` (${ex.detail})` : ''}`),
      ...more,
    ];
  });
}

/** The input size of one --input file, or undefined when it cannot be had (the read then says why). */
async function fileBytes(file: string, storage: Storage | undefined): Promise<number | undefined> {
  if (storage?.kind !== 's3' && !existsSync(file)) return undefined;
  return (storage ?? localStorage).stat(file).then((f) => inputBytes([f]), () => undefined);
}

export async function runPredictCommand(ctx: PredictContext, env: CliEnv): Promise<PredictOutcome> {
  const backend = await selectScoringBackend(ctx, env);
  const logger = env.makeLogger({ console: true });
  logger.info({ backend: backend.name, requested: backend.requested, reason: backend.reason }, backendLine(backend));
  const bytes = 'file' in ctx.input ? await fileBytes(ctx.input.file, ctx.input.storage) : inputBytes((await findPartitions(ctx.input.source)).flatMap((p) => p.files));
  const threads = scoringThreads(ctx.threads, backend, bytes, logger, env.cores);
  const opened = await openModel(ctx.model, '--model', { foldBudgetMib: ctx.foldBudget, threads, inputBytes: bytes, backendReason: backend.reason });
  try {
    void opened.ready().then(() => logger.debug({ scoring: opened.info.scoring }, scoringLine(opened.info.scoring)), () => {});
    const r = await runPredict({ model: opened, input: ctx.input, output: ctx.output, keep: ctx.keep, maxBadRows: ctx.maxBadRows, signal: env.signal }, logger);
    env.stderr.write(predictSummary(r));
    return r;
  } finally {
    await opened.close();
  }
}

export function register(program: Command, env: CliEnv): void {
  const cmd = program
    .command('predict')
    .description(
      'Score rows with a published model through its own feature spec: one column per task named after it (probabilities; regression on the original label scale), in input order. Label columns are not needed.',
    )
    .requiredOption('--model <dir>', 'model directory (e.g. models/latest)')
    .requiredOption('--output <file.csv>', 'where the scores go (written under a temporary name, renamed when complete)')
    .option('--input <file>', 'one .csv, .csv.gz or .parquet file (or s3:// object) to score (instead of --data-dir)')
    .option('--keep <col,col>', 'input columns copied to the output before the scores (e.g. ids, labels)');
  addScoringDataOptions(cmd).action(async (flags: PredictFlags) => {
    await runPredictCommand(predictContext(flags), env);
  });
}
