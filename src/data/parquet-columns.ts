// DuckDB's column vectors as the encoder's typed columns (typed-columns.ts): numbers read straight
// from the vector's memory; strings and integers as a per-chunk dictionary, so the encoder hashes
// each distinct value of a chunk once and never touches text per row; text made only for the
// columns and chunks that ask for it. The text of a value is the one docs/data.md gives for
// Parquet: integers (decimals of scale 0 included) as their decimal digits, floats and other
// decimals as the shortest text that reads back to the same double, booleans as true and false,
// strings as they are, null as ''. A number is the value of that text as the CSV path parses it,
// except a boolean's, which is 1 or 0 (the one number a CSV cell's text would not give).
//
// It reads internals of @duckdb/node-api's vectors (typed arrays over the vector's memory); each is
// checked before use, and an unknown layout falls back to the public getItem().
import type { DuckDBDataChunk } from '@duckdb/node-api';
import { parseDecimal } from './decimal.js';
import { float32Value, Float32Values } from './float32-text.js';
import type { Dictionary, TypedColumns } from './typed-columns.js';

/**
 * How a column arrives from DuckDB (the reader's SELECT casts to these): text, 8 to 32-bit
 * integers, booleans (as 8-bit 0/1), 64-bit integers signed or not, 128-bit integers (a decimal
 * of scale 0 too wide for 64 bits), 32-bit floats (read as the value of their shortest text:
 * float32-text.ts), doubles, or a decimal too wide for an exact cast to double, read as its
 * digits and parsed.
 */
export type VectorKind = 'text' | 'int' | 'boolean' | 'int64' | 'uint64' | 'int128' | 'float32' | 'double' | 'decimal-text';

/** The internals of @duckdb/node-api's vectors the fast paths read (each checked before use). */
interface VectorInternals {
  items?: unknown;
  dataView?: DataView;
  validity?: { data?: BigUint64Array | null };
  getItem(i: number): unknown;
}

const VECTOR = 2048;
const SMALL_INTS = Array.from({ length: 1024 }, (_, i) => String(i));
const SLOTS = 4096;
const TWO_32 = 4294967296;
/**
 * An empty slot's top key word for 128-bit integers: they come only from decimals of scale 0
 * (below 10^38 < 2^126.3 in magnitude), whose top 32 bits are never 0x7fffffff.
 */
const EMPTY_128 = 0x7fffffff;

/** The columns of the chunk being read; set() moves to the next chunk. */
export class ParquetColumns implements TypedColumns {
  size = 0;
  /** The chunk being read. */
  chunk: DuckDBDataChunk | null = null;
  private epoch = 0;

  constructor(private readonly columns: VectorColumn[]) {}

  set(chunk: DuckDBDataChunk): void {
    this.chunk = chunk;
    this.size = chunk.rowCount;
    this.epoch++;
  }

  private vector(j: number): VectorInternals {
    return this.chunk!.getColumnVector(j) as unknown as VectorInternals;
  }

  text(j: number): readonly string[] {
    return this.columns[j]!.text(this.vector(j), this.size, this.epoch);
  }

  dictionary(j: number): Dictionary {
    return this.columns[j]!.dictionary(this.vector(j), this.size, this.epoch);
  }

  numbers(j: number): Float64Array {
    return this.columns[j]!.numbers(this.vector(j), this.size, this.epoch);
  }

  nulls(j: number): Uint8Array | null {
    return this.columns[j]!.nulls(this.vector(j), this.size, this.epoch);
  }
}

type IntArray = Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array;

function isIntArray(x: unknown): x is IntArray {
  return x instanceof Int8Array || x instanceof Uint8Array || x instanceof Int16Array || x instanceof Uint16Array || x instanceof Int32Array || x instanceof Uint32Array;
}

/** Dictionary codes: cache slots [0, SLOTS), then null's code, then one-chunk entries. */
const NULL_CODE = SLOTS;
const FIRST_SPARE = SLOTS + 1;
const CODES = SLOTS + 1 + VECTOR;

/** Chunks a column whose values rarely repeat is read without the cache before it is tried again. */
const BYPASS_CHUNKS = 32;

