// Distinct rows of one table within a step, each with a slot for its summed gradient. An open-
// addressing hash sized to the batch (not to the table) stays in cache and is cleared in O(batch).
import type { SparseGradient } from './sparse-optimizer.js';

export class RowSlots implements SparseGradient {
  rows = new Int32Array(0);
  grads = new Float32Array(0);
  count = 0;
  private keys = new Int32Array(0);
  private slots = new Int32Array(0);
  private mask = 0;
  private shift = 32;

  constructor(readonly dim: number) {}

  /** Empties the set, with room for `capacity` distinct rows. */
  reset(capacity: number): void {
    if (this.rows.length < capacity) {
      this.rows = new Int32Array(capacity);
      this.grads = new Float32Array(capacity * this.dim);
      let size = 16;
      while (size < capacity * 2) size *= 2;
      this.keys = new Int32Array(size);
      this.slots = new Int32Array(size);
      this.mask = size - 1;
      this.shift = 32 - Math.log2(size);
    }
    this.keys.fill(-1);
    this.count = 0;
  }

  /** The gradient offset of `row`, claiming (and zeroing) a slot on its first appearance. */
  offset(row: number): number {
    // Fibonacci hashing: the high bits of row * 2^32/phi spread consecutive and strided ids.
    let h = Math.imul(row, 0x9e3779b1) >>> this.shift;
    for (;;) {
      const k = this.keys[h];
      if (k === row) return this.slots[h] * this.dim;
      if (k === -1) break;
      h = (h + 1) & this.mask;
    }
    const s = this.count++;
    this.keys[h] = row;
    this.slots[h] = s;
    this.rows[s] = row;
    const o = s * this.dim;
    for (let k = 0; k < this.dim; k++) this.grads[o + k] = 0;
    return o;
  }
}
