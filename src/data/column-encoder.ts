// The encoder's way in for typed files (Parquet): a chunk's columns (typed-columns.ts) become the
// rows FileEncoder.encode() makes from text, without the text. Numbers are read as numbers; a hashed
// field's values come through the chunk's dictionary of its column, each code's bucket kept across
// chunks while its value stays, so a value is hashed once per file rather than once per row. The
// row, or the bad-row reason, column and value, equal encode()'s on the row's text (but a boolean
// read as a number is 1 or 0, where the text true/false would be a bad row: docs/data.md): checked
// value by value for every type in test/data/parquet-columns.test.ts.
import type { BadRowReason } from './bad-rows.js';
import { fitsFloat32, OUTSIDE_FLOAT32 } from './decimal.js';
import type { Bucketizer } from './bucketize.js';
import { type FeatureSpec, type NumericSpec, transformLabel } from './feature-spec.js';
import { FrontCache } from './front-cache.js';
import { numericRangeDetail, regressionLabelProblem, storedNumeric } from './stored-values.js';
import type { ColumnIndex, RowTarget } from './row-target.js';
import type { TypedColumns } from './typed-columns.js';
import type { Task } from '../config/schema.js';

/** Records a bad row's reason, column, value and detail where the caller reads them; returns the reason. */
export type BadRowReport = (reason: BadRowReason, column: string, value: string, detail: string) => BadRowReason;

const EMPTY = new Float64Array(0);

export class ColumnEncoder {
  private readonly numeric: NumericSpec[];
  private readonly tasks: Task[];
  private readonly binary: boolean[];
  private cols: TypedColumns | null = null;
  /** Per hashed field: each row's code in the chunk's dictionary of its column, and each code's bucket and the version it was hashed at. */
  private readonly catCodes: (Int32Array | null)[];
  private readonly catBuckets: Int32Array[];
  private readonly catVersions: Int32Array[];
  /** Per bucketized field, numeric feature, label and the weight: numbers and nulls. */
  private readonly catNum: (Float64Array | null)[];
  private readonly catNull: (Uint8Array | null)[];
  private readonly numVal: Float64Array[];
  private readonly numNull: (Uint8Array | null)[];
  private readonly labelVal: Float64Array[];
  private readonly labelNull: (Uint8Array | null)[];
  private weightVal: Float64Array | null = null;
  private weightNull: Uint8Array | null = null;

  /** `fronts`: the encoder's per-field bucketing, shared with its text path (one cache per field). */
  constructor(
    private readonly spec: FeatureSpec,
    private readonly fronts: (FrontCache | Bucketizer)[],
    private readonly col: ColumnIndex,
    private readonly report: BadRowReport,
  ) {
    this.numeric = spec.numeric;
    this.tasks = spec.tasks;
    this.binary = this.tasks.map((t) => t.type === 'binary');
    this.catCodes = col.cat.map(() => null);
    this.catBuckets = col.cat.map(() => new Int32Array(0));
    this.catVersions = col.cat.map(() => new Int32Array(0));
    this.catNum = col.cat.map(() => null);
    this.catNull = col.cat.map(() => null);
    this.numVal = col.num.map(() => EMPTY);
    this.numNull = col.num.map(() => null);
    this.labelVal = col.labels.map(() => EMPTY);
    this.labelNull = col.labels.map(() => null);
  }

  /** Binds one chunk (columns in header order); encode() then reads its rows. */
  bind(cols: TypedColumns): void {
    this.cols = cols;
    const { cat, num, labels, weight } = this.col;
    for (let i = 0; i < cat.length; i++) {
      const front = this.fronts[i]!;
      if (front instanceof FrontCache) {
        // Each code's bucket, kept across chunks while the code's value stays (its version).
        const dict = cols.dictionary(cat[i]!);
        const { codes, used, usedCount, versions } = dict;
        if (this.catBuckets[i]!.length < versions.length) {
          this.catBuckets[i] = new Int32Array(versions.length);
          this.catVersions[i] = new Int32Array(versions.length);
        }
        const buckets = this.catBuckets[i]!;
        const known = this.catVersions[i]!;
        for (let u = 0; u < usedCount; u++) {
          const c = used[u]!;
          if (known[c] === versions[c]) continue;
          buckets[c] = front.bucket(dict.value(c));
          known[c] = versions[c]!;
        }
        this.catCodes[i] = codes;
      } else {
        this.catCodes[i] = null;
        this.catNum[i] = cols.numbers(cat[i]!);
        this.catNull[i] = cols.nulls(cat[i]!);
      }
    }
    for (let i = 0; i < num.length; i++) {
      this.numVal[i] = cols.numbers(num[i]!);
      this.numNull[i] = cols.nulls(num[i]!);
    }
    for (let i = 0; i < labels.length; i++) {
      this.labelVal[i] = cols.numbers(labels[i]!);
      this.labelNull[i] = cols.nulls(labels[i]!);
    }
    this.weightVal = weight >= 0 ? cols.numbers(weight) : null;
    this.weightNull = weight >= 0 ? cols.nulls(weight) : null;
  }