/** A column's dictionary: slot codes (values kept across chunks) and spare codes (this chunk's). */
class ColumnDictionary implements Dictionary {
  readonly codes = new Int32Array(VECTOR);
  readonly used = new Int32Array(CODES);
  usedCount = 0;
  readonly versions = new Int32Array(CODES);
  /** Values of the cache slots: long-lived. */
  readonly slots = new Array<string>(SLOTS).fill('');
  /** Values of this chunk's spare codes: a fresh array each chunk, so they die young. */
  spares: string[] = [];

  value(code: number): string {
    return code < SLOTS ? this.slots[code]! : code === NULL_CODE ? '' : this.spares[code - FIRST_SPARE]!;
  }
}

/** One column's conversions, each made at most once per chunk into arrays reused across chunks. */
export class VectorColumn {
  private readonly textOut: string[] = new Array<string>(VECTOR).fill('');
  private readonly numOut = new Float64Array(VECTOR);
  private readonly nullOut = new Uint8Array(VECTOR);
  private textEpoch = 0;
  private numEpoch = 0;
  private nullEpoch = 0;
  private dictEpoch = 0;
  private numView: Float64Array = this.numOut;
  private nullView: Uint8Array | null = null;
  private floats: Float32Values | null = null;
  /**
   * The dictionary (typed-columns.ts). Codes below SLOTS are the slots of a direct-mapped cache
   * of recent values that lives across chunks, keyed by their 12 inline bytes (strings) or their
   * 64 bits (integers): a slot keeps its code while its value stays, and its version changes when
   * the value does. A slot a row of this chunk uses is not replaced before the next chunk: a
   * colliding value takes a spare code for this chunk instead.
   */
  private readonly dict = new ColumnDictionary();
  private readonly keys = new Int32Array(SLOTS * 4).fill(-1);
  private readonly slotEpoch = new Int32Array(SLOTS);
  private version = 1;
  /** Chunks left to read without the cache (a column whose values rarely repeat), and misses in this chunk. */
  private bypass = 0;
  private misses = 0;

  constructor(readonly kind: VectorKind) {
    this.dict.versions[NULL_CODE] = this.version++;
    if (kind === 'int128') for (let k = 3; k < this.keys.length; k += 4) this.keys[k] = EMPTY_128;
  }

  nulls(v: VectorInternals, n: number, epoch: number): Uint8Array | null {
    if (this.nullEpoch === epoch) return this.nullView;
    this.nullEpoch = epoch;
    const data = v.validity?.data;
    if (data === null) return (this.nullView = null);
    const out = this.nullOut;
    let any = 0;
    if (data instanceof BigUint64Array) {
      const words = new Uint32Array(data.buffer, data.byteOffset, Math.ceil(n / 64) * 2);
      for (let i = 0; i < n; i++) any |= out[i] = ((words[i >>> 5]! >>> (i & 31)) & 1) ^ 1;
    } else for (let i = 0; i < n; i++) any |= out[i] = v.getItem(i) === null ? 1 : 0;
    return (this.nullView = any === 0 ? null : out.subarray(0, n));
  }

