// `mmoe eval`: scores days of data with a published model (and optionally a baseline on the same
// rows), prints the report as a table, JSON or markdown, writes an HTML report, and exits 4 when
// the AUC gate against the baseline fails.
import { type Command, InvalidArgumentError } from 'commander';
import { backendLine, type BackendName } from '../../backend.js';
import { memoryBudget } from '../../data/memory-budget.js';
import { type DataSource, findPartitions } from '../../data/partitions.js';
import { QualityGateError, UsageError } from '../../errors.js';
import { type EvalDocument, toEvalDocument } from '../../eval/eval-document.js';
import { runEval } from '../../eval/eval-job.js';
import { formatMarkdown, formatTable } from '../../eval/format-text.js';
import { renderHtmlReport } from '../../eval/html-report.js';
import { inputBytes, openModel } from '../../scoring/model-dir.js';
import { scoringLine } from '../../scoring/scoring-info.js';
import { aucGate, gateFailureMessage } from '../../eval/quality-gate.js';
import { writeFileAtomic, writeTarget } from '../../util/atomic-file.js';
import { VERSION } from '../../version.js';
import type { CliEnv } from '../context.js';
import { parseChoice, parseMemoryBudget, parseRatio } from '../options.js';
import { addScoringDataOptions, type ScoringDataFlags, scoringSource, scoringThreads, selectScoringBackend } from '../scoring-flags.js';

const FORMATS = ['table', 'json', 'markdown'] as const;
type Format = (typeof FORMATS)[number];

export interface EvalContext {
  model: string;
  baseline?: string;
  source: DataSource;
  maxBadRows: number;
  threshold: number | 'auto';
  groupBy?: string;
  maxAucDrop?: number;
  format: Format;
  report?: string;
  /** --backend; unset: MMOE_BACKEND, else auto. */
  backend?: BackendName;
  /** MiB for folded scoring (--fold-budget); 0 = plain graph. */
  foldBudget: number;
  /** Scoring threads (--threads). */
  threads: number | 'auto';
  gates: boolean;
  /** No log lines on stderr (errors still are): stdout holds the report alone, even with 2>&1. */
  quiet: boolean;
  /** Bytes (--memory-budget); the default is half of the machine's memory. */
  memoryBudget?: number;
}

interface EvalFlags extends ScoringDataFlags {
  model: string;
  baseline?: string;
  format: Format;
  threshold: number | 'auto';
  groupBy?: string;
  maxAucDrop?: number;
  report?: string;
  gates: boolean;
  quiet?: boolean;
  memoryBudget?: number;
}

export function evalContext(f: EvalFlags): EvalContext {
  if (f.maxAucDrop !== undefined && f.baseline === undefined)
    throw new UsageError('--max-auc-drop compares against a baseline: add --baseline <model dir>.');
  return {
    model: f.model,
    baseline: f.baseline,
    source: scoringSource(f),
    maxBadRows: f.maxBadRows,
    threshold: f.threshold,
    groupBy: f.groupBy,
    maxAucDrop: f.maxAucDrop,
    format: f.format,
    report: f.report,
    backend: f.backend,
    foldBudget: f.foldBudget,
    threads: f.threads,
    gates: f.gates,
    quiet: f.quiet ?? false,
    memoryBudget: f.memoryBudget,
  };
}

