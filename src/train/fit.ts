// The epoch loop: shuffled batches, learning-rate decay, divergence check, validation every epoch,
// early stopping on the monitored task, and the best weights restored at the end.
import type { Config } from '../config/schema.js';
import type { Batch } from '../data/batch.js';
import type { EncodedTable } from '../data/encoded-table.js';
import { InterruptedError, TrainingDivergedError } from '../errors.js';
import { type EvalReport, Evaluator, headline } from '../eval/evaluator.js';
import type { Logger } from '../logger.js';
import { type TablePages, tablePages } from '../model/huge-pages.js';
import type { MultiTaskModel, TrainingPath } from '../model/index.js';
import type { ProgressBar } from '../util/progress.js';
import { firstNonFiniteWeight } from './finite-weights.js';
import { epochFields, epochMessage } from './messages.js';
import type { RunLog } from './run-log.js';
import { EarlyStopping, learningRateAt } from './schedule.js';

export interface EpochRecord {
  epoch: number;
  learningRate: number;
  trainLoss: number;
  trainTaskLosses: Record<string, number>;
  examplesPerSecond: number;
  seconds: number;
  validLoss?: number;
  validTaskLosses?: Record<string, number>;
  /** Headline validation metric per task: AUC (binary) or MSE on the original scale (regression). */
  validMetrics?: Record<string, number | null>;
}

export interface FitResult {
  history: EpochRecord[];
  /** 1-based epoch whose weights are kept (the best validation epoch, or the last). */
  bestEpoch: number;
  monitor: { task: string; metric: 'auc' | 'mse' } | null;
  /** The validation report of the kept weights (null without validation rows). */
  validation: EvalReport | null;
  stoppedEarly: boolean;
  steps: number;
  trainSeconds: number;
  /** What trained the dense network (chosen at the first step). */
  trainingPath?: TrainingPath;
  /** The embedding tables' size and pages (huge-pages.ts). */
  tablePages: TablePages;
}

export interface FitDeps {
  logger: Logger;
  runLog: RunLog;
  progress?: ProgressBar;
  now?: () => number;
  /** Checked before every step and validation batch: an aborted run stops with InterruptedError and publishes nothing. */
  signal?: AbortSignal;
}

/** Which task and metric early stopping watches: the configured task, else the first task. */
export function monitorOf(cfg: Config): { task: string; metric: 'auc' | 'mse' } {
  const name = cfg.training.earlyStopping.task ?? cfg.tasks[0]!.name;
  const t = cfg.tasks.find((x) => x.name === name)!;
  return { task: t.name, metric: t.type === 'binary' ? 'auc' : 'mse' };
}

/** Lets pending events (a SIGINT handler, log writes) run between steps of the synchronous loop. */
const yieldToEvents = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
/**
 * Steps run back to back for this long before pending events (a signal, the reading thread's rows,
 * log writes) get their turn: a turn of the event loop every step cost 1-2% of a 2-thread census
 * step, and an interrupt still stops the run within a few steps.
 */
const EVENTS_EVERY_MS = 10;

const EVAL_BATCH = 4096;
const LOG_EVERY_STEPS = 20;

/**
 * Metrics and losses of `model` on the validation rows. Between batches it lets pending events run
 * and stops on `signal`: a big validation day takes minutes, and a SIGTERM must not wait for it.
 */
export async function validate(
  model: MultiTaskModel,
  valid: EncodedTable,
  learningRate?: number,
  signal?: AbortSignal,
): Promise<{ report: EvalReport; loss: number; taskLosses: Record<string, number> }> {
  const ev = new Evaluator(model.spec, { weighted: valid.weights !== null }, model);
  let loss = 0;
  const taskLosses: Record<string, number> = Object.fromEntries(model.taskNames.map((t) => [t, 0]));
  for (const b of valid.sequentialBatches(EVAL_BATCH)) {
    await yieldToEvents();
    if (signal?.aborted) throw new InterruptedError('interrupted while validating; nothing was published and the previous model is untouched');
    ev.add(b);
    const r = model.evaluate(b);
    loss += r.loss * b.size;
    for (const t of model.taskNames) taskLosses[t]! += r.taskLosses[t]! * b.size;
  }
  const n = Math.max(valid.size, 1);
  for (const t of model.taskNames) taskLosses[t]! /= n;
  return { report: ev.report({ learningRate }), loss: loss / n, taskLosses };
}

