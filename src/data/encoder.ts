// The encoder layer: a CSV record becomes one row of typed arrays (bucket ids, transformed
// numerics, labels, weight), or a bad-row reason. No allocation per row on the good path.
//
// A typed file (Parquet) takes another way in, bindColumns + encodeColumns (column-encoder.ts).
import { DataError } from '../errors.js';
import type { BadRowReason } from './bad-rows.js';
import { fitsFloat32, OUTSIDE_FLOAT32, parseBinaryLabel, parseDecimal } from './decimal.js';
import { type FeatureSpec, missingNumericStats, type NumericSpec, transformLabel } from './feature-spec.js';
import { Bucketizer } from './bucketize.js';
import { numericRangeDetail, regressionLabelProblem, storedNumeric } from './stored-values.js';
import { ColumnEncoder } from './column-encoder.js';
import type { ColumnIndex, RowTarget } from './row-target.js';
import { FrontCache } from './front-cache.js';
import type { TypedColumns } from './typed-columns.js';
import type { Task } from '../config/schema.js';

export type { ColumnIndex, RowTarget };

export interface EncoderOptions {
  /** Read and check label columns (default true). Predict passes false: labels become NaN. */
  labels?: boolean;
}

/** Encodes rows for one feature spec; its bucket caches are shared by every file read. */
export class Encoder {
  readonly nCat: number;
  readonly nNum: number;
  readonly nTasks: number;
  readonly weighted: boolean;
  /** Per-field bucket caches (hashed fields) or bucketizers (fields with boundaries), shared by every file read. */
  readonly fronts: (FrontCache | Bucketizer)[];
  readonly withLabels: boolean;

  constructor(
    readonly spec: FeatureSpec,
    opts: EncoderOptions = {},
  ) {
    const unresolved = missingNumericStats(spec);
    if (unresolved.length > 0)
      throw new Error(`numeric statistics not resolved for ${unresolved.map((n) => n.name).join(', ')}: compute them first (computeNumericStats)`);
    this.nCat = spec.categorical.length;
    this.nNum = spec.numeric.length;
    this.nTasks = spec.tasks.length;
    this.weighted = spec.rowWeight !== undefined;
    this.withLabels = opts.labels ?? true;
    this.fronts = spec.categorical.map((c) => (c.boundaries ? new Bucketizer(c.boundaries) : new FrontCache(c.buckets)));
  }

  /** Lets the bucket caches resize after `rows` more rows (call once per chunk, not per row). */
  reviewCaches(rows: number): void {
    for (const f of this.fronts) f.review(rows);
  }

  /** Columns this encoder reads, with what each is for (used in messages); a column feeding two features is listed twice. */
  columns(): { name: string; role: string }[] {
    const feature = (f: { name: string; column: string }, kind: string) => ({ name: f.column, role: f.column === f.name ? `${kind} feature` : `${kind} feature '${f.name}'` });
    return [
      ...this.spec.categorical.map((c) => feature(c, c.boundaries ? 'bucketized' : 'categorical')),
      ...this.spec.numeric.map((n) => feature(n, 'numeric')),
      ...(this.withLabels ? this.spec.tasks.map((t) => ({ name: t.label, role: `label of task ${t.name}` })) : []),
      ...(this.weighted ? [{ name: this.spec.rowWeight!, role: 'row weight' }] : []),
    ];
  }

  /** Binds column positions for one file's header; a missing column is a structural error. */
  forFile(file: string, header: string[]): FileEncoder {
    const index = (name: string): number => header.indexOf(name);
    const missing = this.columns().filter((c, i, all) => index(c.name) < 0 && all.findIndex((d) => d.name === c.name) === i);
    if (missing.length > 0)
      throw new DataError(
        `missing column${missing.length > 1 ? 's' : ''} ${missing.map((c) => `'${c.name}' (${c.role})`).join(', ')}; ` +
          `the header has: ${header.join(', ')}. Fix the file or the config`,
        { file, line: 1, column: missing[0]!.name },
      );
    const dup = this.columns().find((c) => header.lastIndexOf(c.name) !== index(c.name));
    if (dup) throw new DataError(`column '${dup.name}' appears twice in the header; keep one`, { file, line: 1, column: dup.name });
    return new FileEncoder(this, header.length, {
      cat: this.spec.categorical.map((c) => index(c.column)),
      num: this.spec.numeric.map((n) => index(n.column)),
      labels: this.withLabels ? this.spec.tasks.map((t) => index(t.label)) : [],
      weight: this.weighted ? index(this.spec.rowWeight!) : -1,
    });
  }
}

function isBlank(s: string): boolean {
  return s.length === 0 || s.trim() === '';
}