  numbers(v: VectorInternals, n: number, epoch: number): Float64Array {
    if (this.numEpoch === epoch) return this.numView;
    this.numEpoch = epoch;
    const out = this.numOut;
    const items = v.items;
    const kind = this.kind;
    if (kind === 'double' && items instanceof Float64Array && items.length >= n) return (this.numView = items.subarray(0, n));
    if ((kind === 'int' || kind === 'boolean') && isIntArray(items) && items.length >= n) {
      for (let i = 0; i < n; i++) out[i] = items[i]!;
    } else if ((kind === 'int64' || kind === 'uint64') && (items instanceof BigInt64Array || items instanceof BigUint64Array) && items.length >= n) {
      // Two 32-bit halves: hi * 2^32 is exact and one rounded addition gives the nearest double,
      // the value the digits parse to (without a BigInt per value).
      const words = new Int32Array(items.buffer, items.byteOffset, n * 2);
      if (kind === 'int64') for (let i = 0; i < n; i++) out[i] = words[2 * i + 1]! * TWO_32 + (words[2 * i]! >>> 0);
      else for (let i = 0; i < n; i++) out[i] = (words[2 * i + 1]! >>> 0) * TWO_32 + (words[2 * i]! >>> 0);
    } else if (kind === 'int128' && v.dataView instanceof DataView && v.dataView.byteLength >= n * 16) {
      // A value that fits 64 bits as above; a wider one through its BigInt (correctly rounded).
      const words = new Int32Array(v.dataView.buffer, v.dataView.byteOffset, n * 4);
      for (let i = 0; i < n; i++) {
        const hi = words[4 * i + 1]!;
        const sign = hi >> 31;
        out[i] = words[4 * i + 2] === sign && words[4 * i + 3] === sign ? hi * TWO_32 + (words[4 * i]! >>> 0) : Number(v.getItem(i) as bigint);
      }
    } else if (kind === 'float32' && items instanceof Float32Array && items.length >= n) {
      const f = (this.floats ??= new Float32Values());
      for (let i = 0; i < n; i++) out[i] = f.value(items[i]!);
    } else if (kind === 'text') {
      const d = this.dictionary(v, n, epoch);
      for (let i = 0; i < n; i++) out[i] = parseDecimal(d.value(d.codes[i]!));
    } else
      // decimal-text (DuckDB's digits of a wide decimal), or an unknown layout (a FLOAT's item is its float32 value).
      for (let i = 0; i < n; i++) {
        const x = v.getItem(i);
        out[i] = typeof x === 'number' ? (kind === 'float32' ? float32Value(x) : x) : typeof x === 'bigint' ? Number(x) : typeof x === 'string' ? parseDecimal(x) : 0;
      }
    return (this.numView = out.subarray(0, n));
  }

  text(v: VectorInternals, n: number, epoch: number): readonly string[] {
    const out = this.textOut;
    if (this.textEpoch === epoch) return out;
    this.textEpoch = epoch;
    if (this.kind === 'double' || this.kind === 'float32' || this.kind === 'decimal-text') {
      // The shortest text of the number; a decimal's digits as DuckDB gives them are not it.
      const nulls = this.nulls(v, n, epoch);
      const x = this.numbers(v, n, epoch);
      for (let i = 0; i < n; i++) {
        const y = x[i]!;
        out[i] = nulls !== null && nulls[i] === 1 ? '' : y >= 0 && y < 1024 && y === (y | 0) ? SMALL_INTS[y]! : String(y);
      }
    } else {
      const d = this.dictionary(v, n, epoch);
      for (let i = 0; i < n; i++) out[i] = d.value(d.codes[i]!);
    }
    return out;
  }

  dictionary(v: VectorInternals, n: number, epoch: number): Dictionary {
    const d = this.dict;
    if (this.dictEpoch === epoch) return d;
    this.dictEpoch = epoch;
    const nulls = this.nulls(v, n, epoch);
    d.usedCount = 0;
    d.spares = [];
    if (nulls !== null) d.used[d.usedCount++] = NULL_CODE;
    const items = v.items;
    this.misses = 0;
    if (this.kind === 'text' && v.dataView instanceof DataView && v.dataView.byteLength >= n * 16) this.stringCodes(v, n, nulls, epoch);
    else if ((this.kind === 'int' || this.kind === 'boolean') && isIntArray(items) && items.length >= n) this.intCodes(v, items, null, n, nulls, epoch);
    else if ((this.kind === 'int64' || this.kind === 'uint64') && (items instanceof BigInt64Array || items instanceof BigUint64Array) && items.length >= n)
      this.intCodes(v, items, new Int32Array(items.buffer, items.byteOffset, n * 2), n, nulls, epoch);
    else if (this.kind === 'int128' && v.dataView instanceof DataView && v.dataView.byteLength >= n * 16)
      this.intCodes(v, null, new Int32Array(v.dataView.buffer, v.dataView.byteOffset, n * 4), n, nulls, epoch);
    else {
      // Doubles and decimals (no categorical reads them: checkColumnTypes), or an unknown layout.
      const text = this.kind === 'double' || this.kind === 'float32' || this.kind === 'decimal-text' ? this.text(v, n, epoch) : null;
      for (let i = 0; i < n; i++) {
        const x = text === null ? v.getItem(i) : text[i];
        d.codes[i] = nulls !== null && nulls[i] === 1 ? NULL_CODE : this.spareCode(typeof x === 'string' ? x : x === null || x === undefined ? '' : this.kind === 'boolean' ? (x === 0 ? 'false' : 'true') : String(x));
      }
    }
    // A column that misses on most rows (ids seen once or twice) reads around the cache for a
    // while: caching those values would only cost lookups and old-generation garbage.
    if (this.bypass > 0) this.bypass--;
    else if (this.misses > n >> 1) this.bypass = BYPASS_CHUNKS;
    return d;
  }

