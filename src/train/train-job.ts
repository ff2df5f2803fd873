// The nightly job: read the days, train, validate, and publish a self-contained model directory
// (portable model, feature spec, config, metadata) atomically, or publish nothing at all.
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { BackendInfo } from '../backend.js';
import type { Config } from '../config/schema.js';
import type { DataAccount } from '../data/account.js';
import { DataError, InterruptedError, MmoeError, UsageError, WriteError } from '../errors.js';
import { checkExports, exportFormats, writeExports } from '../export/index.js';
import { featureSpecFromConfig, type FeatureSpec, missingNumericStats } from '../data/feature-spec.js';
import { loadEncoded, type LoadedData } from '../data/load-encoded.js';
import { ReadAhead, ReadAheadOutgrew } from '../data/read-ahead.js';
import { EncodedTable } from '../data/encoded-table.js';
import { type NegativeSampling, samplingOf } from '../data/negative-sampling.js';
import { readBatches } from '../data/read-batches.js';
import { type DataSource, findPartition, findPartitions, sourceStorage } from '../data/partitions.js';
import { type MemoryBudget, mib } from '../data/memory-budget.js';
import { localStorage } from '../data/storage/index.js';
import { type LogFile, type Logger, silentLogger } from '../logger.js';
import { buildModel, checkPortableGraph, loadModel, readArchitecture, restoreOptimizer, saveModel } from '../model/index.js';
import { writeFailure, writeFileAtomic } from '../util/atomic-file.js';
import type { ProgressBar } from '../util/progress.js';
import { chooseDataMode } from './data-mode.js';
import { type FitResult, fit, type TrainRows } from './fit.js';
import { latestName, protectedNames } from '../model-root/links.js';
import { type GateJob, judgeModel, type Promotion } from './promotion-gate.js';
import { checkModelRoot, discardStaging, publish, stagingDir, sweepStale } from './publish.js';
import { publishedMessage, readMessage } from './messages.js';
import { RunLog } from './run-log.js';
import { oversubscribed, trainingThreads } from './threads.js';
import { coresFields, type UsableCores, usableCores } from '../util/cpus.js';
import { resolveWarmStart, type WarmStartChoice } from './warm-start.js';

export interface TrainJob {
  config: Config;
  configFile: string;
  source: DataSource;
  curDate: string;
  maxBadRows: number;
  modelRoot: string;
  /** logs/<run>: TensorBoard event files go to its train/ and validation/ subdirectories. */
  runDir: string;
  warmStart: WarmStartChoice;
  backend: BackendInfo;
  /** Promotion gate: latest moves only when the new model passes it. */
  gate?: GateJob;
  /** What the encoded rows may hold (training rows when kept, validation rows). */
  memoryBudget: MemoryBudget;
}

export interface TrainDeps {
  logger: Logger;
  progress?: ProgressBar;
  now?: () => number;
  signal?: AbortSignal;
  /** Package version recorded in metadata.json. */
  version: string;
  /** The run log file: a write to it that failed stops the run before it publishes. */
  logFile?: LogFile;
  /** The cores this process may use (`auto` threads); read from the machine and its cgroup when absent. */
  cores?: UsableCores;
}

export interface TrainOutcome {
  modelDir: string;
  metadata: Record<string, unknown>;
  promotion: Promotion;
}

/**
 * Numeric statistics the config leaves open come from the warm-start model (same transform only),
 * so inputs keep the scale its weights were trained on. Statistics the config gives win.
 */
function withSavedStats(spec: FeatureSpec, saved: FeatureSpec): FeatureSpec {
  const byName = new Map(saved.numeric.map((n) => [n.name, n]));
  const numeric = spec.numeric.map((n) => {
    const prev = byName.get(n.name);
    if (!prev || prev.transform !== n.transform) return n;
    return { ...n, mean: n.mean ?? prev.mean, std: n.std ?? prev.std, min: n.min ?? prev.min, max: n.max ?? prev.max };
  });
  return { ...spec, numeric };
}

/**
 * Training rows read from the days every epoch (training.data "stream"): memory holds a shuffle
 * buffer and a batch, not the rows. The first read already counted and checked them (bad rows
 * were reported and counted then, so later reads skip them silently); a read that finds another
 * number of rows means the files changed under the run, which stops it.
 */
