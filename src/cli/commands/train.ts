// `mmoe train`: the nightly job. Parses flags into a TrainJob and hands it to the core.
import { rmSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { backendLine, type BackendName, backendRequest, selectBackend } from '../../backend.js';
import { loadConfig, parseConfig } from '../../config/load.js';
import type { Config } from '../../config/schema.js';
import { featureSpecFromConfig } from '../../data/feature-spec.js';
import { denseMacsPerRow } from '../../model/dense-size.js';
import { DEFAULT_CONFIG } from '../../paths.js';
import { memoryBudget } from '../../data/memory-budget.js';
import { exitCodeOf, UsageError } from '../../errors.js';
import { LogFile } from '../../logger.js';
import { createRunDir } from '../../train/run-log.js';
import { acquireLock } from '../../model-root/lock.js';
import { gateRowsFor } from '../../train/promotion-gate.js';
import { type RunScope, runNightly } from '../../train/nightly.js';
import { recordRun } from '../../train/run-status.js';
import { resolveDates } from '../../data/partitions.js';
import type { TrainOutcome } from '../../train/train-job.js';
import { parseWarmStart } from '../../train/warm-start.js';
import { ProgressBar } from '../../util/progress.js';
import { writeTarget } from '../../util/atomic-file.js';
import { VERSION } from '../../version.js';
import type { CliEnv } from '../context.js';
import { addDataOptions, type DataFlags, dataSourceFromFlags } from '../data-flags.js';
import { addBackendOption, parseDate, parseDateList, parseDuration, parseHttpUrl, parseInteger, parseLabelValue, parseMemoryBudget, parseNumber, parsePositiveInt, parseThreadCount } from '../options.js';

type GateFlag = { maxAucDrop: number } | 'off';

/** `--gate max-auc-drop=0.005` or `--gate off`. */
export function parseGate(value: string): GateFlag {
  if (value === 'off') return 'off';
  const m = /^max-auc-drop=(.+)$/.exec(value);
  const d = m ? Number(m[1]) : Number.NaN;
  if (!m || m[1]!.trim() === '' || !Number.isFinite(d) || d < 0)
    throw new InvalidArgumentError(`'${value}' is not a gate rule; use max-auc-drop=<d> with d >= 0 (e.g. max-auc-drop=0.005), or off.`);
  return { maxAucDrop: d };
}

export interface TrainFlags extends DataFlags {
  config: string;
  modelOutputDir: string;
  logDir: string;
  epochs?: number;
  batchSize?: number;
  seed?: number;
  learningRate?: number;
  validDate?: string;
  /** --backend; unset: MMOE_BACKEND, else auto. */
  backend?: BackendName;
  warmStart: string;
  threads?: number | 'auto';
  quiet?: boolean;
  gate?: GateFlag;
  gateDates?: string[];
  keepModels?: number;
  keepLogs?: number;
  waitForData?: number;
  metricsFile?: string;
  pushgateway?: string;
  metricsInstance?: string;
  /** Bytes (--memory-budget). */
  memoryBudget?: number;
}

/** The config with command-line overrides applied, validated again as a whole. */
export function effectiveConfig(flags: Pick<TrainFlags, 'config' | 'epochs' | 'batchSize' | 'seed' | 'learningRate' | 'validDate' | 'gate' | 'keepModels' | 'keepLogs' | 'threads'>): Config {
  const cfg = loadConfig(flags.config);
  const t = cfg.training;
  return parseConfig(
    {
      ...cfg,
      training: {
        ...t,
        epochs: flags.epochs ?? t.epochs,
        batchSize: flags.batchSize ?? t.batchSize,
        seed: flags.seed ?? t.seed,
        threads: flags.threads ?? t.threads,
        optimizer: { ...t.optimizer, learningRate: flags.learningRate ?? t.optimizer.learningRate },
        validation: flags.validDate ? { ...t.validation, date: flags.validDate } : t.validation,
      },
      publish: {
        gate: flags.gate === undefined ? cfg.publish.gate : flags.gate === 'off' ? undefined : flags.gate,
        keepModels: flags.keepModels ?? cfg.publish.keepModels,
        keepLogs: flags.keepLogs ?? cfg.publish.keepLogs,
      },
    },
    `${flags.config} (with command-line overrides)`,
  );
}

export async function runTrain(flags: TrainFlags, env: CliEnv, scope: RunScope = { warnings: [] }): Promise<TrainOutcome> {
  const config = effectiveConfig(flags);
  if (flags.metricsInstance !== undefined && !flags.pushgateway) throw new UsageError('--metrics-instance names the group of the pushed gauges: add --pushgateway <url>');
  if (flags.gateDates && !config.publish.gate) throw new UsageError('--gate-dates chooses the rows of the promotion gate: add --gate max-auc-drop=<d> (or publish.gate in the config)');
  const source = dataSourceFromFlags(flags);
  if (flags.metricsFile) writeTarget(flags.metricsFile); // not a file (a pipe, a directory): fail now, not after the night
  const runDir = createRunDir(flags.logDir, flags.curDate, new Date());
  // The run log is opened first: a log dir that cannot be created or written is a WriteError
  // naming it and the cause, before any lock is taken (createRunDir names its failures too).
  // endRunLog closes it, once the run's record has made its exit code final.
  const logFile = new LogFile(join(runDir, 'mmoe.log'));
  scope.runLog = { dir: runDir, file: logFile };
  const logger = env.makeLogger({ file: logFile, console: !flags.quiet });
  scope.runLock = acquireLock(runDir, `mmoe train ${flags.curDate}`);
  // auto weighs the dense network's size, worked out only when needed (it wires the network once).
  const job = async () => ({ kind: 'train' as const, denseMacs: await denseMacsPerRow(featureSpecFromConfig(config), config.model) });
  const backend = await selectBackend(backendRequest(flags.backend, env.backend), { job, debug: env.debug });
  logger.info({ backend: backend.name, requested: backend.requested, reason: backend.reason, tfjs: backend.tfjsVersion }, backendLine(backend));
  if (backend.skipped.length) logger.debug({ skipped: backend.skipped }, 'backends passed over');
  logger.info(
    { config: flags.config, model: config.model.type, dates: source.dates, runDir },
    `mmoe train ${flags.curDate}: ${config.model.type} on ${source.dates.join(', ')}, config ${shortPath(flags.config)}; run log and TensorBoard files in ${runDir}`,
  );
  const progress = flags.quiet ? undefined : new ProgressBar(env.stderr as NodeJS.WriteStream);
  const gate = config.publish.gate;
  return runNightly(
    {
      config,
      configFile: flags.config,
      source,
      curDate: flags.curDate,
      maxBadRows: flags.maxBadRows,
      modelRoot: flags.modelOutputDir,
      runDir,
      warmStart: parseWarmStart(flags.warmStart),
      backend,
      gate: gate && { maxAucDrop: gate.maxAucDrop, rows: gateRowsFor(config, source, flags.gateDates), maxBadRows: flags.maxBadRows },
      logRoot: flags.logDir,
      keepModels: config.publish.keepModels,
      keepLogs: config.publish.keepLogs,
      waitForDataMs: flags.waitForData,
      memoryBudget: memoryBudget(flags.memoryBudget),
    },
    { logger, progress, version: VERSION, signal: env.signal, logFile, cores: env.cores },
    scope,
  );
}

/**
 * Ends the run log with the exit code the process returns, given after the run's record was
 * written (a status or metrics file that cannot be written turns exit 0 into exit 1), then lets
 * the run directory go: its lock released, and the directory removed when the run never got to its
 * model root (it holds only mmoe.log and the lock).
 */
export function endRunLog(scope: RunScope, ending: { outcome?: TrainOutcome; error?: unknown }, env: CliEnv): void {
  const log = scope.runLog;
  if (log) {
    if (ending.error === undefined) {
      log.file.record('info', { exitCode: 0 }, 'mmoe train finished (exit 0)');
      // The model is published: a log line that no longer fitted does not undo that (exit 0).
      if (log.file.failure) env.stderr.write(`mmoe: warning: published ${ending.outcome?.modelDir}, but the run log is incomplete: ${log.file.failure.message}\n`);
    } else {
      // Why the run failed and its exit code (stderr gets the error from main).
      const code = exitCodeOf(ending.error);
      const message = (ending.error as Error)?.message ?? String(ending.error);
      log.file.record('error', { exitCode: code, error: message }, `mmoe train failed (exit ${code}): ${message}`);
    }
    log.file.close();
  }
  scope.runLock?.release();
  scope.runLock = undefined;
  if (log && scope.rootRefused) {
    try {
      rmSync(log.dir, { recursive: true, force: true });
    } catch {
      // Left as it is: its mmoe.log ends with the error, which stderr reports too.
    }
  }
}

/** A path as a reader wants it: relative to the working directory when it lies below it. */
function shortPath(p: string): string {
  const r = relative(process.cwd(), p);
  return r && !r.startsWith('..') && !isAbsolute(r) ? r : p;
}

/** Flags shared by train and the demo. */
export function addTrainOptions(cmd: Command): Command {
  return addBackendOption(addDataOptions(cmd))
    .addOption(new Option('--config <file>', 'config file').default(DEFAULT_CONFIG, "mmoe's own configs/default.json, whatever the working directory"))
    .option('--model-output-dir <dir>', 'where models/<cur-date>/ and models/latest are published', 'models')
    .option('--log-dir <dir>', 'where logs/<run>/ (TensorBoard events and the run log) go', 'logs')
    .option('--epochs <n>', 'override training.epochs', parsePositiveInt)
    .option('--batch-size <n>', 'override training.batchSize', parsePositiveInt)
    .option('--seed <n>', 'override training.seed', parseInteger)
    .option('--learning-rate <x>', 'override training.optimizer.learningRate', parseNumber)
    .option('--valid-date <YYYYMMDD>', 'validate on this day instead of the hash hold-out', parseDate)
    .option('--warm-start <mode>', "'none', 'auto' (newest compatible earlier model) or a model directory", 'none')
    .option('--memory-budget <size>', 'memory the encoded rows may take, e.g. 4G or 512M (default: half of the machine or cgroup memory); training.data "auto" streams past it', parseMemoryBudget)
    .option('--threads <n|auto>', 'override training.threads: training threads, at most 256 (auto: every usable core, a cgroup CPU quota counting, for runs of 200 steps or more)', parseTrainingThreads)
    .option('--quiet', 'no progress bar and no console log (the log file is still written)', false)
    .option('--gate <rule>', "promotion gate: 'max-auc-drop=<d>' (latest moves only when no binary task's AUC drops more than d against it; exit 4 otherwise) or 'off'; overrides publish.gate", parseGate)
    .option('--gate-dates <dates>', 'compare on these days (comma-separated YYYYMMDD) instead of the validation day or hold-out', parseDateList)
    .option('--keep-models <n>', 'after the run, delete all but the newest n model directories (never those latest and previous point at); overrides publish.keepModels', parsePositiveInt)
    .option('--keep-logs <n>', 'after the run, delete all but the newest n run directories of --log-dir (never one still being written); overrides publish.keepLogs', parsePositiveInt)
    .option('--wait-for-data <duration>', 'wait up to this long (e.g. 2h, 90m) for missing partitions (and _SUCCESS with --require-success), polling, before failing with exit 3', parseDuration)
    .option('--metrics-file <path.prom>', "also write the run's status as Prometheus gauges (node_exporter textfile collector), atomically")
    .option('--pushgateway <url>', "also push the run's status as Prometheus gauges to this Pushgateway (job mmoe); a failed push is a warning", parseHttpUrl)
    .option('--metrics-instance <name>', 'group the pushed gauges under instance=<name> instead of the model root', parseLabelValue);
}

function parseTrainingThreads(value: string): number | 'auto' {
  return value === 'auto' ? 'auto' : parseThreadCount(parsePositiveInt(value));
}

export function register(program: Command, env: CliEnv): void {
  addTrainOptions(
    program
      .command('train')
      .description('Train the configured model on the days ending at --cur-date and publish it to <model-output-dir>/<cur-date>.'),
  ).action(async (flags: TrainFlags) => {
    const scope: RunScope = { warnings: [] };
    const record = {
      modelRoot: flags.modelOutputDir,
      metricsFile: flags.metricsFile,
      ...(flags.pushgateway ? { push: { url: flags.pushgateway, ...(flags.metricsInstance !== undefined ? { instance: flags.metricsInstance } : {}) } } : {}),
      curDate: flags.curDate,
      dates: resolveDates(flags.curDate, flags.days),
      warn: (m: string) => env.stderr.write(`mmoe: ${m}\n`),
    };
    const ending: { outcome?: TrainOutcome; error?: unknown } = {};
    try {
      ending.outcome = await recordRun(record, scope, () => runTrain(flags, env, scope));
    } catch (err) {
      ending.error = err;
    }
    endRunLog(scope, ending, env);
    if (ending.error !== undefined) throw ending.error;
  });
}