  /** A code for this chunk only (a value not cached). */
  private spareCode(value: string): number {
    const d = this.dict;
    const c = FIRST_SPARE + d.spares.length;
    d.spares.push(value);
    d.versions[c] = this.version++;
    d.used[d.usedCount++] = c;
    return c;
  }

  /** Slot h as a code of this chunk: listed in `used` on its first use. */
  private slotCode(h: number, epoch: number): number {
    if (this.slotEpoch[h] !== epoch) {
      this.slotEpoch[h] = epoch;
      this.dict.used[this.dict.usedCount++] = h;
    }
    return h;
  }

  /** Puts a new value in slot h (free, or not used by this chunk). */
  private fill(h: number, value: string): void {
    this.dict.slots[h] = value;
    this.dict.versions[h] = this.version++;
  }

  /**
   * VARCHAR: 16 bytes per value, the length then up to 12 bytes inline (else a pointer). Short
   * strings (most categorical values) are looked up by their inline bytes, decoded only on a miss.
   * A null's slot may hold anything: it is not read.
   */
  private stringCodes(v: VectorInternals, n: number, nulls: Uint8Array | null, epoch: number): void {
    const dv = v.dataView!;
    const words = new Int32Array(dv.buffer, dv.byteOffset, n * 4);
    const bytes = Buffer.from(dv.buffer, dv.byteOffset, n * 16);
    const codes = this.dict.codes;
    for (let i = 0; i < n; i++) {
      if (nulls !== null && nulls[i] === 1) {
        codes[i] = NULL_CODE;
        continue;
      }
      const o = i * 4;
      const len = words[o]!;
      if (len > 12 || len < 0) {
        const x = v.getItem(i);
        codes[i] = this.spareCode(typeof x === 'string' ? x : '');
        continue;
      }
      if (this.bypass > 0) {
        codes[i] = this.spareCode(bytes.toString('utf8', o * 4 + 4, o * 4 + 4 + len));
        continue;
      }
      const a = words[o + 1]!;
      const b = len > 4 ? words[o + 2]! : 0;
      const c = len > 8 ? words[o + 3]! : 0;
      let h = Math.imul(a ^ Math.imul(b, 0x9e3779b1) ^ Math.imul(c, 0x85ebca6b) ^ len, 0xc2b2ae35);
      h = (h ^ (h >>> 15)) & (SLOTS - 1);
      const slot = this.find(h, len, a, b, c);
      codes[i] = slot >= 0 ? this.slotCode(slot, epoch) : this.admit(h, len, a, b, c, bytes.toString('utf8', o * 4 + 4, o * 4 + 4 + len), epoch);
    }
  }

