// ONNX's messages (onnx/onnx.proto, IR version 8), the subset a feed-forward graph needs, encoded
// with the project's protobuf writer: ModelProto, GraphProto, NodeProto, AttributeProto,
// TensorProto and the value infos of inputs and outputs. Field numbers are onnx.proto's.
import { ProtoWriter } from '../util/protobuf.js';

export const IR_VERSION = 8;

/** TensorProto.DataType values used here. */
export const DataType = { float: 1, int64: 7, double: 11 } as const;
export type ElemType = (typeof DataType)[keyof typeof DataType];

/** An int, a list of ints, a string, or a float (boxed: JS numbers do not say which they are). */
export type AttributeValue = number | number[] | string | { float: number };

export interface OnnxNode {
  op: string;
  inputs: string[];
  outputs: string[];
  name: string;
  attributes?: Record<string, AttributeValue>;
}

export interface OnnxTensor {
  name: string;
  dims: number[];
  type: ElemType;
  /** Little-endian raw data. */
  data: Float32Array | Float64Array | BigInt64Array;
}

export interface ValueInfo {
  name: string;
  type: ElemType;
  /** A string is a symbolic dimension (e.g. `batch`). */
  shape: (number | string)[];
  doc?: string;
}

export interface OnnxModel {
  producer: { name: string; version: string };
  opset: number;
  graph: { name: string; nodes: OnnxNode[]; initializers: OnnxTensor[]; inputs: ValueInfo[]; outputs: ValueInfo[]; doc?: string };
  metadata: Record<string, string>;
  doc?: string;
}

// AttributeProto.AttributeType
const ATTR_FLOAT = 1;
const ATTR_INT = 2;
const ATTR_STRING = 3;
const ATTR_INTS = 7;

function attribute(name: string, v: AttributeValue): ProtoWriter {
  const w = new ProtoWriter().string(1, name);
  if (typeof v === 'string') return w.string(4, v).int64(20, ATTR_STRING);
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) throw new RangeError(`attribute ${name}: ${v} is not an integer; pass { float: ${v} }`);
    return w.int64(3, v).int64(20, ATTR_INT);
  }
  if (Array.isArray(v)) {
    for (const i of v) w.int64(8, i);
    return w.int64(20, ATTR_INTS);
  }
  return w.float(2, v.float).int64(20, ATTR_FLOAT);
}

function node(n: OnnxNode): ProtoWriter {
  const w = new ProtoWriter();
  for (const i of n.inputs) w.string(1, i);
  for (const o of n.outputs) w.string(2, o);
  w.string(3, n.name).string(4, n.op);
  for (const [k, v] of Object.entries(n.attributes ?? {})) w.message(5, attribute(k, v));
  return w;
}

function tensor(t: OnnxTensor): ProtoWriter {
  const w = new ProtoWriter();
  for (const d of t.dims) w.int64(1, d);
  w.int64(2, t.type).string(8, t.name);
  return w.bytes(9, new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
}

function valueInfo(v: ValueInfo): ProtoWriter {
  const shape = new ProtoWriter();
  for (const d of v.shape) shape.message(1, typeof d === 'number' ? new ProtoWriter().int64(1, d) : new ProtoWriter().string(2, d));
  const tensorType = new ProtoWriter().int64(1, v.type).message(2, shape);
  const w = new ProtoWriter().string(1, v.name).message(2, new ProtoWriter().message(1, tensorType));
  return v.doc ? w.string(3, v.doc) : w;
}

/** The ModelProto as chunks of bytes (tables are referenced, not copied). */
export function encodeModel(m: OnnxModel): ProtoWriter {
  const g = new ProtoWriter();
  for (const n of m.graph.nodes) g.message(1, node(n));
  g.string(2, m.graph.name);
  for (const t of m.graph.initializers) g.message(5, tensor(t));
  if (m.graph.doc) g.string(10, m.graph.doc);
  for (const i of m.graph.inputs) g.message(11, valueInfo(i));
  for (const o of m.graph.outputs) g.message(12, valueInfo(o));
  const w = new ProtoWriter().int64(1, IR_VERSION).string(2, m.producer.name).string(3, m.producer.version);
  if (m.doc) w.string(6, m.doc);
  w.message(7, g).message(8, new ProtoWriter().string(1, '').int64(2, m.opset));
  for (const [k, v] of Object.entries(m.metadata)) w.message(14, new ProtoWriter().string(1, k).string(2, v));
  return w;
}
