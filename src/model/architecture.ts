// The contract between an architecture file and the rest: given the input block, wire layers and
// say which tensors are logits (for the losses), serving outputs and gate softmaxes.
import type * as tf from '@tensorflow/tfjs';
import type { ModelSection } from '../config/schema.js';
import type { FeatureSpec } from '../data/feature-spec.js';
import { head, type Wiring } from './blocks.js';

type ST = tf.SymbolicTensor;

export interface ArchitectureConfig {
  spec: FeatureSpec;
  model: ModelSection;
}

/** How a task's loss reads the logits: its own logit, or ESMM's product of two probabilities. */
export type LossSource = { logit: string } | { product: [string, string] };

export interface Wired {
  /** Pre-activation outputs by name; every LossSource refers to these. */
  logits: Record<string, ST>;
  /** Serving outputs, named after tasks (plus auxiliary ones such as ESMM's `cvr`). */
  outputs: Record<string, ST>;
  /** Gate softmaxes [batch, experts]: by task for the last level, `<task>_l<k>` for earlier ones. */
  gates: Record<string, ST>;
}

export interface Architecture {
  readonly name: ModelSection['type'];
  /** Throws a ConfigError for a config this architecture cannot build, before any layer exists. */
  validate(cfg: ArchitectureConfig): void;
  wire(x: ST, w: Wiring, cfg: ArchitectureConfig): Wired;
  /** The loss source of each task, by task name. */
  losses(cfg: ArchitectureConfig): Record<string, LossSource>;
}

/** One tower per task on its own input; each task's loss reads its own logit. */
export function towers(w: Wiring, inputs: Record<string, ST>, cfg: ArchitectureConfig, gates: Wired['gates'] = {}): Wired {
  const wired: Wired = { logits: {}, outputs: {}, gates };
  for (const t of cfg.spec.tasks) {
    const h = head(w, inputs[t.name], t.name, t.type, cfg.model.towers);
    wired.logits[t.name] = h.logit;
    wired.outputs[t.name] = h.output;
  }
  return wired;
}

export function ownLogits(cfg: ArchitectureConfig): Record<string, LossSource> {
  return Object.fromEntries(cfg.spec.tasks.map((t) => [t.name, { logit: t.name }]));
}

export function noValidation(): void {}
