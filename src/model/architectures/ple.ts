// PLE (Tang et al. 2020): levels of CGC, each with shared and task-specific experts, a gate per
// task over the shared experts and its own, and at non-final levels a shared gate over all experts
// that feeds the next level's shared experts. PLE without task experts is MMoE, so at least one
// task expert per task is used even when model.taskExperts is 0.
import { type Architecture, ownLogits, towers, noValidation } from '../architecture.js';
import { extractionStack } from '../extraction.js';

export const ple: Architecture = {
  name: 'ple',
  validate: noValidation,
  wire(x, w, cfg) {
    const tasks = cfg.spec.tasks.map((t) => t.name);
    const stack = extractionStack(w, x, tasks, cfg.model, Math.max(1, cfg.model.taskExperts), true); // per task [batch, units]
    return towers(w, stack.tasks, cfg, stack.gates);
  },
  losses: ownLogits,
};
