// MMoE (Ma et al. 2018): shared experts, one softmax gate per task. Options: task-specific experts
// next to the shared ones (model.taskExperts), stacked levels (model.levels; a level's shared
// experts read the concatenated task mixtures of the level below), gate temperature.
import { type Architecture, ownLogits, towers, noValidation } from '../architecture.js';
import { extractionStack } from '../extraction.js';

export const mmoe: Architecture = {
  name: 'mmoe',
  validate: noValidation,
  wire(x, w, cfg) {
    const tasks = cfg.spec.tasks.map((t) => t.name);
    const stack = extractionStack(w, x, tasks, cfg.model, cfg.model.taskExperts, false); // per task [batch, units]
    return towers(w, stack.tasks, cfg, stack.gates);
  },
  losses: ownLogits,
};
