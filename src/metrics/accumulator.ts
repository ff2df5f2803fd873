// Collects one task's scores, labels (and weights, group keys) batch by batch into growable typed
// arrays, so a multi-million-row eval holds 4-8 bytes per row instead of boxed JS numbers; the
// sort-based metrics run once at the end.
import type { ScoredRows } from './auc.js';
import { binaryReport, type BinaryReport, type BinaryReportOptions } from './binary-report.js';
import { averageRanks } from './correlation.js';
import { type SortedRows, sortRows } from './sort.js';
import { KeyInterner } from './group-auc.js';
import { regressionMetrics, type RegressionMetrics } from './regression.js';

/** A contiguous column, or one column of a row-major matrix (e.g. labels [rows, tasks]). */
export type Column = ArrayLike<number> | { data: ArrayLike<number>; stride: number; offset: number };

export interface AccumulatorBatch {
  scores: Column;
  labels: Column;
  weights?: ArrayLike<number> | null;
  /** One key per row (e.g. user id) for group AUC; required when the accumulator is grouped. */
  groups?: readonly string[];
}

class Growable<T extends Float32Array | Uint32Array> {
  constructor(
    public data: T,
    private readonly make: (n: number) => T,
  ) {}
  ensure(capacity: number): void {
    if (capacity <= this.data.length) return;
    const bigger = this.make(Math.max(capacity, this.data.length * 2));
    bigger.set(this.data);
    this.data = bigger;
  }
}

function copyColumn(dst: Float32Array, at: number, col: Column, count: number): void {
  if ('data' in col) {
    const { data, stride, offset } = col;
    for (let i = 0; i < count; i++) dst[at + i] = data[offset + i * stride]!;
  } else if (col instanceof Float32Array) {
    dst.set(col.subarray(0, count), at);
  } else {
    for (let i = 0; i < count; i++) dst[at + i] = col[i]!;
  }
}

function columnLength(col: Column): number {
  return 'data' in col ? Math.floor((col.data.length - col.offset + col.stride - 1) / col.stride) : col.length;
}

export class EvalAccumulator {
  private n = 0;
  private sortedAt: { n: number; rows: SortedRows } | undefined;
  private readonly scores: Growable<Float32Array>;
  private readonly labels: Growable<Float32Array>;
  private readonly weights?: Growable<Float32Array>;
  private readonly groupIds?: Growable<Uint32Array>;
  private readonly interner = new KeyInterner();

  constructor(options: { weighted?: boolean; grouped?: boolean; initialCapacity?: number } = {}) {
    const cap = options.initialCapacity ?? 1 << 16;
    const f32 = (k: number) => new Float32Array(k);
    this.scores = new Growable(f32(cap), f32);
    this.labels = new Growable(f32(cap), f32);
    if (options.weighted) this.weights = new Growable(f32(cap), f32);
    if (options.grouped) this.groupIds = new Growable(new Uint32Array(cap), (k) => new Uint32Array(k));
  }

  get size(): number {
    return this.n;
  }

  get weighted(): boolean {
    return this.weights !== undefined;
  }

  /** Appends `count` rows (default: all rows of the scores column). */
  add(batch: AccumulatorBatch, count = columnLength(batch.scores)): void {
    const at = this.n;
    const end = at + count;
    if (columnLength(batch.labels) < count) throw new RangeError(`labels have fewer than ${count} rows`);
    this.scores.ensure(end);
    this.labels.ensure(end);
    copyColumn(this.scores.data, at, batch.scores, count);
    copyColumn(this.labels.data, at, batch.labels, count);
    if (this.weights) {
      if (!batch.weights) throw new RangeError('this accumulator is weighted: every batch needs weights');
      this.weights.ensure(end);
      copyColumn(this.weights.data, at, batch.weights, count);
    }
    if (this.groupIds) {
      if (!batch.groups || batch.groups.length < count) throw new RangeError(`this accumulator is grouped: every batch needs ${count} group keys`);
      this.groupIds.ensure(end);
      for (let i = 0; i < count; i++) this.groupIds.data[at + i] = this.interner.id(batch.groups[i]!);
    }
    this.n = end;
  }

  /** Views (no copy) of the rows so far; valid until the next add. */
  rows(): ScoredRows & { scores: Float32Array; labels: Float32Array; weights: Float32Array | null } {
    return {
      scores: this.scores.data.subarray(0, this.n),
      labels: this.labels.data.subarray(0, this.n),
      weights: this.weights ? this.weights.data.subarray(0, this.n) : null,
    };
  }

  /** Group ids per row (see groupKeys) when grouped. */
  groups(): Uint32Array | undefined {
    return this.groupIds?.data.subarray(0, this.n);
  }

  groupKeys(): readonly string[] {
    return this.interner.names;
  }

  /** The rows in score order, sorted once after the last add (the report and rank correlations share it). */
  sorted(): SortedRows {
    if (this.sortedAt?.n !== this.n) this.sortedAt = { n: this.n, rows: sortRows(this.rows()) };
    return this.sortedAt.rows;
  }

  /**
   * Average ranks of the scores (for Spearman), from the cached sort, which is dropped: the sort
   * holds about 21 bytes per row, the ranks 8.
   */
  scoreRanks(): Float64Array {
    const ranks = averageRanks(this.rows().scores, this.sorted());
    this.dropSorted();
    return ranks;
  }

  /** Drops the cached sort. */
  dropSorted(): void {
    this.sortedAt = undefined;
  }

  binaryReport(options: Omit<BinaryReportOptions, 'groups'> = {}): BinaryReport {
    return binaryReport(this.rows(), { ...options, groups: this.groups() }, this.sorted());
  }

  /** Metrics of the stored scale; for the original scale, map scores and labels first. */
  regression(map?: (v: number) => number): RegressionMetrics {
    const { scores, labels, weights } = this.rows();
    if (!map) return regressionMetrics({ predictions: scores, labels, weights });
    return regressionMetrics({ predictions: Float64Array.from(scores, map), labels: Float64Array.from(labels, map), weights });
  }
}
