// Small helpers the bench scripts share for summarising and printing their measurements.

/**
 * Median of the values: the mean of the two middle values for an even count (taking the upper one,
 * as this did before, reported the better of two rounds' differences as their median); NaN for none.
 */
export function median(xs: number[]): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 === 1 ? s[h]! : (s[h - 1]! + s[h]!) / 2;
}

/** A rate or count rounded and grouped by thousands: 123,456. */
export const fmt = (x: number): string => Math.round(x).toLocaleString('en-US');
