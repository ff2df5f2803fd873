// Counting distinct raw values in bounded memory: exact up to a cap, then a HyperLogLog estimate
// (seeded with every value seen so far, so the estimate covers the whole stream).

/** 32-bit string hash (FNV-1a with a murmur3 finaliser): cheap, well mixed, stable. */
export function stringHash32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

const P = 14;
const M = 1 << P;

/** HyperLogLog with 2^14 registers (standard error about 0.8%). */
export class HyperLogLog {
  private readonly registers = new Uint8Array(M);

  add(s: string): void {
    const h = stringHash32(s);
    const idx = h >>> (32 - P);
    const rest = (h << P) | (1 << (P - 1)); // sentinel bit bounds the rank
    const rank = Math.clz32(rest) + 1;
    if (rank > this.registers[idx]!) this.registers[idx] = rank;
  }

  estimate(): number {
    let sum = 0;
    let zeros = 0;
    for (let i = 0; i < M; i++) {
      sum += 2 ** -this.registers[i]!;
      if (this.registers[i] === 0) zeros++;
    }
    const alpha = 0.7213 / (1 + 1.079 / M);
    const raw = (alpha * M * M) / sum;
    // Small range: linear counting is more accurate while registers are still empty.
    if (raw <= 2.5 * M && zeros > 0) return M * Math.log(M / zeros);
    return raw;
  }
}

export class DistinctCounter {
  private exact: Set<string> | null = new Set();
  private hll: HyperLogLog | null = null;

  constructor(readonly cap = 65_536) {}

  add(s: string): void {
    if (this.exact !== null) {
      this.exact.add(s);
      if (this.exact.size > this.cap) {
        this.hll = new HyperLogLog();
        for (const v of this.exact) this.hll.add(v);
        this.exact = null;
      }
    } else this.hll!.add(s);
  }

  /** True while the count is exact (the cap was not reached). */
  get isExact(): boolean {
    return this.exact !== null;
  }

  count(): number {
    return this.exact !== null ? this.exact.size : Math.round(this.hll!.estimate());
  }
}
