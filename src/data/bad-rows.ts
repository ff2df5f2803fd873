// The bad-row policy: rows that cannot be used are counted by reason, a few kept as examples, and
// skipped, until their share of the rows read passes maxBadRows; then the read fails (exit 3).
import type { Logger } from '../logger.js';
import { DataError, formatLocation } from '../errors.js';

export const BAD_ROW_REASONS = {
  field_count: 'wrong number of fields',
  label_not_binary: 'binary label is not 0 or 1',
  label_not_number: 'regression label is not a number that float32 holds',
  label_out_of_range: "regression label is negative but the task's labelTransform is log1p",
  numeric_unparsable: 'numeric value does not parse (empty without fillEmpty, or not a number)',
  numeric_out_of_range: "numeric value is outside float32's range, as read or after its transform",
  weight_invalid: 'row weight is not a non-negative number that float32 holds',
} as const;

export type BadRowReason = keyof typeof BAD_ROW_REASONS;

/** Default share of bad rows tolerated (--max-bad-rows). */
export const DEFAULT_MAX_BAD_ROWS = 0.001;

export interface BadRowExample {
  file: string;
  line: number;
  column?: string;
  value?: string;
  detail?: string;
}

export interface BadRowSummary {
  total: number;
  byReason: Partial<Record<BadRowReason, { count: number; description: string; examples: BadRowExample[] }>>;
}

export class BadRowTally {
  total = 0;
  private readonly counts = new Map<BadRowReason, { count: number; examples: BadRowExample[] }>();

  constructor(
    private readonly logger?: Logger,
    private readonly examplesPerReason = 5,
  ) {}

  /** Counts one bad row; the example is built only when it will be kept (cheap on bad floods). */
  add(reason: BadRowReason, example: () => BadRowExample): void {
    this.total++;
    let c = this.counts.get(reason);
    if (!c) this.counts.set(reason, (c = { count: 0, examples: [] }));
    c.count++;
    if (c.examples.length < this.examplesPerReason) {
      const ex = example();
      c.examples.push(ex);
      this.logger?.warn({ reason, ...ex }, `bad row skipped (${BAD_ROW_REASONS[reason]}): ${formatLocation(ex)}`);
    }
  }

  count(reason: BadRowReason): number {
    return this.counts.get(reason)?.count ?? 0;
  }

  summary(): BadRowSummary {
    const byReason: BadRowSummary['byReason'] = {};
    for (const reason of Object.keys(BAD_ROW_REASONS) as BadRowReason[]) {
      const c = this.counts.get(reason);
      if (c) byReason[reason] = { count: c.count, description: BAD_ROW_REASONS[reason], examples: [...c.examples] };
    }
    return { total: this.total, byReason };
  }

  /** Fails when bad rows exceed `maxRatio` of the rows read: names the counts and the first example. */
  check(rowsRead: number, maxRatio: number): void {
    if (this.total === 0 || this.total <= maxRatio * rowsRead) return;
    const s = this.summary();
    const counts = Object.entries(s.byReason)
      .map(([r, c]) => `${r}: ${c.count}`)
      .join(', ');
    const first = Object.entries(s.byReason)[0]!;
    const ex = first[1].examples[0]!;
    throw new DataError(
      `too many bad rows: ${this.total} of ${rowsRead} rows read (${((100 * this.total) / Math.max(rowsRead, 1)).toFixed(3)}%) ` +
        `exceed --max-bad-rows ${maxRatio} (${counts}). First ${first[0]}: ${formatLocation(ex)}${ex.detail ? ` (${ex.detail})` : ''}. ` +
        `Fix the input or raise --max-bad-rows`,
    );
  }
}
