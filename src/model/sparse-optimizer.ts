// Lazy (sparse) Adam and Adagrad for embedding tables: only the rows a batch touched are read and
// updated, so a step costs the same with 10^4 or 10^6 buckets. Moments are allocated zeroed and
// untouched pages are never written, so a huge table does not pay for state it never uses.

export interface SparseOptimizerSettings {
  name: 'adam' | 'adagrad';
  learningRate: number;
}

/** One table's gradient for a step: `count` distinct rows and their summed gradients. */
export interface SparseGradient {
  rows: Int32Array;
  grads: Float32Array;
  count: number;
}

interface TableState {
  data: Float32Array;
  dim: number;
  /** Adam first moment, or Adagrad accumulator minus its initial value (so zero = fresh). */
  m: Float32Array;
  v?: Float32Array;
}

// tfjs defaults, so dense and sparse parts of one model follow the same rule.
const BETA1 = 0.9;
const BETA2 = 0.999;
const EPSILON = 1e-7;
const ADAGRAD_INITIAL = 0.1;

export class SparseOptimizer {
  learningRate: number;
  private step = 0;
  private readonly state = new Map<string, TableState>();

  constructor(readonly name: SparseOptimizerSettings['name'], learningRate: number) {
    this.learningRate = learningRate;
  }

  /** Counts one training step (Adam's bias correction uses the global step, like TF's LazyAdam). */
  nextStep(): void {
    this.step++;
  }

  apply(table: string, data: Float32Array, dim: number, g: SparseGradient): void {
    let s = this.state.get(table);
    if (!s) {
      s = { data, dim, m: new Float32Array(data.length), v: this.name === 'adam' ? new Float32Array(data.length) : undefined };
      this.state.set(table, s);
    }
    if (this.name === 'adam') this.adam(s, g);
    else this.adagrad(s, g);
  }

  private adam(s: TableState, g: SparseGradient): void {
    const t = Math.max(this.step, 1);
    const lr = (this.learningRate * Math.sqrt(1 - BETA2 ** t)) / (1 - BETA1 ** t);
    const { data, dim, m } = s;
    const v = s.v!;
    for (let i = 0; i < g.count; i++) {
      const base = g.rows[i] * dim;
      const gb = i * dim;
      for (let k = 0; k < dim; k++) {
        const gi = g.grads[gb + k];
        const j = base + k;
        const mj = (m[j] = BETA1 * m[j] + (1 - BETA1) * gi);
        const vj = (v[j] = BETA2 * v[j] + (1 - BETA2) * gi * gi);
        data[j] -= (lr * mj) / (Math.sqrt(vj) + EPSILON);
      }
    }
  }

  private adagrad(s: TableState, g: SparseGradient): void {
    const { data, dim, m } = s;
    for (let i = 0; i < g.count; i++) {
      const base = g.rows[i] * dim;
      const gb = i * dim;
      for (let k = 0; k < dim; k++) {
        const gi = g.grads[gb + k];
        const j = base + k;
        m[j] += gi * gi;
        data[j] -= (this.learningRate * gi) / Math.sqrt(m[j] + ADAGRAD_INITIAL + EPSILON);
      }
    }
  }

  /** Forgets moments (after weights are replaced wholesale, e.g. a restored snapshot). */
  reset(): void {
    this.state.clear();
    this.step = 0;
  }
}
