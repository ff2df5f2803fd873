// Protocol buffers' wire format by hand (https://protobuf.dev/programming-guides/encoding/): the
// few pieces TensorBoard's event files and ONNX models need, without a protobuf dependency. A
// writer keeps its bytes as a list of chunks, so a nested message or a tensor of hundreds of MB is
// referenced, not copied, until finish() (or writeTo) lays them out once.

const WIRE_VARINT = 0;
const WIRE_I64 = 1;
const WIRE_LEN = 2;
const WIRE_I32 = 5;

/** Scalars go into a small scratch buffer; byte fields and sub-messages are kept as chunks. */
const SCRATCH = 256;

export class ProtoWriter {
  private readonly chunks: Uint8Array[] = [];
  private scratch = new Uint8Array(SCRATCH);
  private used = 0;
  private flushedBytes = 0;

  /** Bytes written so far. */
  get length(): number {
    return this.flushedBytes + this.used;
  }

  private room(n: number): void {
    if (this.used + n <= this.scratch.length) return;
    this.flush();
    if (n > this.scratch.length) this.scratch = new Uint8Array(n);
  }

  private flush(): void {
    if (this.used === 0) return;
    this.chunks.push(this.scratch.slice(0, this.used));
    this.flushedBytes += this.used;
    this.used = 0;
  }

  private varint(v: bigint): void {
    this.room(10);
    let x = BigInt.asUintN(64, v);
    while (x >= 0x80n) {
      this.scratch[this.used++] = Number(x & 0x7fn) | 0x80;
      x >>= 7n;
    }
    this.scratch[this.used++] = Number(x);
  }

  private smallVarint(n: number): void {
    if (n < 0 || n > 0x7fffffff) return this.varint(BigInt(n));
    this.room(5);
    while (n >= 0x80) {
      this.scratch[this.used++] = (n & 0x7f) | 0x80;
      n >>>= 7;
    }
    this.scratch[this.used++] = n;
  }

  private tag(field: number, wire: number): void {
    this.smallVarint((field << 3) | wire);
  }

  /** Appends bytes: small ones are copied, large ones kept by reference (do not change them before finish). */
  private raw(bytes: Uint8Array): void {
    if (bytes.length <= SCRATCH) {
      this.room(bytes.length);
      this.scratch.set(bytes, this.used);
      this.used += bytes.length;
      return;
    }
    this.flush();
    this.chunks.push(bytes);
    this.flushedBytes += bytes.length;
  }

  double(field: number, v: number): this {
    this.tag(field, WIRE_I64);
    this.room(8);
    new DataView(this.scratch.buffer).setFloat64(this.used, v, true);
    this.used += 8;
    return this;
  }

  float(field: number, v: number): this {
    this.tag(field, WIRE_I32);
    this.room(4);
    new DataView(this.scratch.buffer).setFloat32(this.used, v, true);
    this.used += 4;
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
    this.smallVarint(b.length);
    this.raw(b);
    return this;
  }

  string(field: number, s: string): this {
    return this.bytes(field, new TextEncoder().encode(s));
  }

  /** A nested message; its chunks are taken over, not copied (do not write to `m` afterwards). */
  message(field: number, m: ProtoWriter): this {
    m.flush();
    this.tag(field, WIRE_LEN);
    this.smallVarint(m.flushedBytes);
    this.flush();
    this.chunks.push(...m.chunks);
    this.flushedBytes += m.flushedBytes;
    return this;
  }

  /** The message's bytes as chunks, in order (for writing to a file without one big copy). */
  parts(): Uint8Array[] {
    this.flush();
    return this.chunks;
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.length);
    let at = 0;
    for (const c of this.parts()) {
      out.set(c, at);
      at += c.length;
    }
    return out;
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