export class FileEncoder {
  /** Details of the last bad row (valid until the next encode call). */
  badColumn = '';
  badValue = '';
  badDetail = '';
  private readonly fronts: (FrontCache | Bucketizer)[];
  private readonly numeric: NumericSpec[];
  private readonly tasks: Task[];
  private readonly binary: boolean[];
  private typed: ColumnEncoder | null = null;

  constructor(
    private readonly enc: Encoder,
    readonly fieldCount: number,
    private readonly col: ColumnIndex,
  ) {
    this.fronts = enc.fronts;
    this.numeric = enc.spec.numeric;
    this.tasks = enc.spec.tasks;
    this.binary = this.tasks.map((t) => t.type === 'binary');
  }

  private bad(reason: BadRowReason, column: string, value: string, detail = ''): BadRowReason {
    this.badColumn = column;
    this.badValue = value;
    this.badDetail = detail;
    return reason;
  }

  /** Writes row `row` of `t`; returns null, or the reason the row is bad (target left partly written). */
  encode(fields: string[], t: RowTarget, row: number): BadRowReason | null {
    if (fields.length !== this.fieldCount)
      return this.bad('field_count', '', '', `expected ${this.fieldCount} fields as in the header, got ${fields.length}`);
    const { cat: catCols, num: numCols, labels: labelCols } = this.col;
    const nCat = catCols.length;
    const catBase = row * nCat;
    for (let i = 0; i < nCat; i++) {
      const s = fields[catCols[i]!]!;
      const b = this.fronts[i]!.bucket(s);
      // Only a bucketized field refuses a value (one that is not a number).
      if (b < 0) return this.bad('numeric_unparsable', this.enc.spec.categorical[i]!.column, s, `bucketized feature '${this.enc.spec.categorical[i]!.name}'`);
      t.cat[catBase + i] = b;
    }

    const nNum = numCols.length;
    const numBase = row * nNum;
    const raw = t.raw ?? null;
    for (let i = 0; i < nNum; i++) {
      const n = this.numeric[i]!;
      const s = fields[numCols[i]!]!;
      let x = parseDecimal(s);
      if (x !== x) {
        if (n.fillEmpty === undefined || !isBlank(s))
          return this.bad('numeric_unparsable', n.column, s, isBlank(s) ? 'empty and the feature has no fillEmpty' : '');
        x = n.fillEmpty;
      }
      const v = storedNumeric(n, x);
      if (v !== v) return this.bad('numeric_out_of_range', n.name, s, numericRangeDetail(n, x));
      if (raw !== null) raw[numBase + i] = x;
      t.num[numBase + i] = v;
    }

    const nTasks = this.enc.nTasks;
    const labelBase = row * nTasks;
    if (labelCols.length === 0) for (let i = 0; i < nTasks; i++) t.labels[labelBase + i] = Number.NaN;
    for (let i = 0; i < labelCols.length; i++) {
      const s = fields[labelCols[i]!]!;
      if (this.binary[i]) {
        const y = parseBinaryLabel(s);
        if (y !== 0 && y !== 1) return this.bad('label_not_binary', this.tasks[i]!.label, s);
        t.labels[labelBase + i] = y;
      } else {
        const y = parseDecimal(s);
        if (y !== y) return this.bad('label_not_number', this.tasks[i]!.label, s);
        const problem = regressionLabelProblem(this.tasks[i]!, y);
        if (problem !== null) return this.bad(problem[0], this.tasks[i]!.label, s, problem[1]);
        t.labels[labelBase + i] = transformLabel(this.tasks[i]!, y);
      }
    }

    if (this.col.weight >= 0 && t.weights !== null) {
      const s = fields[this.col.weight]!;
      const w = parseDecimal(s);
      if (!(w >= 0)) return this.bad('weight_invalid', this.enc.spec.rowWeight!, s);
      if (!fitsFloat32(w)) return this.bad('weight_invalid', this.enc.spec.rowWeight!, s, OUTSIDE_FLOAT32);
      t.weights[row] = w;
    }
    return null;
  }

  /** Binds one chunk of a typed file (columns in header order); encodeColumns then reads its rows. */
  bindColumns(cols: TypedColumns): void {
    this.typed ??= new ColumnEncoder(this.enc.spec, this.fronts, this.col, (reason, column, value, detail) => this.bad(reason, column, value, detail));
    this.typed.bind(cols);
  }

  /** encode() for row r of the bound typed chunk: the same row, or the same bad-row reason, column and value. */
  encodeColumns(r: number, t: RowTarget, row: number): BadRowReason | null {
    return this.typed!.encode(r, t, row);
  }
}
