import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ProtoWriter, readFields, view, wire } from '../../src/util/protobuf.js';

test('nested messages and large byte fields round-trip; large bytes are referenced until finish', () => {
  const big = new Uint8Array(100_000).map((_, i) => i % 251);
  const inner = new ProtoWriter().string(1, 'table').bytes(9, big).int64(2, -3);
  const outer = new ProtoWriter().int64(1, 8).message(7, inner).float(3, 0.5).double(4, -1.25);
  assert.equal(outer.length, outer.finish().length);
  const fields = readFields(outer.finish());
  assert.deepEqual(fields.map((f) => f.field), [1, 7, 3, 4]);
  assert.equal(fields[0].varint, 8n);
  assert.equal(view(fields[2].bytes!).getFloat32(0, true), 0.5);
  assert.equal(view(fields[3].bytes!).getFloat64(0, true), -1.25);
  const nested = readFields(fields[1].bytes!);
  assert.equal(new TextDecoder().decode(nested[0].bytes), 'table');
  assert.deepEqual(nested[1].bytes, big);
  assert.equal(BigInt.asIntN(64, nested[2].varint!), -3n);
  assert.equal(nested[2].wire, wire.varint);
  // The big field is one chunk of its own, shared rather than copied.
  assert.ok(outer.parts().includes(big));
});

test('varints past 2^31 and negative int64s use the full 64-bit encoding', () => {
  const w = new ProtoWriter().int64(1, 2 ** 40).int64(2, -1).bytes(3, new Uint8Array(0));
  const [a, b, c] = readFields(w.finish());
  assert.equal(a.varint, 2n ** 40n);
  assert.equal(b.varint, 2n ** 64n - 1n);
  assert.equal(c.bytes!.length, 0);
  assert.throws(() => new ProtoWriter().int64(1, 2 ** 60), /not a safe integer/);
});
