// What a row stores for a value that read as a number: the checks and transforms shared by the
// text encoder (encoder.ts) and the typed-column encoder (column-encoder.ts), so that a CSV and a
// Parquet export of the same table give the same rows and the same bad rows.
import type { Task } from '../config/schema.js';
import type { BadRowReason } from './bad-rows.js';
import { fitsFloat32, OUTSIDE_FLOAT32 } from './decimal.js';
import { type NumericSpec, transformNumeric } from './feature-spec.js';

/**
 * The model input of numeric feature `n` read as the number x: its transform, or NaN when x or
 * its transform does not fit float32 (a numeric_out_of_range row: numericRangeDetail says which).
 */
export function storedNumeric(n: NumericSpec, x: number): number {
  if (!fitsFloat32(x)) return Number.NaN;
  const v = transformNumeric(n, x);
  return fitsFloat32(v) ? v : Number.NaN;
}

/** Why storedNumeric(n, x) is NaN: the detail of its numeric_out_of_range row. */
export function numericRangeDetail(n: NumericSpec, x: number): string {
  return fitsFloat32(x) ? `its ${n.transform} transform gives ${transformNumeric(n, x)}, ${OUTSIDE_FLOAT32}` : OUTSIDE_FLOAT32;
}

const BEYOND_FLOAT32: readonly [BadRowReason, string] = ['label_not_number', OUTSIDE_FLOAT32];
const NEGATIVE_LOG1P: readonly [BadRowReason, string] = ['label_out_of_range', 'negative label, labelTransform log1p'];

/** Why a regression label that read as the number y cannot be stored, as [reason, detail], or null. */
export function regressionLabelProblem(task: Task, y: number): readonly [BadRowReason, string] | null {
  if (!fitsFloat32(y)) return BEYOND_FLOAT32;
  return y < 0 && task.labelTransform === 'log1p' ? NEGATIVE_LOG1P : null;
}
