// The number a 32-bit float stands for in a CSV export: Spark (Float.toString), DuckDB, Arrow and
// TensorFlow's as_string write a FLOAT as a short decimal that reads back to the same float32
// ('0.1', not the widened double's '0.10000000149011612'). That text, parsed as the CSV path
// parses it, is the value a Parquet FLOAT column gives the encoder, so a transform or a bucket
// boundary sees 0.7 where a CSV export of the same table says 0.7 (widened, 0.699999988 falls
// below a boundary at 0.7).

/** 10^k, exact as doubles for 0 <= k <= 22. */
const TEN = Array.from({ length: 23 }, (_, k) => Number(`1e${k}`));

/**
 * The double nearest c * 10^-k: in exact arithmetic where 10^|k| is an exact double (c and 10^k
 * exact, one correctly rounded division or product, as parsing the text gives it), else parsed.
 */
function decimal(c: number, k: number): number {
  return k >= 0 && k <= 22 ? c / TEN[k]! : k < 0 && k >= -22 ? c * TEN[-k]! : Number(`${c}e${-k}`);
}

/**
 * Of the p-digit decimals c * 10^-k, c from m-1 to m+1 (m the nearest to x), the value of the one
 * nearest x that reads back to the float32 x (ties: the even c, as Ryu and Java's Float.toString
 * print), or NaN. The nearest may miss where x's rounding interval is lopsided (x a power of two)
 * while its neighbour on the other side fits, so all three are tried, and 99..9 one decade down
 * when m is 10^(p-1).
 */
function withDigits(x: number, p: number, m: number, k: number): number {
  let best = Number.NaN;
  let err = Infinity;
  let bestC = 0;
  for (let c = m - 1; c <= m + 1; c++) {
    const v = decimal(c, k);
    if (c <= 0 || Math.fround(v) !== x) continue;
    const d = Math.abs(v - x);
    if (d < err || (d === err && (bestC & 1) === 1)) {
      best = v;
      err = d;
      bestC = c;
    }
  }
  if (best === best || m !== 10 ** (p - 1)) return best;
  const below = decimal(10 ** p - 1, k + 1);
  return Math.fround(below) === x ? below : Number.NaN;
}

/** withDigits() for x > 0 with the p-digit decimal nearest x found by arithmetic or, outside 1e-13..1e22, by its text. */
function digits(x: number, p: number, e: number | null): number {
  if (e !== null) {
    const k = p - 1 - e; // c * 10^-k has p digits
    return withDigits(x, p, Math.round(k >= 0 ? x * TEN[k]! : x / TEN[-k]!), k);
  }
  const s = x.toExponential(p - 1); // d.ddde±k
  const i = s.indexOf('e');
  return withDigits(x, p, Number(s.slice(0, i).replace('.', '')), p - 1 - Number(s.slice(i + 1)));
}

/**
 * The value of the shortest decimal text of the float32 x (x must be a float32 value: an element
 * of a Float32Array), ties between equally short texts going to the one nearest x, as Ryu and
 * Java's Float.toString print it. NaN, infinities and zeros are returned as they are.
 */
export function float32Value(x: number): number {
  if (x === 0 || x - x !== 0) return x;
  const ax = Math.abs(x);
  // ax's decade, 10^e <= ax < 10^(e+1), where every 10^k the arithmetic needs is exact.
  let e: number | null = Math.floor(Math.log10(ax));
  if (e < -13 || e > 13) e = null;
  else if (e >= 0 ? ax < TEN[e]! : ax * TEN[-e]! < 1) e--;
  else if (e + 1 >= 0 ? ax >= TEN[e + 1]! : ax * TEN[-e - 1]! >= 1) e++;
  // Fewer digits never fit where more do not: search the count; 9 digits always fit a float32.
  let lo = 1;
  let hi = 9;
  let v = Number.NaN;
  while (lo < hi) {
    const p = (lo + hi) >> 1;
    const w = digits(ax, p, e);
    if (w === w) {
      v = w;
      hi = p;
    } else lo = p + 1;
  }
  if (v !== v) v = digits(ax, 9, e);
  if (v !== v) return x;
  return x < 0 ? -v : v;
}

const SLOTS = 4096;

/** float32Value() through a direct-mapped cache keyed by the float's bits: values repeat. */
export class Float32Values {
  private readonly bits = new Int32Array(SLOTS);
  private readonly values = new Float64Array(SLOTS).fill(Number.NaN);
  private readonly one = new Float32Array(1);
  private readonly oneBits = new Int32Array(this.one.buffer);

  value(x: number): number {
    this.one[0] = x;
    const b = this.oneBits[0]!;
    const h = Math.imul(b ^ (b >>> 15), 0x2c1b3c6d) >>> 20; // 12 bits: SLOTS
    if (this.bits[h] === b && this.values[h] === this.values[h]) return this.values[h]!;
    const v = float32Value(this.one[0]!);
    this.bits[h] = b;
    this.values[h] = v;
    return v;
  }
}
