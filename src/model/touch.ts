// Touch loops for huge tables: with tables of gigabytes every row visited is a TLB and cache
// miss. A loop that only reads one float per cache line of each row is light enough for the CPU
// to overlap dozens of those misses; the copy or update that follows then hits cache. In throwaway
// micro-benchmarks at 10^6 buckets the gather ran 3x and the lazy Adam update 1.7x faster;
// docs/benchmarks.md has the effect on the whole step. Every line of a record counts: an Adam
// record of dim 16 is three lines, and touching its first and last only was slower than no touch.

/** Keeps the touch loops' reads observable, so no compiler drops them. */
export let touchSink = 0;

/** Floats per 64-byte cache line. */
const LINE = 16;

/**
 * Reads one float of every cache line of floats [0, last] of the records of rows
 * `ids[first + i * step]`, i < n, in a table of records `stride` floats long.
 */
export function touchRows(store: Float32Array, stride: number, last: number, ids: Int32Array, first: number, step: number, n: number): void {
  let s = 0;
  if (last < LINE) {
    for (let i = 0; i < n; i++) {
      const at = ids[first + i * step] * stride;
      s += store[at] + store[at + last];
    }
  } else {
    for (let i = 0; i < n; i++) {
      const at = ids[first + i * step] * stride;
      for (let o = 0; o < last; o += LINE) s += store[at + o];
      s += store[at + last];
    }
  }
  touchSink += s;
}