export function streamedRows(
  spec: FeatureSpec,
  source: DataSource,
  rows: number,
  holdout: { validRatio: number; seed: number },
  shuffleBuffer: number,
  negativeSampling?: NegativeSampling,
): TrainRows {
  return {
    size: rows,
    async *batches(batchSize, seed) {
      let n = 0;
      for await (const b of readBatches(spec, source, { batchSize, shuffleBuffer, seed, holdout, negativeSampling, logger: silentLogger(), maxBadRows: 1 })) {
        n += b.size;
        yield b;
      }
      if (n !== rows)
        throw new DataError(`the training days changed during the run: an epoch read ${n} training rows, the first read ${rows}; train on files that are no longer being written`, {
          file: source.dataDir,
        });
    },
  };
}

/** Where a model latest does not move to goes: `<date>`, unless latest or previous is that directory (then `<date>-<status>[-n]`). */
function asideName(modelRoot: string, curDate: string, status: string): string {
  const keep = protectedNames(modelRoot);
  let name = curDate;
  for (let n = 1; keep.has(name); n++) name = `${curDate}-${status}${n > 1 ? `-${n}` : ''}`;
  return name;
}

/** Trains, judges and publishes one model. Call it holding the model root's lock (model-root/lock.ts). */
export async function runTrainJob(job: TrainJob, deps: TrainDeps): Promise<TrainOutcome> {
  const { logger } = deps;
  const now = deps.now ?? (() => performance.now());
  const t0 = now();
  const cfg = job.config;
  const validDate = cfg.training.validation.date;
  if (validDate && job.source.dates.includes(validDate))
    throw new UsageError(`validation date ${validDate} is one of the training days (${job.source.dates.join(', ')}): validate on a day the model does not train on`);
  checkModelRoot(job.modelRoot);
  checkPortableGraph(featureSpecFromConfig(cfg), cfg.model, cfg.training); // a name the saved graph cannot take fails now, not at publish
  checkExports(cfg); // a name the exports cannot take, or a model too big for them, fails now, not after training
  // A file of the model that cannot be written (disk full, no permission) fails the run with the
  // path and the cause; what was staged is removed and the published models stay as they were.
  const unpublished = (err: unknown): unknown => {
    if (err instanceof MmoeError && !(err instanceof WriteError)) return err;
    const code = (err as NodeJS.ErrnoException)?.code;
    if (!(err instanceof WriteError) && !code) return err;
    const e = writeFailure((err as NodeJS.ErrnoException).path ?? job.modelRoot, err);
    const latest = latestName(job.modelRoot);
    return new WriteError(`${e.message}; nothing was published${latest ? `, latest still points at ${latest}` : ''}`, { cause: err });
  };
  const checkAbort = async (when: string) => {
    await new Promise((resolve) => setImmediate(resolve)); // a signal that came during synchronous work is handled first
    if (deps.signal?.aborted) throw new InterruptedError(`interrupted ${when}; nothing was published and the previous model is untouched`);
    // A run log that can no longer be written fails the run now, not after hours of training.
    if (deps.logFile?.failure) throw unpublished(deps.logFile.failure);
  };
  let staging: string | undefined;
  const runLog = new RunLog(job.runDir);
  try {
    const swept = sweepStale(job.modelRoot);
    if (swept.length) logger.warn({ swept }, `cleaned up after an earlier run that was killed: ${swept.join('; ')}`);
    if (validDate) await findPartition(job.source.dataDir, validDate, job.source.requireSuccess, sourceStorage(job.source)); // fail before the long read
    const cores = deps.cores ?? usableCores();
    const tooMany = cfg.training.kernels === 'tfjs' ? null : oversubscribed(cfg.training.threads, cores);
    if (tooMany) logger.warn({ threads: { setting: cfg.training.threads, ...coresFields(cores) } }, tooMany);
    const warm = resolveWarmStart(job.warmStart, job.modelRoot, job.curDate, cfg);
    logger.info({ warmStart: warm.dir ?? null }, warm.reason);
    let spec = featureSpecFromConfig(cfg);
    if (warm.dir) spec = withSavedStats(spec, readArchitecture(warm.dir).spec);

    const advice = {
      train: 'set training.data to "auto" (streams when the rows do not fit) or "stream", or raise --memory-budget',
      valid: 'lower training.validation.validRatio, validate on a smaller day (--valid-date), or raise --memory-budget',
    };
    const readOpts = { maxBadRows: job.maxBadRows, logger, signal: deps.signal, memoryBudget: job.memoryBudget, overBudgetAdvice: advice };
    const mode = await chooseDataMode(cfg.training.data, spec, await findPartitions(job.source), job.memoryBudget);
    logger.info({ data: cfg.training.data, keepTrain: mode.keepTrain, memoryBudgetMb: Math.round(job.memoryBudget.bytes / 2 ** 20) }, mode.reason);
    const sampling = samplingOf(spec, cfg.training.negativeSampling?.seed ?? cfg.training.seed);
    const validRatio = validDate ? 0 : cfg.training.validation.validRatio;
    // Streaming: this first read counts the training rows and computes statistics; only the
    // validation rows are kept, and every epoch reads the days again. An interrupt stops the read
    // at its next chunk (not after reading every day).
    const stopped = (when: string) => async (err: unknown): Promise<never> => {
      if (err instanceof InterruptedError) await checkAbort(when);
      throw err;
    };
    const tc = cfg.training;
    // Rows kept in memory with every numeric statistic known beforehand: the first epoch trains
    // while a thread reads (read-ahead.ts), within the same memory budget; with training.data
    // "auto", rows that outgrow it make the run start over, streaming. Local files only: an
    // object store's client settings do not cross to a thread.
    const overlap = mode.keepTrain !== false && missingNumericStats(spec).length === 0 && sourceStorage(job.source) === localStorage;
    const readLine = (d: LoadedData, validRows: number, seconds: number, used: string, overlapped: boolean) => {
      const read = { trainRows: d.trainRows, validRows, badRows: d.account.badRows.total, seconds };
      const message = readMessage({ ...read, files: d.account.files.length, dates: job.source.dates, validDate });
      logger.info({ ...read, data: used, overlapped }, overlapped ? `${message}, alongside the first epoch` : message);
    };
    let result: FitResult;
    let data: LoadedData;
    let valid = EncodedTable.forSpec(spec, 1);
    let validAccount: DataAccount | undefined;
    let tLoaded = t0;
    let optimizerReason: string | null = null;
    let dataMode = { requested: cfg.training.data, used: 'memory', reason: mode.reason };
    let ahead: ReadAhead | null = null;
    let loaded: LoadedData | null = null;
    /** Reads the validation day within what the training rows leave of the budget; returns the bytes it holds. */
    const readValidDay = async (trainHeld: number): Promise<number> => {
      const room = { bytes: Math.max(0, job.memoryBudget.bytes - trainHeld), source: `${job.memoryBudget.source}, less the training rows held` };
      const v = await loadEncoded(spec, { ...job.source, dates: [validDate!] }, { ...readOpts, memoryBudget: room, overBudgetAdvice: { train: advice.valid, valid: advice.valid } }).catch(stopped('while reading the data'));
      valid = v.train;
      validAccount = { ...v.account, validRows: v.train.size }; // every row of the validation day is a validation row
      return v.heldBytes;
    };
    /** Reads the days once (keeping the training rows as `keepTrain` says) before training. */
    const readFirst = async (keepTrain: boolean | 'auto'): Promise<LoadedData> => {
      const d = await loadEncoded(spec, job.source, { ...readOpts, validRatio, seed: tc.seed, keepTrain, negativeSampling: sampling }).catch(stopped('while reading the data'));
      spec = d.spec;
      if (!validDate) valid = d.valid;
      else if (!validAccount) await readValidDay(d.heldBytes);
      await checkAbort('while reading the data');
      tLoaded = now();
      readLine(d, valid.size, (tLoaded - t0) / 1000, d.kept ? 'memory' : 'stream', false);
      if (d.trainRows === 0) throw new DataError(`no training rows in ${job.source.dates.join(', ')}`, { file: job.source.dataDir });
      return d;
    };
    /** Trains a fresh (or warm-started) model on `train` and stages it. */
    const trainAndStage = async (train: TrainRows, rows: number): Promise<FitResult> => {
      const threads = trainingThreads(tc.threads, { rows, batchSize: tc.batchSize, epochs: tc.epochs }, cores);
      // kernels "tfjs": one thread, as the training path's line says
      if (tc.kernels !== 'tfjs') logger.info({ threads: { setting: tc.threads, chosen: threads.threads, ...coresFields(cores) } }, threads.message);
      const options = { threads: threads.threads, kernels: tc.kernels };
      const model = warm.dir ? await loadModel(warm.dir, spec, cfg.model, tc, tc.seed, options) : buildModel(spec, cfg.model, tc, tc.seed, options);
      const optimizerState = warm.dir ? restoreOptimizer(model, warm.dir) : null;
      if (optimizerState) logger.info({ restored: optimizerState.restored }, optimizerState.reason);
      optimizerReason = optimizerState?.reason ?? null;
      try {
        const r = await fit(model, cfg, train, valid, { logger, runLog, progress: deps.progress, now, signal: deps.signal }).catch(async (err: unknown) => {
          // Interrupted while the thread still read the first epoch's rows: the read was stopped.
          if (err instanceof InterruptedError && ahead && !ahead.complete) await checkAbort('while reading the data');
          throw err;
        });
        await checkAbort('after training');
        try {
          staging = stagingDir(job.modelRoot, job.curDate);
          await saveModel(model, staging);
          await writeExports(model, staging, exportFormats(cfg.export), { gates: cfg.export.gates, version: deps.version }); // signature.json, and model.onnx/.keras when configured
        } catch (err) {
          throw unpublished(err);
        }
        return r;
      } finally {
        model.dispose();
      }
    };
    const streamed = (d: LoadedData) => streamedRows(spec, job.source, d.trainRows, { validRatio, seed: tc.seed }, tc.shuffleBuffer, sampling);
    try {
      if (overlap) {
        const elsewhere = validDate ? await readValidDay(0) : 0;
        const aheadOpts = { validRatio, seed: tc.seed, maxBadRows: job.maxBadRows, logger, shuffleBuffer: tc.shuffleBuffer, negativeSampling: sampling };
        ahead = await ReadAhead.start(spec, job.source, { ...aheadOpts, memoryBudget: job.memoryBudget, keepTrain: mode.keepTrain as true | 'auto', heldElsewhere: elsewhere, overBudgetAdvice: advice, signal: deps.signal });
        if (!validDate) valid = ahead.valid;
        try {
          result = await trainAndStage(ahead, ahead.estimatedRows);
        } catch (err) {
          if (!(err instanceof ReadAheadOutgrew)) throw err;
          // training.data "auto" and a low estimate: what trained so far is dropped, and the run
          // starts over on rows read again every epoch (as a read before training would have).
          await ahead.close();
          ahead = null;
          logger.warn({ budgetMb: Math.round(job.memoryBudget.bytes / 2 ** 20) }, `${err.message}: training starts over, reading the days again every epoch`);
          runLog.discard();
          dataMode = { ...dataMode, used: 'stream', reason: `${mode.reason}; then ${err.message}: the days are read again every epoch` };
          loaded = await readFirst(false);
          result = await trainAndStage(streamed(loaded), loaded.trainRows);
        }
      } else {
        loaded = await readFirst(mode.keepTrain);
        dataMode = { ...dataMode, used: loaded.kept ? 'memory' : 'stream', reason: loaded.dropped ? `${mode.reason}; then ${loaded.dropped}: the days are read again every epoch` : mode.reason };
        result = await trainAndStage(loaded.kept ? loaded.train : streamed(loaded), loaded.trainRows);
      }
      data = loaded ?? (await ahead!.done);
      if (ahead) readLine(data, valid.size, ahead.seconds, dataMode.used, true);
    } finally {
      await ahead?.close();
    }
    if (staging === undefined) throw new Error('no model was staged'); // trainAndStage stages it or throws
    for (const w of result.validation?.gateWarnings ?? []) logger.warn({ gate: w.code, tasks: w.tasks, causes: w.causes }, w.message);
    const metadata = {
      format: 'mmoe-model',
      version: 1,
      mmoeVersion: deps.version,
      createdAt: new Date().toISOString(),
      curDate: job.curDate,
      modelType: cfg.model.type,
      tasks: cfg.tasks.map((t) => t.name),
      configFile: job.configFile,
      warmStart: { from: warm.dir ?? null, reason: warm.reason, optimizer: optimizerReason },
      data: data.account,
      dataMode: { ...dataMode, memoryBudget: { bytes: job.memoryBudget.bytes, source: job.memoryBudget.source } },
      validation: validDate
        ? { mode: 'date', date: validDate, rows: valid.size, data: validAccount }
        : { mode: 'holdout', validRatio: cfg.training.validation.validRatio, rule: 'hash(file, line, seed) < validRatio', rows: valid.size },
      rows: { train: data.trainRows, valid: valid.size, skipped: data.account.badRows.total },
      negativeSampling: sampling ? samplingSummary(cfg, sampling, data.account.sampledOut ?? 0, result) : null,
      epochs: { planned: cfg.training.epochs, run: result.history.length, best: result.bestEpoch, stoppedEarly: result.stoppedEarly },
      monitor: result.monitor,
      bestValidation: result.validation ? summarize(result) : null,
      gates: result.validation ? { stats: result.validation.gates, warnings: result.validation.gateWarnings } : null,
      history: result.history,
      backend: job.backend.name,
      backendChoice: { requested: job.backend.requested, source: job.backend.source, reason: job.backend.reason, skipped: job.backend.skipped },
      trainingPath: result.trainingPath ?? null,
      versions: { node: process.version, tfjs: tf.version.tfjs, ...(job.backend.tensorflowVersion ? { tensorflow: job.backend.tensorflowVersion } : {}) },
      seed: cfg.training.seed,
      // With read-ahead the read ran alongside the first epoch: readSeconds is its own duration.
      timings: { readSeconds: ahead ? ahead.seconds : (tLoaded - t0) / 1000, readOverlapped: ahead !== null, trainSeconds: result.trainSeconds, totalSeconds: (now() - t0) / 1000 },
      resources: { peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024), tables: result.tablePages },
      logDir: job.runDir,
    };
    try {
      writeFileAtomic(join(staging, 'config.json'), `${JSON.stringify(cfg, null, 2)}\n`);
    } catch (err) {
      throw unpublished(err);
    }
    await checkAbort('before the promotion gate');
    // The gate's scores share the budget with the rows still held (the tables of this run).
    const held = data.heldBytes + (validDate ? valid.heldBytes : 0);
    const gateBudget = { bytes: Math.max(0, job.memoryBudget.bytes - held), source: `${job.memoryBudget.source}, less the ${mib(held)} of rows held` };
    const promotion = await judgeModel(staging, job.modelRoot, job.curDate, job.gate, logger, { signal: deps.signal, memoryBudget: gateBudget }).catch(stopped('during the promotion gate'));
    const promoted = promotion.status === 'promoted';
    let modelDir: string;
    try {
      writeFileAtomic(join(staging, 'metadata.json'), `${JSON.stringify({ ...metadata, promotion }, null, 2)}\n`);
      await checkAbort('before publishing');
      // Every log write of the run must have succeeded before it publishes: afterwards nothing
      // may fail it (exit 1 means nothing was published).
      runLog.close();
      if (deps.logFile?.failure) throw deps.logFile.failure;
      modelDir = publish(staging, job.modelRoot, promoted ? job.curDate : asideName(job.modelRoot, job.curDate, promotion.status), promoted);
    } catch (err) {
      throw unpublished(err);
    }
    staging = undefined;
    const fields = { modelDir, bestEpoch: result.bestEpoch, validation: metadata.bestValidation, promotion: promotion.status };
    const made = publishedMessage(modelDir, result.bestEpoch, result.history.length, result.history[result.bestEpoch - 1]?.validMetrics, cfg.tasks);
    if (promoted) logger.info(fields, `${made}; latest points to it: ${promotion.reason}`);
    else logger.warn(fields, `kept ${modelDir} without promoting it: ${promotion.reason}`);
    return { modelDir, metadata: { ...metadata, promotion }, promotion };
  } finally {
    if (staging) discardStaging(staging);
    try {
      runLog.close();
    } catch {
      // the run failed already (or its events were flushed before publishing): that error counts
    }
  }
}

