// TensorBoard logging of a training run: logs/<run>/train and logs/<run>/validation event files,
// each created with its first event, so a run that fails before logging anything leaves no empty
// TensorBoard run behind (only its mmoe.log, which ends with the error).
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { EvalReport } from '../eval/evaluator.js';
import { headline } from '../eval/evaluator.js';
import { SummaryWriter } from '../tensorboard/writer.js';
import { ensureDirectory, writeFailure } from '../util/atomic-file.js';

/** `<cur-date>-<UTC time>`: sorts by date; runs started in the same second get a suffix (createRunDir). */
export function runName(curDate: string, now: Date): string {
  return `${curDate}-${now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}`;
}

/**
 * Creates a run directory of its own in `logRoot`: `<runName>`, or `<runName>-2`, `-3` ... when a
 * run started in the same second already has it (two nightly jobs sharing --log-dir, started by
 * one cron minute). mkdir either creates a directory or fails, so no two runs share one.
 */
export function createRunDir(logRoot: string, curDate: string, now: Date): string {
  ensureDirectory(logRoot, 'create the log directory'); // a WriteError with the real cause (EROFS, EACCES, ENOTDIR)
  const base = runName(curDate, now);
  for (let n = 1; ; n++) {
    const dir = join(logRoot, n === 1 ? base : `${base}-${n}`);
    try {
      mkdirSync(dir);
      return dir;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw writeFailure(dir, err, 'create the log directory');
    }
  }
}

export class RunLog {
  private trainWriter?: SummaryWriter;
  private validationWriter?: SummaryWriter;

  constructor(readonly dir: string) {}

  get train(): SummaryWriter {
    return (this.trainWriter ??= new SummaryWriter(join(this.dir, 'train')));
  }

  get validation(): SummaryWriter {
    return (this.validationWriter ??= new SummaryWriter(join(this.dir, 'validation')));
  }

  trainStep(step: number, loss: number, taskLosses: Record<string, number>, learningRate: number): void {
    this.train.scalar('loss', loss, step);
    for (const [t, v] of Object.entries(taskLosses)) this.train.scalar(`loss/${t}`, v, step);
    this.train.scalar('learning_rate', learningRate, step);
  }

  trainEpoch(step: number, loss: number, taskLosses: Record<string, number>, examplesPerSecond: number): void {
    this.train.scalar('epoch/loss', loss, step);
    for (const [t, v] of Object.entries(taskLosses)) this.train.scalar(`epoch/loss/${t}`, v, step);
    this.train.scalar('examples_per_second', examplesPerSecond, step);
  }

  validationEpoch(step: number, loss: number, taskLosses: Record<string, number>, report: EvalReport): void {
    this.validation.scalar('epoch/loss', loss, step);
    for (const [t, v] of Object.entries(taskLosses)) this.validation.scalar(`epoch/loss/${t}`, v, step);
    for (const t of report.tasks) {
      const h = headline(t);
      if (h.value.value !== undefined) this.validation.scalar(`${h.name}/${t.task}`, h.value.value, step);
    }
    for (const [gate, s] of Object.entries(report.gates)) {
      s.meanWeight.forEach((w, k) => this.validation.scalar(`gate/${gate}/expert_${k}`, w, step));
      this.validation.scalar(`gate/${gate}/entropy`, s.normalizedEntropy, step);
    }
    this.flush();
  }

  flush(): void {
    this.trainWriter?.flush();
    this.validationWriter?.flush();
  }

  close(): void {
    this.trainWriter?.close();
    this.validationWriter?.close();
  }

  /** Closes and removes the event files written so far (a run that starts its training over). */
  discard(): void {
    this.close();
    for (const w of [this.trainWriter, this.validationWriter]) if (w) rmSync(w.file, { force: true });
    this.trainWriter = undefined;
    this.validationWriter = undefined;
  }
}
