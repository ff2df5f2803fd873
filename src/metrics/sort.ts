// Sorting scores fast enough for million-row evaluations: an LSD radix sort on the IEEE-754 bits,
// O(n), instead of Array.sort with a comparator (which calls back into JS per comparison).

const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Row indices ordered by ascending score. Equal scores (with -0 equal to +0, as numpy's diff sees
 * them) end up adjacent; their relative order is the input order. NaN scores sort last; callers
 * check for them first because no metric over them is meaningful.
 */
export function argsortScores(scores: ArrayLike<number>, n = scores.length): Uint32Array {
  const keys = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const s = scores[i]!;
    keys[i] = s === 0 ? 0 : s;
  }
  const words = new Uint32Array(keys.buffer);
  const lo = littleEndian ? 0 : 1;
  const hi = 1 - lo;
  // Map doubles to unsigned 64-bit integers with the same order: flip every bit of negatives,
  // only the sign bit of positives.
  for (let i = 0; i < n; i++) {
    const h = words[2 * i + hi]!;
    if (h & 0x80000000) {
      words[2 * i + hi] = ~h >>> 0;
      words[2 * i + lo] = ~words[2 * i + lo]! >>> 0;
    } else {
      words[2 * i + hi] = (h | 0x80000000) >>> 0;
    }
  }
  let order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  let spare = new Uint32Array(n);
  const counts = new Uint32Array(65536);
  for (let pass = 0; pass < 4; pass++) {
    const word = pass < 2 ? lo : hi;
    const shift = (pass & 1) * 16;
    counts.fill(0);
    for (let i = 0; i < n; i++) counts[(words[2 * i + word]! >>> shift) & 0xffff]++;
    // Scores that came from float32 have 29 zero mantissa bits: whole passes are no-ops.
    if (n === 0 || counts[(words[word]! >>> shift) & 0xffff] === n) continue;
    let sum = 0;
    for (let d = 0; d < 65536; d++) {
      const c = counts[d]!;
      counts[d] = sum;
      sum += c;
    }
    for (let i = 0; i < n; i++) {
      const k = order[i]!;
      spare[counts[(words[2 * k + word]! >>> shift) & 0xffff]!++] = k;
    }
    [order, spare] = [spare, order];
  }
  return order;
}
