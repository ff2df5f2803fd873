// The few protobuf wire-format pieces event files need, by hand: no protobuf dependency for two
// small messages. Encoding follows https://protobuf.dev/programming-guides/encoding/.

const WIRE_VARINT = 0;
const WIRE_I64 = 1;
const WIRE_LEN = 2;
const WIRE_I32 = 5;

export class ProtoWriter {
  private readonly parts: number[] = [];

  private varint(v: bigint): void {
    let x = BigInt.asUintN(64, v);
    while (x >= 0x80n) {
      this.parts.push(Number(x & 0x7fn) | 0x80);
      x >>= 7n;
    }
    this.parts.push(Number(x));
  }

  private tag(field: number, wire: number): void {
    this.varint(BigInt((field << 3) | wire));
  }

  private raw(bytes: Uint8Array): void {
    for (const b of bytes) this.parts.push(b);
  }

  double(field: number, v: number): this {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setFloat64(0, v, true);
    this.tag(field, WIRE_I64);
    this.raw(b);
    return this;
  }

  float(field: number, v: number): this {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, v, true);
    this.tag(field, WIRE_I32);
    this.raw(b);
    return this;
  }

  /** int64 (two's complement varint, 10 bytes when negative). Must be a safe integer. */
  int64(field: number, v: number): this {
    if (!Number.isSafeInteger(v)) throw new RangeError(`int64 field ${field}: ${v} is not a safe integer`);
    this.tag(field, WIRE_VARINT);
    this.varint(BigInt(v));
    return this;
  }

  bytes(field: number, b: Uint8Array): this {
    this.tag(field, WIRE_LEN);
    this.varint(BigInt(b.length));
    this.raw(b);
    return this;
  }

  string(field: number, s: string): this {
    return this.bytes(field, new TextEncoder().encode(s));
  }

  message(field: number, m: ProtoWriter): this {
    return this.bytes(field, m.finish());
  }

  finish(): Uint8Array {
    return Uint8Array.from(this.parts);
  }
}

export interface ProtoField {
  field: number;
  wire: number;
  /** varint fields (as bigint, 64-bit unsigned). */
  varint?: bigint;
  /** fixed 32/64-bit and length-delimited fields: the raw bytes. */
  bytes?: Uint8Array;
}

/** Splits a message into its fields; throws RangeError on malformed input. */
export function readFields(buf: Uint8Array): ProtoField[] {
  const fields: ProtoField[] = [];
  let pos = 0;
  const varint = (): bigint => {
    let result = 0n;
    for (let shift = 0n; ; shift += 7n) {
      if (pos >= buf.length) throw new RangeError('truncated varint');
      if (shift > 63n) throw new RangeError('varint longer than 10 bytes');
      const b = buf[pos++]!;
      result |= BigInt(b & 0x7f) << shift;
      if (!(b & 0x80)) return BigInt.asUintN(64, result);
    }
  };
  const take = (n: number): Uint8Array => {
    if (pos + n > buf.length) throw new RangeError(`field needs ${n} bytes, ${buf.length - pos} left`);
    const out = buf.subarray(pos, pos + n);
    pos += n;
    return out;
  };
  while (pos < buf.length) {
    const key = varint();
    const field = Number(key >> 3n);
    const wire = Number(key & 7n);
    if (wire === WIRE_VARINT) fields.push({ field, wire, varint: varint() });
    else if (wire === WIRE_I64) fields.push({ field, wire, bytes: take(8) });
    else if (wire === WIRE_I32) fields.push({ field, wire, bytes: take(4) });
    else if (wire === WIRE_LEN) fields.push({ field, wire, bytes: take(Number(varint())) });
    else throw new RangeError(`unsupported wire type ${wire} for field ${field}`);
  }
  return fields;
}

export function view(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

export const wire = { varint: WIRE_VARINT, i64: WIRE_I64, len: WIRE_LEN, i32: WIRE_I32 } as const;
