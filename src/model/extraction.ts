// One extraction level of the gated models (MMoE, CGC/PLE): shared experts, optional
// task-specific experts, one gate per task mixing the shared experts with its own, and for PLE a
// shared gate whose mixture feeds the next level's shared experts.
import type * as tf from '@tensorflow/tfjs';
import type { ModelSection } from '../config/schema.js';
import { concat, experts, gate, mixture, type Wiring } from './blocks.js';

type ST = tf.SymbolicTensor;

export interface LevelInput {
  /** Input of the shared experts. */
  shared: ST;
  /** Input of each task's gate and experts, by task name. */
  tasks: Record<string, ST>;
}

export interface LevelOptions {
  level: number;
  last: boolean;
  taskExperts: number;
  /** PLE: a shared gate over all experts feeds the next level's shared input. */
  sharedGate: boolean;
}

/** Runs one level; returns the next level's inputs and its gates (by task, PLE's as `shared_gate`). */
export function extractionLevel(w: Wiring, input: LevelInput, m: ModelSection, o: LevelOptions): { next: LevelInput; gates: Record<string, ST> } {
  const l = `l${o.level}`;
  const { count } = m.experts;
  const temperature = m.gate.temperature;
  const shared = experts(w, input.shared, `experts_shared_${l}`, count, m.experts); // [batch, count, units]
  const own: Record<string, ST> = {};
  const mixed: Record<string, ST> = {};
  const gates: Record<string, ST> = {};
  for (const [task, x] of Object.entries(input.tasks)) {
    own[task] = o.taskExperts > 0 ? experts(w, x, `experts_${task}_${l}`, o.taskExperts, m.experts) : shared;
    const bank = o.taskExperts > 0 ? concat(w, [shared, own[task]], `experts_${task}_${l}_all`, 1) : shared; // [batch, count + taskExperts, units]
    gates[task] = gate(w, x, `gate_${task}_${l}`, count + o.taskExperts, temperature);
    mixed[task] = mixture(w, gates[task], bank, `mix_${task}_${l}`); // [batch, units]
  }
  if (o.last) return { next: { shared: input.shared, tasks: mixed }, gates };
  if (!o.sharedGate) return { next: { shared: concat(w, Object.values(mixed), `mix_all_${l}`), tasks: mixed }, gates };
  const all = concat(w, [shared, ...Object.values(own).filter((e) => e !== shared)], `experts_all_${l}`, 1);
  const g = gate(w, input.shared, `gate_shared_${l}`, all.shape[1] as number, temperature);
  gates.shared_gate = g;
  return { next: { shared: mixture(w, g, all, `mix_shared_${l}`), tasks: mixed }, gates };
}

/** Stacks `levels` extraction levels on x; gates of earlier levels get an `_l<k>` suffix. */
export function extractionStack(w: Wiring, x: ST, tasks: string[], m: ModelSection, taskExperts: number, sharedGate: boolean) {
  let input: LevelInput = { shared: x, tasks: Object.fromEntries(tasks.map((t) => [t, x])) };
  const gates: Record<string, ST> = {};
  for (let level = 1; level <= m.levels; level++) {
    const last = level === m.levels;
    const r = extractionLevel(w, input, m, { level, last, taskExperts, sharedGate });
    for (const [k, g] of Object.entries(r.gates)) gates[last ? k : `${k}_l${level}`] = g;
    input = r.next;
  }
  return { tasks: input.tasks, gates };
}
