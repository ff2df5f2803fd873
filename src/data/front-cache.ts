// The encoder's per-field memo of hashToBucket. Every value arrives as a fresh string from the
// CSV parser, so a Map lookup must hash the whole string and then pays Map upkeep on every miss
// (measured: slower than no cache at all on high-cardinality fields). Instead a direct-mapped
// table indexed by a few characters and confirmed with === catches the popular values. It is
// small by default (256 slots, cache-resident) and grows only where growing pays (see review).
import { bucketHasher } from './hash.js';

const MIN_BITS = 8;
const MAX_BITS = 14;
/** Lookups between growth checks, and the miss share that triggers growth. */
const WINDOW = 1 << 14;
const GROW_ABOVE = 0.3;

export class FrontCache {
  private bits = MIN_BITS;
  private shift = 32 - MIN_BITS;
  private keys: (string | undefined)[] = new Array<string | undefined>(1 << MIN_BITS).fill(undefined);
  /**
   * Per slot [tag, bucket]: the tag (the value's index hash) rejects most misses without touching
   * the old key's memory, and sits on the same cache line as the bucket it guards.
   */
  private slots = new Int32Array(2 << MIN_BITS);
  private lookups = 0;
  private misses = 0;
  /** Miss rate of the window before the last growth, or -1 when not judging a growth. */
  private rateBeforeGrowth = -1;
  /** Set once a growth did not pay: the size is final. */
  private settled = false;

  /** The field's bucket function (hash.ts), its BigInt modulus made once, not per miss. */
  private readonly hash: (value: string) => number;

  constructor(readonly buckets: number) {
    this.hash = bucketHasher(buckets);
  }

  bucket(s: string): number {
    const n = s.length;
    if (n === 0) return this.buckets; // the reserved empty-value bucket, as hashToBucket
    // Ids differ mostly at their ends: both ends, the middle and the length pick the slot.
    const h =
      n < 2
        ? s.charCodeAt(0)
        : (s.charCodeAt(0) | (s.charCodeAt(1) << 8) | (s.charCodeAt(n - 1) << 16) | (s.charCodeAt(n - 2) << 24)) ^ (s.charCodeAt(n >> 1) << 4) ^ n;
    const i = Math.imul(h, 0x9e3779b1) >>> this.shift;
    if (this.slots[2 * i] === h && this.keys[i] === s) return this.slots[2 * i + 1]!;
    this.misses++;
    const b = this.hash(s);
    this.keys[i] = s;
    this.slots[2 * i] = h;
    this.slots[2 * i + 1] = b;
    return b;
  }

  /**
   * Called after `lookups` more lookups (once per chunk, keeping counting off the hot path).
   * A table grows while it misses on more than 30% of lookups, but only keeps a growth that pays:
   * a bigger table is slower to probe (measured on generated CTR data: 256 slots beat 4096 and
   * more on every field, even ids with thousands of values), so unless growing halves the miss
   * rate it shrinks back and stays.
   */
  review(lookups: number): void {
    if ((this.lookups += lookups) < WINDOW) return;
    const rate = this.misses / this.lookups;
    if (this.rateBeforeGrowth >= 0) {
      if (rate > this.rateBeforeGrowth * 0.5) {
        this.resize(this.bits - 2);
        this.settled = true;
      }
      this.rateBeforeGrowth = -1;
    } else if (!this.settled && rate > GROW_ABOVE && this.bits < MAX_BITS) {
      this.rateBeforeGrowth = rate;
      this.resize(this.bits + 2);
    }
    this.lookups = 0;
    this.misses = 0;
  }

  private resize(bits: number): void {
    this.bits = bits;
    this.shift = 32 - bits;
    this.keys = new Array<string | undefined>(1 << bits).fill(undefined);
    this.slots = new Int32Array(2 << bits);
  }
}
