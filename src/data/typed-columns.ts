// A chunk of a typed (columnar) file, as the encoder reads it without building string records:
// numbers stay numbers, and a column is turned into text only where text is what is used (hashed
// categorical values, or string records for --keep, --group-by and statistics).
//
// The text of a value is fixed by docs/data.md ("Parquet"), and everything here must agree with it:
// the encoder's typed path gives exactly the row (or the bad-row reason, column and value) the
// string path gives on the text records (a boolean read as a number, 1 or 0, excepted), which
// test/data/parquet-columns.test.ts checks value by value.

/**
 * A text column as codes: each row's code stands for its value (`value(code)`). Rows with equal codes hold equal values
 * (equal values may have several codes). `used` lists the codes this chunk uses (its first
 * `usedCount` entries, each once); a code's version changes whenever its value does, in this
 * column, so a reader may keep what it derived from a value (a hash bucket) across chunks while
 * the version stays.
 */
export interface Dictionary {
  readonly codes: Int32Array;
  readonly used: Int32Array;
  readonly usedCount: number;
  readonly versions: Int32Array;
  /** The value of a code this chunk uses. */
  value(code: number): string;
}

/** One chunk's columns, in the file's column order. Arrays are reused: valid until the next chunk. */
export interface TypedColumns {
  /** Rows in the chunk. */
  readonly size: number;
  /** Column j as the text of its values ('' for null). */
  text(j: number): readonly string[];
  /** Column j as a dictionary ('' for null): the encoder hashes a value once, not once per row. */
  dictionary(j: number): Dictionary;
  /**
   * Column j as numbers (a null's slot holds any value: see nulls), for columns of numeric types
   * (integers, floats, decimals, booleans as 1/0). A column of another type throws: the type check
   * (checkColumnTypes) keeps them from the encoder's numeric uses.
   */
  numbers(j: number): Float64Array;
  /** 1 where column j is null; null when no value of the chunk is. */
  nulls(j: number): Uint8Array | null;
}

/** The chunk as string records, one array per row (what the CSV reader yields). */
export function recordsOf(cols: TypedColumns, width: number): string[][] {
  const texts: (readonly string[])[] = [];
  for (let j = 0; j < width; j++) texts.push(cols.text(j));
  const records: string[][] = new Array(cols.size);
  for (let i = 0; i < cols.size; i++) {
    const fields: string[] = new Array(width);
    for (let j = 0; j < width; j++) fields[j] = texts[j]![i]!;
    records[i] = fields;
  }
  return records;
}
