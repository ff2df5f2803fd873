// Training must never publish NaN or infinite weights. A step whose loss is finite can still write
// them: an infinite activation saturates the loss but makes 0 x Infinity = NaN in its gradient,
// and a rectifier turns the NaN weights' outputs into zeros, so the loss stays finite (and the
// model scores every row alike) for the rest of the run. The loss check alone misses that; a scan
// of the weights after each epoch (one pass over memory, small beside an epoch) does not.
import type { MultiTaskModel } from '../model/index.js';

export interface NonFinite {
  /** The weight (dense variable or embedding table) holding it. */
  weight: string;
  /** How many of its values are NaN or infinite. */
  count: number;
  /** Flat index of the first one, and its value. */
  index: number;
  value: number;
}

/** Counts the non-finite values among the first `width` of every `stride` values of `a`, noting the first. */
function scan(weight: string, a: Float32Array, stride = 1, width = stride): NonFinite | null {
  let found: NonFinite | null = null;
  for (let r = 0; r < a.length; r += stride)
    for (let k = 0; k < width; k++) {
      const v = a[r + k]!;
      if (v - v === 0) continue;
      if (found) found.count++;
      else found = { weight, count: 1, index: (r / stride) * width + k, value: v };
    }
  return found;
}

/** The first weight of `model` holding NaN or an infinity, or null when every weight is finite. */
export function firstNonFiniteWeight(model: MultiTaskModel): NonFinite | null {
  for (const t of model.layout.tables) {
    const v = model.tables.view(t.name);
    const bad = scan(`embedding table '${t.name}'`, v.store, v.stride, v.dim);
    if (bad) return bad;
  }
  for (const w of model.net.train.weights) {
    const bad = scan(`'${w.name}'`, w.read().dataSync() as Float32Array);
    if (bad) return bad;
  }
  return null;
}
