// Small helpers the bench scripts share for summarising and printing their measurements.

/** Median of the values (the upper one of the two middle values for an even count). */
export const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** A rate or count rounded and grouped by thousands: 123,456. */
export const fmt = (x: number): string => Math.round(x).toLocaleString('en-US');