  /**
   * Integers: their digits (a boolean's true or false), cached by their bits (ids repeat). `words`
   * holds 64-bit values as pairs of 32-bit halves, or 128-bit ones as quadruples (low word first);
   * without it, `items` are 8 to 32-bit. A BigInt only beyond 2^53.
   */
  private intCodes(v: VectorInternals, items: IntArray | BigInt64Array | BigUint64Array | null, words: Int32Array | null, n: number, nulls: Uint8Array | null, epoch: number): void {
    const signed = this.kind !== 'uint64';
    const wide = this.kind === 'int128';
    const stride = wide ? 4 : 2;
    const codes = this.dict.codes;
    for (let i = 0; i < n; i++) {
      if (nulls !== null && nulls[i] === 1) {
        codes[i] = NULL_CODE;
        continue;
      }
      let lo: number;
      let hi: number;
      // The upper 64 bits of a 128-bit value (0 for narrower ones, whose empty slots hold -1).
      let w2 = 0;
      let w3 = 0;
      if (words === null) {
        const x = (items as IntArray)[i]!;
        lo = x | 0;
        hi = x < 0 ? -1 : 0;
      } else {
        lo = words[stride * i]!;
        hi = words[stride * i + 1]!;
        if (wide) {
          w2 = words[4 * i + 2]!;
          w3 = words[4 * i + 3]!;
        }
      }
      let h = Math.imul(lo ^ Math.imul(hi, 0x85ebca6b), 0x9e3779b1);
      if (wide) h ^= Math.imul(w2 ^ w3, 0xc2b2ae35);
      h = (h ^ (h >>> 15)) & (SLOTS - 1);
      // An empty slot matches no value (its keys are -1, or EMPTY_128 on top).
      const slot = this.find(h, lo, hi, w2, w3);
      codes[i] = slot >= 0 ? this.slotCode(slot, epoch) : this.admit(h, lo, hi, w2, w3, this.intText(v, items, i, lo, hi, w2, w3, signed), epoch);
    }
  }

  /** The slot holding the value keyed k0..k3, in the pair of slots h and h ^ 1 (two-way), or -1. */
  private find(h: number, k0: number, k1: number, k2: number, k3: number): number {
    const keys = this.keys;
    const k = h * 4;
    if (keys[k] === k0 && keys[k + 1] === k1 && keys[k + 2] === k2 && keys[k + 3] === k3) return h;
    const k2nd = (h ^ 1) * 4;
    if (keys[k2nd] === k0 && keys[k2nd + 1] === k1 && keys[k2nd + 2] === k2 && keys[k2nd + 3] === k3) return h ^ 1;
    return -1;
  }

  /**
   * The code of a value not cached: it takes the slot of its pair this chunk does not use (key and
   * value replaced); a spare code when this chunk uses both or the column reads around the cache.
   */
  private admit(h: number, k0: number, k1: number, k2: number, k3: number, value: string, epoch: number): number {
    this.misses++;
    const slotEpoch = this.slotEpoch;
    if (this.bypass > 0 || (slotEpoch[h] === epoch && slotEpoch[h ^ 1] === epoch)) return this.spareCode(value);
    if (slotEpoch[h] === epoch) h ^= 1;
    const keys = this.keys;
    const k = h * 4;
    keys[k] = k0;
    keys[k + 1] = k1;
    keys[k + 2] = k2;
    keys[k + 3] = k3;
    this.fill(h, value);
    return this.slotCode(h, epoch);
  }

  /** The text of row i of an integer column whose 32-bit words are lo, hi, w2, w3 (intCodes). */
  private intText(v: VectorInternals, items: IntArray | BigInt64Array | BigUint64Array | null, i: number, lo: number, hi: number, w2: number, w3: number, signed: boolean): string {
    if (this.kind === 'boolean') return lo === 0 ? 'false' : 'true';
    const sign = hi >> 31;
    if (items === null && (w2 !== sign || w3 !== sign)) return String(v.getItem(i)); // beyond 64 bits
    const x = items !== null && !(items instanceof BigInt64Array || items instanceof BigUint64Array) ? items[i]! : (signed ? hi : hi >>> 0) * TWO_32 + (lo >>> 0);
    if (x >= 0 && x < 1024) return SMALL_INTS[x]!;
    if (Number.isSafeInteger(x)) return String(x);
    return String(items === null ? v.getItem(i) : (items as BigInt64Array | BigUint64Array)[i]);
  }
}

/** The columns of one file, by how each arrives. */
export function parquetColumns(kinds: VectorKind[]): ParquetColumns {
  return new ParquetColumns(kinds.map((k) => new VectorColumn(k)));
}