export async function runEvalCommand(ctx: EvalContext, env: CliEnv): Promise<EvalDocument> {
  if (ctx.report) writeTarget(ctx.report); // a --report that cannot be a file fails now, not after the evaluation
  const backend = await selectScoringBackend(ctx, env);
  const logger = env.makeLogger({ console: !ctx.quiet });
  logger.info({ backend: backend.name, requested: backend.requested, reason: backend.reason }, backendLine(backend));
  const bytes = inputBytes((await findPartitions(ctx.source)).flatMap((p) => p.files));
  const threads = scoringThreads(ctx.threads, backend, bytes, logger, env.cores);
  const model = await openModel(ctx.model, '--model', { foldBudgetMib: ctx.foldBudget, threads, inputBytes: bytes, backendReason: backend.reason });
  let baseline: Awaited<ReturnType<typeof openModel>> | undefined;
  try {
    if (ctx.baseline) baseline = await openModel(ctx.baseline, '--baseline', { foldBudgetMib: ctx.foldBudget, threads, inputBytes: bytes, backendReason: backend.reason });
    // How rows are scored is for profiling (--format json has it under model.scoring): debug level.
    void model.ready().then(() => logger.debug({ scoring: model.info.scoring }, scoringLine(model.info.scoring)), () => {});
    if (baseline && JSON.stringify(baseline.spec) !== JSON.stringify(model.spec))
      logger.debug('the baseline has its own feature spec: every row is read once and encoded once per model');
    const run = await runEval(
      { model, baseline, source: ctx.source, maxBadRows: ctx.maxBadRows, threshold: ctx.threshold, groupBy: ctx.groupBy, gates: ctx.gates, signal: env.signal, memoryBudget: memoryBudget(ctx.memoryBudget) },
      logger,
    );
    const gate = run.baseline && ctx.maxAucDrop !== undefined ? aucGate(run.report, run.baseline.report, ctx.maxAucDrop) : null;
    const doc = toEvalDocument(run, { threshold: ctx.threshold, groupBy: ctx.groupBy, maxAucDrop: ctx.maxAucDrop, qualityGate: gate, mmoeVersion: VERSION });
    const text = ctx.format === 'json' ? `${JSON.stringify(doc, null, 2)}\n` : ctx.format === 'markdown' ? formatMarkdown(doc) : formatTable(doc);
    env.stdout.write(text);
    if (ctx.report) writeFileAtomic(ctx.report, renderHtmlReport(doc));
    if (gate && !gate.passed) throw new QualityGateError(gateFailureMessage(gate, ctx.model, ctx.baseline!));
    return doc;
  } finally {
    await model.close();
    await baseline?.close();
  }
}

function parseNonNegative(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0) throw new InvalidArgumentError(`'${value}' is not a non-negative number.`);
  return n;
}

export function register(program: Command, env: CliEnv): void {
  const cmd = program
    .command('eval')
    .description(
      "Score days of data with a published model through its own feature spec and report per task: exact AUC, log loss, calibration, threshold metrics (binary); MSE, MAE, R^2 (regression); gate diagnostics; task relatedness. With --baseline, compare on the same rows.",
    )
    .requiredOption('--model <dir>', 'model directory (e.g. models/latest or models/20240103)');
  addScoringDataOptions(cmd)
    .option('--format <format>', `output on stdout: ${FORMATS.join(', ')}`, parseChoice(FORMATS), 'table')
    .option(
      '--threshold <p|auto>',
      "score above which a row is predicted positive (accuracy, precision, recall, F1, confusion matrix); auto: each binary task's threshold that maximised F1 on the model's validation rows (0.5 for a model that recorded none)",
      (v: string) => (v === 'auto' ? 'auto' : parseRatio(v)),
      'auto',
    )
    .option('--group-by <column>', 'add group AUC: impression-weighted mean AUC over the groups of this column (e.g. user id) with both classes')
    .option('--baseline <dir>', 'a second model evaluated on the same rows; deltas are shown')
    .option('--max-auc-drop <d>', 'exit 4 when any binary task of the baseline loses more than d AUC (needs --baseline)', parseNonNegative)
    .option('--report <file.html>', 'also write a self-contained HTML report')
    .option('--no-gates', 'skip gate diagnostics (saves one forward pass per batch)')
    .option('--quiet', 'no log lines on stderr (errors still are); the report alone on stdout', false)
    .option('--memory-budget <size>', 'memory the metric buffers may take, e.g. 4G or 512M (default: half of the machine or cgroup memory); checked before reading', parseMemoryBudget)
    .action(async (flags: EvalFlags) => {
      await runEvalCommand(evalContext(flags), env);
    });
}
