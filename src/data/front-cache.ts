// The encoder's per-field memo of hashToBucket. Every value arrives as a fresh string from the
// CSV parser, so a Map lookup must hash the whole string and then pays Map upkeep on every miss
// (measured: slower than no cache at all on high-cardinality fields). Instead a direct-mapped
// table indexed by a few characters and confirmed with === catches the popular values;
// it grows (up to 2^16 slots) while it misses often, so high-cardinality fields get room and
// low-cardinality ones stay small.
import { hashToBucket } from './hash.js';

const MIN_BITS = 12;
const MAX_BITS = 16;
/** Lookups between growth checks, and the miss share that triggers growth. */
const WINDOW = 1 << 16;
const GROW_ABOVE = 0.02;

export class FrontCache {
  private bits = MIN_BITS;
  private shift = 32 - MIN_BITS;
  private keys: (string | undefined)[] = new Array<string | undefined>(1 << MIN_BITS).fill(undefined);
  private values = new Int32Array(1 << MIN_BITS);
  /** The slot's index hash: a mismatch rejects a miss without touching the old key's memory. */
  private tags = new Int32Array(1 << MIN_BITS);
  private lookups = 0;
  private misses = 0;

  constructor(readonly buckets: number) {}

  bucket(s: string): number {
    const n = s.length;
    if (n === 0) return this.buckets; // the reserved empty-value bucket, as hashToBucket
    // Ids differ mostly at their ends: both ends, the middle and the length pick the slot.
    const h =
      n < 2
        ? s.charCodeAt(0)
        : (s.charCodeAt(0) | (s.charCodeAt(1) << 8) | (s.charCodeAt(n - 1) << 16) | (s.charCodeAt(n - 2) << 24)) ^ (s.charCodeAt(n >> 1) << 4) ^ n;
    const i = Math.imul(h, 0x9e3779b1) >>> this.shift;
    if (this.tags[i] === h && this.keys[i] === s) return this.values[i]!;
    this.misses++;
    const b = hashToBucket(s, this.buckets);
    this.keys[i] = s;
    this.tags[i] = h;
    this.values[i] = b;
    return b;
  }

  /** Called after `lookups` more lookups (once per chunk, to keep counting off the hot path). */
  review(lookups: number): void {
    if ((this.lookups += lookups) < WINDOW) return;
    if (this.misses > GROW_ABOVE * this.lookups && this.bits < MAX_BITS) {
      this.bits += 2;
      this.shift = 32 - this.bits;
      this.keys = new Array<string | undefined>(1 << this.bits).fill(undefined);
      this.values = new Int32Array(1 << this.bits);
      this.tags = new Int32Array(1 << this.bits);
    }
    this.lookups = 0;
    this.misses = 0;
  }
}