  /** The text of row r of column j of the bound chunk (bad-row messages). */
  private cell(j: number, r: number): string {
    return this.cols!.text(j)[r]!;
  }

  /**
   * Row r of the bound chunk into row `row` of t, or the reason it is bad. A null is the empty
   * cell; a number is the value its text parses to (-0 reads as 0, its text being '0'), and a NaN
   * or infinity is not a number.
   */
  encode(r: number, t: RowTarget, row: number): BadRowReason | null {
    const { cat: catCols, num: numCols, labels: labelCols } = this.col;
    const nCat = catCols.length;
    const catBase = row * nCat;
    for (let i = 0; i < nCat; i++) {
      const codes = this.catCodes[i];
      let b: number;
      if (codes !== null) b = this.catBuckets[i]![codes[r]!]!;
      else {
        const nulls = this.catNull[i]!;
        b = (this.fronts[i] as Bucketizer).bucketNumber(this.catNum[i]![r]!, nulls !== null && nulls[r] === 1);
        if (b < 0) return this.report('numeric_unparsable', this.spec.categorical[i]!.column, this.cell(catCols[i]!, r), `bucketized feature '${this.spec.categorical[i]!.name}'`);
      }
      t.cat[catBase + i] = b;
    }

    const nNum = numCols.length;
    const numBase = row * nNum;
    const raw = t.raw ?? null;
    for (let i = 0; i < nNum; i++) {
      const n = this.numeric[i]!;
      const nulls = this.numNull[i]!;
      const missing = nulls !== null && nulls[r] === 1;
      let x: number;
      if (missing) {
        if (n.fillEmpty === undefined) return this.report('numeric_unparsable', n.column, '', 'empty and the feature has no fillEmpty');
        x = n.fillEmpty;
      } else {
        x = this.numVal[i]![r]! + 0;
        if (x - x !== 0) return this.report('numeric_unparsable', n.column, this.cell(numCols[i]!, r), '');
      }
      const v = storedNumeric(n, x);
      if (v !== v) return this.report('numeric_out_of_range', n.name, missing ? '' : this.cell(numCols[i]!, r), numericRangeDetail(n, x));
      if (raw !== null) raw[numBase + i] = x;
      t.num[numBase + i] = v;
    }

    const nTasks = this.spec.tasks.length;
    const labelBase = row * nTasks;
    if (labelCols.length === 0) for (let i = 0; i < nTasks; i++) t.labels[labelBase + i] = Number.NaN;
    for (let i = 0; i < labelCols.length; i++) {
      const nulls = this.labelNull[i]!;
      const missing = nulls !== null && nulls[r] === 1;
      const y = missing ? Number.NaN : this.labelVal[i]![r]! + 0;
      if (this.binary[i]) {
        if (y !== 0 && y !== 1) return this.report('label_not_binary', this.tasks[i]!.label, missing ? '' : this.cell(labelCols[i]!, r), '');
        t.labels[labelBase + i] = y;
      } else {
        if (y - y !== 0) return this.report('label_not_number', this.tasks[i]!.label, missing ? '' : this.cell(labelCols[i]!, r), '');
        const problem = regressionLabelProblem(this.tasks[i]!, y);
        if (problem !== null) return this.report(problem[0], this.tasks[i]!.label, this.cell(labelCols[i]!, r), problem[1]);
        t.labels[labelBase + i] = transformLabel(this.tasks[i]!, y);
      }
    }

    if (this.weightVal !== null && t.weights !== null) {
      const nulls = this.weightNull;
      const missing = nulls !== null && nulls[r] === 1;
      const w = missing ? Number.NaN : this.weightVal[r]! + 0;
      if (!(w >= 0 && w - w === 0)) return this.report('weight_invalid', this.spec.rowWeight!, missing ? '' : this.cell(this.col.weight, r), '');
      if (!fitsFloat32(w)) return this.report('weight_invalid', this.spec.rowWeight!, this.cell(this.col.weight, r), OUTSIDE_FLOAT32);
      t.weights[row] = w;
    }
    return null;
  }
}