/** The training rows: every row once per epoch, in an order fixed by the seed (an EncodedTable, or streamed reads). */
export interface TrainRows {
  readonly size: number;
  batches(batchSize: number, seed: number): Iterable<Batch> | AsyncIterable<Batch>;
}

export async function fit(model: MultiTaskModel, cfg: Config, train: TrainRows, valid: EncodedTable, deps: FitDeps): Promise<FitResult> {
  const { logger, runLog, progress } = deps;
  const now = deps.now ?? (() => performance.now());
  const tc = cfg.training;
  // Known once the first epoch has read its rows (validation rows may arrive with them: read-ahead.ts).
  let monitor: FitResult['monitor'] | undefined;
  const stopper = new EarlyStopping(tc.earlyStopping.patience);
  const history: EpochRecord[] = [];
  let best: { report: EvalReport; epoch: number } | null = null;
  let lastReport: EvalReport | null = null;
  let step = 0;
  let stoppedEarly = false;
  const started = now();
  // The tables are allocated with the model: their pages are known before the first step.
  const pages = tablePages(model.tables.pages);
  logPages(logger, pages);
  for (let epoch = 0; epoch < tc.epochs; epoch++) {
    const t0 = now();
    progress?.start(train.size, { epoch: epoch + 1, epochs: tc.epochs }); // the bar counts this epoch's rows
    let lr = learningRateAt(tc.optimizer, epoch, step);
    model.setLearningRate(lr);
    let lossSum = 0;
    const taskSums: Record<string, number> = Object.fromEntries(model.taskNames.map((t) => [t, 0]));
    let seen = 0;
    let eventsAt = Number.NEGATIVE_INFINITY; // the epoch's first step lets them run
    for await (const batch of train.batches(tc.batchSize, tc.seed * 1009 + epoch)) {
      if (tc.optimizer.decayEvery === 'step') {
        lr = learningRateAt(tc.optimizer, epoch, step);
        model.setLearningRate(lr);
      }
      // The wall clock, not deps.now (tests may stop that one).
      if (performance.now() - eventsAt >= EVENTS_EVERY_MS) {
        await yieldToEvents();
        eventsAt = performance.now();
      }
      if (deps.signal?.aborted) {
        progress?.stop();
        throw new InterruptedError(`interrupted at epoch ${epoch + 1}, step ${step + 1}; nothing was published and the previous model is untouched`);
      }
      const r = model.trainStep(batch);
      if (step === 0) logPath(logger, model.trainingPath);
      if (!Number.isFinite(r.loss)) {
        progress?.stop();
        const parts = Object.entries(r.taskLosses).map(([t, v]) => `${t}=${v}`).join(', ');
        throw new TrainingDivergedError(
          `training diverged at epoch ${epoch + 1}, step ${step + 1}: loss is ${r.loss} (${parts}); nothing was published. ` +
            'Lower the learning rate, set training.optimizer.clipNorm, or log-transform heavy-tailed regression labels (labelTransform "log1p")',
        );
      }
      lossSum += r.loss * batch.size;
      for (const t of model.taskNames) taskSums[t]! += r.taskLosses[t]! * batch.size;
      seen += batch.size;
      step++;
      if (step % LOG_EVERY_STEPS === 0) runLog.trainStep(step, r.loss, r.taskLosses, lr);
      progress?.update(seen, { loss: lossSum / seen });
    }
    const bad = firstNonFiniteWeight(model);
    if (bad) {
      progress?.stop();
      throw new TrainingDivergedError(
        `training diverged in epoch ${epoch + 1}: ${bad.weight} holds ${bad.count} non-finite value(s), the first ${bad.value} at index ${bad.index}, although the loss stayed finite; nothing was published. ` +
          'Look for numeric inputs of extreme size (transform "none" passes them on as they are), lower the learning rate, or set training.optimizer.clipNorm',
      );
    }
    const seconds = (now() - t0) / 1000;
    const rec: EpochRecord = {
      epoch: epoch + 1,
      learningRate: lr,
      trainLoss: lossSum / Math.max(seen, 1),
      trainTaskLosses: Object.fromEntries(model.taskNames.map((t) => [t, taskSums[t]! / Math.max(seen, 1)])),
      examplesPerSecond: seen / Math.max(seconds, 1e-9),
      seconds,
    };
    runLog.trainEpoch(step, rec.trainLoss, rec.trainTaskLosses, rec.examplesPerSecond);
    monitor ??= valid.size > 0 ? monitorOf(cfg) : null;
    if (monitor) {
      const v = await validate(model, valid, lr, deps.signal).catch((err: unknown) => {
        progress?.stop();
        throw err;
      });
      lastReport = v.report;
      rec.validLoss = v.loss;
      rec.validTaskLosses = v.taskLosses;
      rec.validMetrics = Object.fromEntries(v.report.tasks.map((t) => [t.task, headline(t).value.value ?? null]));
      runLog.validationEpoch(step, v.loss, v.taskLosses, v.report);
      const m = rec.validMetrics[monitor.task];
      const score = m === null || m === undefined ? undefined : monitor.metric === 'auc' ? m : -m;
      if (stopper.record(epoch, score)) {
        best = { report: v.report, epoch: epoch + 1 };
        model.checkpoint();
      }
    }
    history.push(rec);
    progress?.clear();
    logger.info(epochFields(rec, cfg.tasks), epochMessage(rec, tc.epochs, cfg.tasks));
    if (monitor && stopper.shouldStop) {
      stoppedEarly = epoch + 1 < tc.epochs;
      if (stoppedEarly) logger.info(`early stopping: ${monitor.task} ${monitor.metric} has not improved for ${stopper.epochsWithoutImprovement} epochs`);
      break;
    }
  }
  progress?.stop();
  runLog.flush();
  // The best epoch's weights with the optimizer state that belongs to them (what a warm start
  // continues). A run that throws leaves the checkpoint to model.dispose().
  if (best && best.epoch !== history.length) model.restoreCheckpoint();
  model.dropCheckpoint();
  return {
    history,
    bestEpoch: best?.epoch ?? history.length,
    monitor: monitor ?? null,
    validation: best?.report ?? lastReport,
    stoppedEarly,
    steps: step,
    trainSeconds: (now() - started) / 1000,
    trainingPath: model.trainingPath,
    tablePages: pages,
  };
}

/** Tables of a size where pages matter: how many bytes, and whether they are in huge pages. */
function logPages(logger: Logger, p: TablePages): void {
  if (p.hugePageBytes === 0 && p.ordinaryPagesReason === null) return; // no table of a size where pages matter
  const gb = (b: number) => (b >= 1e9 ? `${(b / 1e9).toFixed(2)} GB` : `${Math.round(b / 1e6)} MB`);
  if (p.ordinaryPagesReason === null) logger.info({ tablePages: p }, `embedding tables: ${gb(p.bytes)} with optimizer slots, ${gb(p.hugePageBytes)} in transparent huge pages`);
  else logger.info({ tablePages: p }, `embedding tables: ${gb(p.bytes)} with optimizer slots in ordinary pages (${p.ordinaryPagesReason})`);
}

function logPath(logger: Logger, p: TrainingPath | undefined): void {
  if (!p) return;
  if (p.kernels === 'fast') logger.info({ trainingPath: p }, `training on the fast path (wasm SIMD kernels${p.fma ? ' with fused multiply-adds' : ''}, ${p.threads} thread${p.threads > 1 ? 's' : ''})`);
  else logger.info({ trainingPath: p }, `training on the tfjs graph: ${p.reason}`);
}
