// model.onnx: the scoring graph of a model in ONNX (IR 8, opset 13), from raw request values to
// task outputs. Three parts: the front built from the feature spec (a Gather per categorical
// field from its full embedding table, ids outside the table refused, crosses as Mul, each
// numeric's transform), the dense network translated layer by layer from the tfjs graph
// (layer-graph.ts), and the tail (label transforms inverted, outputs squeezed to [batch] and
// named after the tasks; optional gates).
import { ConfigError } from '../errors.js';
import type { MultiTaskModel } from '../model/multi-task-model.js';
import type { LayerGraph, LayerNode } from './layer-graph.js';
import { layerGraph } from './layer-graph.js';
import { DataType, type AttributeValue, type OnnxModel, type OnnxNode, type OnnxTensor } from './onnx-proto.js';
import { type NumericInput, type Signature, signatureJson } from './signature.js';

/** Opset 13: accepted by onnxruntime and by the checker of onnx 1.12 (Debian's python3-onnx). */
export const OPSET = 13;

class GraphBuilder {
  readonly nodes: OnnxNode[] = [];
  readonly initializers: OnnxTensor[] = [];
  private readonly constants = new Map<string, string>();
  private readonly values = new Set<string>();

  /** Claims a value name (graph input, initializer, node output): ONNX graphs assign each once. */
  define(name: string): string {
    if (this.values.has(name)) throw new ConfigError(`export: '${name}' would name two values of the ONNX graph; rename the feature or task of that name`);
    this.values.add(name);
    return name;
  }

  /** Adds a node; returns its output's name (`out`, or `<name>` when not given). */
  op(op: string, inputs: string[], name: string, attributes?: Record<string, AttributeValue>, out = name): string {
    this.nodes.push({ op, inputs, outputs: [this.define(out)], name, ...(attributes ? { attributes } : {}) });
    return out;
  }

  tensor(name: string, dims: number[], data: Float32Array | Float64Array | BigInt64Array): string {
    this.define(name);
    const type = data instanceof Float32Array ? DataType.float : data instanceof Float64Array ? DataType.double : DataType.int64;
    this.initializers.push({ name, dims, type, data });
    return name;
  }

  /** A float32 scalar constant (shared by value). */
  scalar(v: number): string {
    return this.shared(`f:${numberKey(Math.fround(v))}`, () => Float32Array.of(v));
  }

  /** A float64 scalar constant (shared by value): the numeric transforms' statistics, unrounded. */
  double(v: number): string {
    return this.shared(`d:${numberKey(v)}`, () => Float64Array.of(v));
  }

  private shared(key: string, data: () => Float32Array | Float64Array): string {
    let name = this.constants.get(key);
    if (!name) this.constants.set(key, (name = this.tensor(`const/${this.constants.size}`, [], data())));
    return name;
  }

  /** An int64 vector constant (shared by value). */
  int64s(values: number[]): string {
    const key = `i:${values.join(',')}`;
    let name = this.constants.get(key);
    if (!name) this.constants.set(key, (name = this.tensor(`const/${this.constants.size}`, [values.length], BigInt64Array.from(values.map(BigInt)))));
    return name;
  }
}

function numberKey(v: number): string {
  return Object.is(v, -0) ? '-0' : String(v);
}

/** `activation(x)` for a tfjs activation name; returns x itself for linear. */
function activation(b: GraphBuilder, x: string, fn: string, name: string): string {
  switch (fn) {
    case 'linear':
      return x;
    case 'relu':
      return b.op('Relu', [x], name);
    case 'elu':
      return b.op('Elu', [x], name, { alpha: { float: 1 } });
    case 'selu': // ONNX's default alpha and gamma are tfjs's constants in float32
      return b.op('Selu', [x], name);
    case 'tanh':
      return b.op('Tanh', [x], name);
    case 'sigmoid':
      return b.op('Sigmoid', [x], name);
    case 'softmax':
      return b.op('Softmax', [x], name, { axis: -1 });
    case 'swish':
      return b.op('Mul', [x, b.op('Sigmoid', [x], `${name}/sigmoid`)], name);
    default:
      throw new Error(`export: activation '${fn}' (layer ${name}) has no ONNX translation`);
  }
}

