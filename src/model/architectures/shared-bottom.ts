// Shared-bottom (Caruana 1997): one hidden stack (model.experts units/activation/dropout/l2)
// shared by all tasks, then one tower per task.
import { type Architecture, ownLogits, towers, noValidation } from '../architecture.js';
import { mlp } from '../blocks.js';

export const sharedBottom: Architecture = {
  name: 'shared_bottom',
  validate: noValidation,
  wire(x, w, cfg) {
    const bottom = mlp(w, x, 'shared_bottom', cfg.model.experts); // [batch, units]
    return towers(w, Object.fromEntries(cfg.spec.tasks.map((t) => [t.name, bottom])), cfg);
  },
  losses: ownLogits,
};
