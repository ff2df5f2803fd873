// TensorBoard's Event and Summary protos (tensorboard/compat/proto/event.proto, summary.proto),
// the scalar subset: Event{wall_time=1 double, step=2 int64, file_version=3 string | summary=5},
// Summary{repeated Value value=1}, Value{tag=1, simple_value=2 float | tensor=8, metadata=9}.
import { ProtoWriter, readFields, view, wire, type ProtoField } from '../util/protobuf.js';

export const FILE_VERSION = 'brain.Event:2';

export interface ScalarValue {
  tag: string;
  value: number;
}

export interface TbEvent {
  /** Seconds since the epoch. */
  wallTime: number;
  step: number;
  fileVersion?: string;
  /** Scalars of a summary event: simple_value, or a rank-0 float/double tensor (tf.summary v2). */
  scalars?: ScalarValue[];
}

export function encodeEvent(e: TbEvent): Uint8Array {
  const w = new ProtoWriter().double(1, e.wallTime);
  // proto3 leaves default values out, as TensorFlow's writer does.
  if (e.step !== 0) w.int64(2, e.step);
  if (e.fileVersion !== undefined) w.string(3, e.fileVersion);
  if (e.scalars !== undefined) {
    const summary = new ProtoWriter();
    for (const s of e.scalars) summary.message(1, new ProtoWriter().string(1, s.tag).float(2, s.value));
    w.message(5, summary);
  }
  return w.finish();
}

const DT_FLOAT = 1n;
const DT_DOUBLE = 2n;

function only(fields: ProtoField[], field: number, wireType: number): ProtoField | undefined {
  return fields.filter((f) => f.field === field && f.wire === wireType).at(-1);
}

/** The single value of a float or double TensorProto, or undefined for other tensors. */
function tensorScalar(bytes: Uint8Array): number | undefined {
  const fields = readFields(bytes);
  const dtype = only(fields, 1, wire.varint)?.varint;
  const content = only(fields, 4, wire.len)?.bytes;
  if (dtype === DT_FLOAT) {
    if (content && content.length === 4) return view(content).getFloat32(0, true);
    const packed = only(fields, 5, wire.len)?.bytes;
    if (packed && packed.length === 4) return view(packed).getFloat32(0, true);
    const single = only(fields, 5, wire.i32)?.bytes;
    if (single) return view(single).getFloat32(0, true);
  } else if (dtype === DT_DOUBLE) {
    if (content && content.length === 8) return view(content).getFloat64(0, true);
    const packed = only(fields, 6, wire.len)?.bytes;
    if (packed && packed.length === 8) return view(packed).getFloat64(0, true);
    const single = only(fields, 6, wire.i64)?.bytes;
    if (single) return view(single).getFloat64(0, true);
  }
  return undefined;
}

function decodeValue(bytes: Uint8Array): ScalarValue | undefined {
  const fields = readFields(bytes);
  const tagBytes = only(fields, 1, wire.len)?.bytes;
  const tag = tagBytes ? new TextDecoder().decode(tagBytes) : '';
  const simple = only(fields, 2, wire.i32)?.bytes;
  if (simple) return { tag, value: view(simple).getFloat32(0, true) };
  const tensor = only(fields, 8, wire.len)?.bytes;
  const value = tensor ? tensorScalar(tensor) : undefined;
  return value === undefined ? undefined : { tag, value };
}

/** Decodes an Event; non-scalar summary values (images, histograms) are skipped. */
export function decodeEvent(bytes: Uint8Array): TbEvent {
  const fields = readFields(bytes);
  const wall = only(fields, 1, wire.i64)?.bytes;
  const step = only(fields, 2, wire.varint)?.varint;
  const event: TbEvent = { wallTime: wall ? view(wall).getFloat64(0, true) : 0, step: step === undefined ? 0 : Number(BigInt.asIntN(64, step)) };
  const version = only(fields, 3, wire.len)?.bytes;
  if (version) event.fileVersion = new TextDecoder().decode(version);
  const summary = only(fields, 5, wire.len)?.bytes;
  if (summary) {
    event.scalars = readFields(summary)
      .filter((f) => f.field === 1 && f.wire === wire.len)
      .map((f) => decodeValue(f.bytes!))
      .filter((v): v is ScalarValue => v !== undefined);
  }
  return event;
}
