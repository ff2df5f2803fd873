// Strict decimal numbers for CSV cells: `+s` alone also takes hex (`0x10`), binary and octal
// literals and `Infinity`, which in a data file are typos or foreign encodings, not numbers.

const SPACE = 32;
const TAB = 9;
const PLUS = 43;
const MINUS = 45;
const DOT = 46;
const ZERO = 48;
const NINE = 57;

/** Index after the digits starting at i. */
function skipDigits(s: string, i: number, end: number): number {
  for (let c = 0; i < end && (c = s.charCodeAt(i)) >= ZERO && c <= NINE; i++);
  return i;
}

/**
 * The value of a decimal number: optional sign, digits with an optional fraction (`1`, `-2.5`,
 * `.5`, `5.`), optional exponent (`1e-3`), spaces or tabs around. NaN for anything else: empty,
 * `0x10`, `Infinity`, `NaN`, `1,5`, and values that overflow to infinity (`1e999`).
 */
export function parseDecimal(s: string): number {
  let i = 0;
  let end = s.length;
  while (i < end && (s.charCodeAt(i) === SPACE || s.charCodeAt(i) === TAB)) i++;
  while (end > i && (s.charCodeAt(end - 1) === SPACE || s.charCodeAt(end - 1) === TAB)) end--;
  if (i < end && (s.charCodeAt(i) === PLUS || s.charCodeAt(i) === MINUS)) i++;
  const intEnd = skipDigits(s, i, end);
  let digits = intEnd - i;
  i = intEnd;
  if (i < end && s.charCodeAt(i) === DOT) {
    const fracEnd = skipDigits(s, i + 1, end);
    digits += fracEnd - i - 1;
    i = fracEnd;
  }
  if (digits === 0) return Number.NaN;
  if (i < end && (s.charCodeAt(i) | 0x20) === 101 /* e or E */) {
    i++;
    if (i < end && (s.charCodeAt(i) === PLUS || s.charCodeAt(i) === MINUS)) i++;
    const expEnd = skipDigits(s, i, end);
    if (expEnd === i) return Number.NaN;
    i = expEnd;
  }
  if (i !== end) return Number.NaN;
  const x = +s;
  return x - x === 0 ? x : Number.NaN; // rejects +-Infinity from overflow
}

/**
 * True when x survives the conversion to float32, the type the model computes in: 1e300 is a
 * finite double but Infinity as float32 (and then NaN scores). Values that round to the largest
 * float32 are in range; the test is the conversion itself, not a bound.
 */
export function fitsFloat32(x: number): boolean {
  const f = Math.fround(x);
  return f - f === 0;
}

/** Said of a bad value that does not fit float32. */
export const OUTSIDE_FLOAT32 = "outside float32's range (about +-3.4e38)";

/** The plain spellings of a binary label: no sign, exponent or leading dot ('+1', '1e0', '-0', '.0'). */
const BINARY_LABEL = /^[ \t]*([01])(?:\.0*)?[ \t]*$/;

/** A binary label: `0` or `1`, also written with a zero fraction (`1.0`, `0.00`); else NaN. */
export function parseBinaryLabel(s: string): number {
  if (s === '0') return 0;
  if (s === '1') return 1;
  const m = BINARY_LABEL.exec(s);
  return m === null ? Number.NaN : m[1] === '1' ? 1 : 0;
}
