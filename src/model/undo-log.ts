// The rows of one embedding table as they were at a checkpoint, each saved just before its first
// change after it. Keeping the best epoch this way costs the rows that later epochs touch, once
// each, instead of a copy of every table (weights and optimizer slots) at every improving epoch.

export class UndoLog {
  /** 1 for rows saved since the checkpoint. */
  private readonly saved: Uint8Array;
  private rows = new Int32Array(256);
  private records: Float32Array;
  /** Rows saved since the checkpoint. */
  count = 0;

  constructor(
    tableRows: number,
    /** Floats per row record: weights and optimizer slots. */
    private readonly stride: number,
  ) {
    this.saved = new Uint8Array(tableRows);
    this.records = new Float32Array(this.rows.length * stride);
  }

  /** Saves the records of rows ids[0, n) of `store` that are not saved yet (call before changing them). */
  save(store: Float32Array, ids: Int32Array, n: number): void {
    for (let i = 0; i < n; i++) this.saveRow(store, ids[i]!);
  }

  /** Saves row `r` of `store` unless it is saved already. */
  saveRow(store: Float32Array, r: number): void {
    if (this.saved[r] === 1) return;
    this.saved[r] = 1;
    if (this.count === this.rows.length) this.grow();
    const { stride } = this;
    this.rows[this.count] = r;
    this.records.set(store.subarray(r * stride, (r + 1) * stride), this.count * stride);
    this.count++;
  }

  /** Writes the saved records back into `store` (the table is as at the checkpoint) and empties the log. */
  restore(store: Float32Array): void {
    const { stride } = this;
    for (let i = 0; i < this.count; i++) store.set(this.records.subarray(i * stride, (i + 1) * stride), this.rows[i]! * stride);
    this.clear();
  }

  /** Forgets the saved rows: the current records become the checkpoint. Keeps the capacity. */
  clear(): void {
    for (let i = 0; i < this.count; i++) this.saved[this.rows[i]!] = 0;
    this.count = 0;
  }

  /** Memory held: the saved-row flags and the log's capacity. */
  get bytes(): number {
    return this.saved.byteLength + this.rows.byteLength + this.records.byteLength;
  }

  private grow(): void {
    const rows = new Int32Array(this.rows.length * 2);
    rows.set(this.rows);
    const records = new Float32Array(rows.length * this.stride);
    records.set(this.records);
    this.rows = rows;
    this.records = records;
  }
}
