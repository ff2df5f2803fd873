// Distinct rows of one table within a step, each with a slot for its summed gradient. A table of
// at most DIRECT_ROWS rows maps a row to its slot through an array over the table's rows (one
// load, cleared in O(rows of the step)); a larger one through an open-addressing hash sized to the
// batch (not to the table), which stays in cache and is cleared in O(batch).
import type { SparseGradient } from './sparse-optimizer.js';

/** Tables up to this many rows use the direct map (4 bytes a row, for the tables a thread updates). */
const DIRECT_ROWS = 1 << 16;

export class RowSlots implements SparseGradient {
  rows = new Int32Array(0);
  grads = new Float32Array(0);
  count = 0;
  /** Direct map: slot of each table row, -1 for none. Hash: the keys. */
  private keys = new Int32Array(0);
  private slots = new Int32Array(0);
  private mask = 0;
  private shift = 32;
  private readonly direct: boolean;

  constructor(
    readonly dim: number,
    private readonly tableRows = Infinity,
  ) {
    this.direct = tableRows <= DIRECT_ROWS;
  }

  /** Empties the set, with room for `capacity` distinct rows. */
  reset(capacity: number): void {
    if (this.direct) {
      if (this.keys.length === 0) this.keys = new Int32Array(this.tableRows).fill(-1);
      for (let i = 0; i < this.count; i++) this.keys[this.rows[i]!] = -1;
    }
    if (this.rows.length < capacity) {
      this.rows = new Int32Array(capacity);
      this.grads = new Float32Array(capacity * this.dim);
      if (!this.direct) {
        let size = 16;
        while (size < capacity * 2) size *= 2;
        this.keys = new Int32Array(size);
        this.slots = new Int32Array(size);
        this.mask = size - 1;
        this.shift = 32 - Math.log2(size);
      }
    }
    if (!this.direct) this.keys.fill(-1);
    this.count = 0;
  }

  /** The gradient offset of `row`, claiming (and zeroing) a slot on its first appearance. */
  offset(row: number): number {
    if (this.direct) {
      const k = this.keys[row]!;
      if (k >= 0) return k * this.dim;
      this.keys[row] = this.count;
      return this.claim(row);
    }
    // Fibonacci hashing: the high bits of row * 2^32/phi spread consecutive and strided ids.
    let h = Math.imul(row, 0x9e3779b1) >>> this.shift;
    for (;;) {
      const k = this.keys[h];
      if (k === row) return this.slots[h]! * this.dim;
      if (k === -1) break;
      h = (h + 1) & this.mask;
    }
    this.keys[h] = row;
    this.slots[h] = this.count;
    return this.claim(row);
  }

  private claim(row: number): number {
    const s = this.count++;
    this.rows[s] = row;
    const o = s * this.dim;
    for (let k = 0; k < this.dim; k++) this.grads[o + k] = 0;
    return o;
  }
}
