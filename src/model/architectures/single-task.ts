// The baseline: one independent network per task (bottom stack from model.experts, then the
// tower); tasks share only the embedding tables.
import { type Architecture, ownLogits, towers, noValidation } from '../architecture.js';
import { mlp } from '../blocks.js';

export const singleTask: Architecture = {
  name: 'single_task',
  validate: noValidation,
  wire(x, w, cfg) {
    const bottoms = Object.fromEntries(cfg.spec.tasks.map((t) => [t.name, mlp(w, x, `bottom_${t.name}`, cfg.model.experts)])); // [batch, units]
    return towers(w, bottoms, cfg);
  },
  losses: ownLogits,
};
