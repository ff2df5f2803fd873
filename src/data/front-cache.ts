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
  private mask = (1 << MIN_BITS) - 1;
  private keys: (string | undefined)[] = new Array<string | undefined>(1 << MIN_BITS).fill(undefined);
  private values = new Int32Array(1 << MIN_BITS);
  private lookups = 0;
  private misses = 0;

  constructor(readonly buckets: number) {}

  bucket(s: string): number {
    const n = s.length;
    if (n === 0) return this.buckets; // the reserved empty-value bucket, as hashToBucket
    // Mix the length and characters at both ends and the middle: ids differ mostly at the ends.
    let h = Math.imul(n, 0x9e3779b1) ^ s.charCodeAt(0) ^ (s.charCodeAt(n - 1) << 5) ^ (s.charCodeAt(n >> 1) << 10);
    if (n > 2) h ^= (s.charCodeAt(1) << 15) ^ (s.charCodeAt(n - 2) << 20);
    h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d);
    const i = (h ^ (h >>> 13)) & this.mask;
    if (++this.lookups === WINDOW) this.review();
    if (this.keys[i] === s) return this.values[i]!;
    this.misses++;
    const b = hashToBucket(s, this.buckets);
    this.keys[i] = s;
    this.values[i] = b;
    return b;
  }

  private review(): void {
    if (this.misses > GROW_ABOVE * WINDOW && this.bits < MAX_BITS) {
      this.bits += 2;
      this.mask = (1 << this.bits) - 1;
      this.keys = new Array<string | undefined>(1 << this.bits).fill(undefined);
      this.values = new Int32Array(1 << this.bits);
    }
    this.lookups = 0;
    this.misses = 0;
  }
}
