// One-gate MoE (Jacobs et al. 1991; the OMoE baseline of the MMoE paper): a single softmax gate
// mixes the experts, and every task tower reads the same mixture.
import { type Architecture, ownLogits, towers, noValidation } from '../architecture.js';
import { experts, gate, mixture } from '../blocks.js';

export const moe: Architecture = {
  name: 'moe',
  validate: noValidation,
  wire(x, w, cfg) {
    const m = cfg.model;
    const bank = experts(w, x, 'experts_shared_l1', m.experts.count, m.experts); // [batch, count, units]
    const g = gate(w, x, 'gate_l1', m.experts.count, m.gate.temperature); // [batch, count]
    const mixed = mixture(w, g, bank, 'mix_l1'); // [batch, units]
    const tasks = cfg.spec.tasks.map((t) => t.name);
    return towers(w, Object.fromEntries(tasks.map((t) => [t, mixed])), cfg, Object.fromEntries(tasks.map((t) => [t, g])));
  },
  losses: ownLogits,
};