/** One tfjs layer application as ONNX nodes; returns the output's name. */
function translate(b: GraphBuilder, n: LayerNode, xs: string[]): string {
  const c = n.config;
  const out = `net/${n.name}`;
  const [x] = xs;
  switch (n.className) {
    case 'Dense': {
      const [kernel, bias] = n.weights;
      let y = b.op('MatMul', [x, b.tensor(`${out}/kernel`, kernel.shape, kernel.values)], `${out}/matmul`);
      if (c.use_bias !== false) y = b.op('Add', [y, b.tensor(`${out}/bias`, bias.shape, bias.values)], `${out}/bias_add`);
      return activation(b, y, c.activation as string, out);
    }
    case 'Activation':
      return activation(b, x, c.activation as string, out);
    case 'Dropout': // inference: identity
      return x;
    case 'Reshape':
      return b.op('Reshape', [x, b.int64s([0, ...(c.target_shape as number[])])], out);
    case 'Flatten':
      return b.op('Flatten', [x], out, { axis: 1 });
    case 'Concatenate':
      return b.op('Concat', xs, out, { axis: (c.axis as number | undefined) ?? -1 });
    case 'Multiply':
      return xs.slice(1).reduce((acc, y, i) => b.op('Mul', [acc, y], i === xs.length - 2 ? out : `${out}/${i}`), x);
    case 'Rescaling': {
      const y = b.op('Mul', [x, b.scalar(c.scale as number)], (c.offset as number) ? `${out}/scale` : out);
      return (c.offset as number) ? b.op('Add', [y, b.scalar(c.offset as number)], out) : y;
    }
    case 'GlobalAveragePooling1D':
      return b.op('ReduceMean', [x], out, { axes: [1], keepdims: 0 });
    case 'InputLayer':
      throw new Error(`export: unexpected InputLayer '${n.name}' inside the network`);
  }
}

/**
 * The numeric input's transform, from the raw [batch] float64 value; returns a [batch, 1] float32
 * tensor. The transform runs in float64 with the statistics unrounded and is cast after, as
 * training transforms the parsed double and stores float32: epoch seconds (1.7e9) lose up to 64
 * in float32 before a standardize or a narrow min-max, which training never does.
 */
function numericColumn(b: GraphBuilder, input: NumericInput): string {
  const x = input.name;
  const p = `num/${input.name}`;
  const s = input.statistics;
  let y: string;
  switch (input.transform) {
    case 'none':
      y = x;
      break;
    case 'log1p': {
      // Signed, as training does: a negative value keeps its sign. Opset 13 has no Log1p, and
      // log(1 + a) loses the digits of a small a (log(1 + 1e-12) is 1.0000889e-12, not training's
      // float32 of 1e-12); log(u) * a / (u - 1) with u = 1 + a is exact to a few units of the
      // double (Goldberg 1991, theorem 4), and u == 1 means log1p(a) is a itself.
      const a = b.op('Abs', [x], `${p}/abs`);
      const u = b.op('Add', [a, b.double(1)], `${p}/plus1`);
      const d = b.op('Sub', [u, b.double(1)], `${p}/plus1_minus1`);
      const log = b.op('Mul', [b.op('Log', [u], `${p}/log`), b.op('Div', [a, d], `${p}/correction`)], `${p}/log_corrected`);
      const log1p = b.op('Where', [b.op('Equal', [d, b.double(0)], `${p}/tiny`), a, log], `${p}/log1p_abs`);
      y = b.op('Mul', [b.op('Sign', [x], `${p}/sign`), log1p], `${p}/log1p`);
      break;
    }
    case 'standardize':
      y = b.op('Div', [b.op('Sub', [x, b.double(s.mean!)], `${p}/center`), b.double(s.std || 1)], `${p}/standardize`);
      break;
    case 'minmax': {
      const range = s.max! - s.min!;
      y = range > 0 ? b.op('Div', [b.op('Sub', [x, b.double(s.min!)], `${p}/shift`), b.double(range)], `${p}/minmax`) : b.op('Mul', [x, b.double(0)], `${p}/minmax`);
      break;
    }
  }
  const f = b.op('Cast', [y], `${p}/float32`, { to: DataType.float });
  return b.op('Unsqueeze', [f, b.int64s([1])], `${p}/column`);
}

