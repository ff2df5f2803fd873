// ESMM (Ma et al. 2018) for strictly sequential tasks: a pCTR tower and a pCVR tower on shared
// embeddings (or a shared bottom), trained over all impressions on CTR and on
// CTCVR = pCTR x pCVR, so pCVR is learned without the sample-selection bias of click-only data.
// Outputs: the CTR task, the CTCVR task (a Multiply of the two probabilities) and `cvr`.
import * as tf from '@tensorflow/tfjs';
import { ConfigError } from '../../errors.js';
import type { Architecture, ArchitectureConfig } from '../architecture.js';
import { call, head, mlp } from '../blocks.js';

function roles(cfg: ArchitectureConfig) {
  const e = cfg.model.esmm;
  if (!e) throw new ConfigError(`model.esmm is required when model.type is "esmm": {"ctrTask": ..., "ctcvrTask": ...}`);
  return e;
}

export const esmm: Architecture = {
  name: 'esmm',
  validate(cfg) {
    const e = roles(cfg);
    const names = cfg.spec.tasks.map((t) => t.name);
    for (const key of ['ctrTask', 'ctcvrTask'] as const) {
      const t = cfg.spec.tasks.find((x) => x.name === e[key]);
      if (!t) throw new ConfigError(`model.esmm.${key}: "${e[key]}" is not a task; tasks: ${names.join(', ')}`);
      if (t.type !== 'binary') throw new ConfigError(`model.esmm.${key}: task "${t.name}" must be binary, not ${t.type}`);
    }
    if (e.ctrTask === e.ctcvrTask || names.length !== 2)
      throw new ConfigError(`model.type "esmm" takes exactly two tasks, the CTR and the CTCVR task; got ${names.join(', ')} with ctrTask "${e.ctrTask}", ctcvrTask "${e.ctcvrTask}"`);
    if (names.includes('cvr')) throw new ConfigError(`model.type "esmm": the name "cvr" is the pCVR output; rename task "cvr"`);
  },
  wire(x, w, cfg) {
    const { ctrTask, ctcvrTask, sharedBottom } = roles(cfg);
    const bottom = sharedBottom ? mlp(w, x, 'shared_bottom', cfg.model.experts) : undefined; // [batch, units]
    const ctr = head(w, bottom ?? mlp(w, x, `bottom_${ctrTask}`, cfg.model.experts), ctrTask, 'binary', cfg.model.towers);
    const cvr = head(w, bottom ?? mlp(w, x, 'bottom_cvr', cfg.model.experts), 'cvr', 'binary', cfg.model.towers);
    const ctcvr = call(w.layers.get(ctcvrTask, () => tf.layers.multiply({ name: ctcvrTask })), [ctr.output, cvr.output]); // [batch, 1]
    return {
      logits: { [ctrTask]: ctr.logit, cvr: cvr.logit },
      outputs: { [ctrTask]: ctr.output, [ctcvrTask]: ctcvr, cvr: cvr.output },
      gates: {},
    };
  },
  losses(cfg) {
    const { ctrTask, ctcvrTask } = roles(cfg);
    return { [ctrTask]: { logit: ctrTask }, [ctcvrTask]: { product: [ctrTask, 'cvr'] } };
  },
};