/** metadata.json's negativeSampling: what was sampled, and the best epoch's validation calibration without and with the correction. */
function samplingSummary(cfg: Config, s: NegativeSampling, sampledOut: number, r: FitResult) {
  const task = cfg.tasks[s.task]!.name;
  const report = r.validation?.tasks.find((t) => t.task === task)?.sampling;
  return {
    task,
    rate: s.rate,
    seed: s.seed,
    rule: 'label 1 kept; label 0 kept when hash(file, line, seed) < rate',
    negativesDropped: sampledOut,
    correction: `q = p / (p + (1 - p) / rate): ${task}_sampling_correction adds ln(rate) to the logit in the published graph`,
    validationWeights: '1/rate for a kept negative (metrics estimate the full population)',
    calibration: report ? { before: report.calibrationBefore, after: report.calibrationAfter } : null,
  };
}

/** Per-task best-epoch validation metrics for metadata.json. */
function summarize(r: FitResult): Record<string, Record<string, number | null>> {
  const out: Record<string, Record<string, number | null>> = {};
  for (const t of r.validation!.tasks) {
    if (t.binary) {
      const m = t.binary.metrics;
      // threshold: the F1-maximising one on these validation rows, which `mmoe eval` applies by default.
      out[t.task] = {
        auc: m.auc.value ?? null,
        logLoss: m.logLoss.value ?? null,
        calibration: m.calibration.value ?? null,
        averagePrecision: t.binary.pr.averagePrecision.value ?? null,
        threshold: t.binary.pr.bestF1?.threshold ?? null,
        count: m.count,
        positives: m.positives,
      };
    } else {
      const o = t.regression!.original;
      out[t.task] = { mse: o.mse.value ?? null, mae: o.mae.value ?? null, r2: o.r2.value ?? null, count: o.count };
    }
  }
  return out;
}