/**
 * Bucket ids as Gather reads them, with a negative id moved to `rows`, one past the table. Gather
 * alone would read -1 as the last row (the empty value's), so a client hashing with a signed
 * remainder would be scored with wrong embeddings and no error; past the end, onnxruntime refuses
 * the request, as it does for an id above `buckets` (valid ids: 0..rows-1).
 */
function checkedIds(b: GraphBuilder, ids: string, rows: number, name: string): string {
  return b.op('Where', [b.op('Less', [ids, b.int64s([0])], `${name}/negative`), b.int64s([rows]), ids], name);
}

/** The input block [batch, width]: field embeddings, crosses, numerics, in the training layout's order. */
function front(b: GraphBuilder, m: MultiTaskModel, sig: Signature): string {
  const { fields, crosses } = m.layout;
  for (const t of m.layout.tables) {
    const v = m.tables.view(t.name);
    const values = v.stride === v.dim ? v.store.subarray(0, v.rows * v.dim) : m.tables.read(t.name);
    b.tensor(`table/${t.name}`, [t.rows, t.dim], values);
  }
  const inputs = new Map(sig.inputs.map((i) => [i.feature, i]));
  const emb = fields.map((f) => {
    const ids = checkedIds(b, inputs.get(f.name)!.name, f.table.rows, `ids/${f.name}`);
    return b.op('Gather', [`table/${f.table.name}`, ids], `emb/${f.name}`, { axis: 0 }); // [batch, dim]
  });
  const parts = [...emb, ...crosses.map((x) => b.op('Mul', [emb[x.a], emb[x.b]], `cross/${x.name}`))];
  for (const name of m.layout.numeric) parts.push(numericColumn(b, inputs.get(name) as NumericInput)); // [batch, 1] each
  return parts.length > 1 ? b.op('Concat', parts, 'features', { axis: 1 }) : parts[0];
}

/** The dense network over `block`; returns the names of the graph's outputs (scores, then distinct gates). */
function body(b: GraphBuilder, g: LayerGraph, block: string): string[] {
  const names = new Map<string, string>([[g.inputs[0], block]]);
  for (const n of g.nodes) names.set(n.output, translate(b, n, n.inputs.map((i) => names.get(i)!)));
  return g.outputs.map((o) => names.get(o)!);
}

export function onnxModel(m: MultiTaskModel, sig: Signature, producer: { name: string; version: string }): OnnxModel {
  const b = new GraphBuilder();
  for (const i of sig.inputs) b.define(i.name);
  const net = m.net.scoreAndGates ?? m.net.score;
  const outs = body(b, layerGraph(net), front(b, m, sig));
  const tasks = new Map(m.spec.tasks.map((t) => [t.name, t]));
  for (const o of sig.outputs) {
    if (o.source.from === 'gate') {
      b.op('Identity', [outs[m.net.outputNames.length + o.source.index]], `out/${o.name}`, undefined, o.name);
      continue;
    }
    let y = outs[o.source.index]; // [batch, 1]
    const t = tasks.get(o.name);
    if (t?.type === 'regression' && t.labelTransform === 'log1p') y = b.op('Sub', [b.op('Exp', [y], `out/${o.name}/exp`), b.scalar(1)], `out/${o.name}/expm1`);
    b.op('Squeeze', [y, b.int64s([1])], `out/${o.name}`, undefined, o.name);
  }
  const elem = (dtype: string) => (dtype === 'int64' ? DataType.int64 : dtype === 'float64' ? DataType.double : DataType.float);
  return {
    producer,
    opset: OPSET,
    doc: `mmoe ${m.model.type} model: inputs and outputs as in signature.json (also in metadata_props 'mmoe.signature')`,
    graph: {
      name: `mmoe_${m.model.type}`,
      nodes: b.nodes,
      initializers: b.initializers,
      inputs: sig.inputs.map((i) => ({ name: i.name, type: elem(i.dtype), shape: i.shape })),
      outputs: sig.outputs.map((o) => ({ name: o.name, type: DataType.float, shape: o.shape, doc: o.meaning })),
    },
    metadata: { 'mmoe.signature': signatureJson(sig) },
  };
}
