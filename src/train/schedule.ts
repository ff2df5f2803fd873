// Learning-rate decay and early stopping: the small pieces of the training loop's policy.
import type { TrainingSection } from '../config/schema.js';

type OptimizerSection = TrainingSection['optimizer'];

/** lr = learningRate * decayRate ^ floor(t / decaySteps), t counting epochs or steps (decayEvery). */
export function learningRateAt(opt: OptimizerSection, epoch: number, step: number): number {
  const t = opt.decayEvery === 'epoch' ? epoch : step;
  return opt.learningRate * opt.decayRate ** Math.floor(t / opt.decaySteps);
}

/** Tracks the monitored metric (higher is better) and says when to stop. */
export class EarlyStopping {
  best = Number.NEGATIVE_INFINITY;
  bestEpoch = -1;
  private sinceBest = 0;

  constructor(private readonly patience: number) {}

  /** Records an epoch's value; returns true when it is a new best. NaN/undefined never improve. */
  record(epoch: number, value: number | undefined): boolean {
    if (value !== undefined && Number.isFinite(value) && value > this.best) {
      this.best = value;
      this.bestEpoch = epoch;
      this.sinceBest = 0;
      return true;
    }
    this.sinceBest++;
    return false;
  }

  /** Epochs in a row without improvement. */
  get epochsWithoutImprovement(): number {
    return this.sinceBest;
  }

  /** True once `patience` epochs in a row brought no improvement (Keras' EarlyStopping rule). */
  get shouldStop(): boolean {
    return this.sinceBest > 0 && this.sinceBest >= this.patience;
  }
}
