// model.keras's config.json: the scoring graph as a Keras 3 functional model with the same inputs
// and outputs as model.onnx (signature.ts). The front is built from the feature spec (an Embedding
// per table on int64 bucket ids, ids outside the table refused, crosses as Multiply, each
// numeric's transform), the network is translated from the tfjs graph (its layers are Keras's
// built-in layers under the same names), and label transforms are inverted in the graph.
// Element-wise math uses keras.ops, which Keras 3 serializes as operations: nothing of this
// project is needed to load the model.
import { ConfigError } from '../errors.js';
import type { MultiTaskModel } from '../model/multi-task-model.js';
import type { LayerNode, Weight } from './layer-graph.js';
import { layerGraph } from './layer-graph.js';
import { crossName, tableName } from './names.js';
import type { NumericInput, Signature } from './signature.js';

type Shape = (number | null)[];

interface TensorRef {
  class_name: '__keras_tensor__';
  config: { shape: Shape; dtype: string; keras_history: [string, number, number] };
}

function isTensorRef(a: unknown): a is TensorRef {
  return typeof a === 'object' && a !== null && (a as TensorRef).class_name === '__keras_tensor__';
}

export interface KerasLayer {
  module: string;
  class_name: string;
  config: Record<string, unknown>;
  registered_name: string | null;
  name: string;
  inbound_nodes: { args: unknown[]; kwargs: Record<string, never> }[];
}

export interface KerasModel {
  /** config.json's object. */
  config: Record<string, unknown>;
  /** Layers with weights, in config order, with the weights in Keras's variable order. */
  weights: { layer: string; className: string; values: Weight[] }[];
  /** Every layer (not operation) in the order of the loaded model's `layers`: model.weights.h5 has a group for each. */
  layerClasses: { name: string; className: string }[];
}

/**
 * The order of a functional model's operations as Keras computes it when the model is built
 * (keras/src/ops/function.py map_graph): a depth-first walk from the outputs (a dict's outputs in
 * sorted key order) numbers operations as first seen; an operation's depth is its longest distance
 * to an output; operations come deepest first, ties in walk order. model.weights.h5 names layers
 * by their place in this order, so the archive must follow it.
 */
export function kerasOperationOrder(layers: KerasLayer[], outputs: Record<string, [string, number, number]>): string[] {
  const byName = new Map(layers.map((l) => [l.name, l]));
  const key = (layer: string, node: number) => `${layer}\u0000${node}`;
  const parents = (layer: string, node: number): [string, number][] => {
    const inbound = byName.get(layer)!.inbound_nodes[node];
    if (!inbound) return [];
    return (inbound.args.flat() as unknown[]).filter(isTensorRef).map((r) => [r.config.keras_history[0], r.config.keras_history[1]]);
  };
  const finished = new Set<string>();
  const walk: [string, number][] = [];
  const firstSeen = new Map<string, number>();
  const visit = (layer: string, node: number): void => {
    if (finished.has(key(layer, node))) return;
    if (!firstSeen.has(layer)) firstSeen.set(layer, firstSeen.size);
    for (const [l, n] of parents(layer, node)) visit(l, n);
    finished.add(key(layer, node));
    walk.push([layer, node]);
  };
  for (const name of Object.keys(outputs).sort()) visit(outputs[name][0], outputs[name][1]);
  const nodeDepth = new Map<string, number>();
  const opDepth = new Map<string, number>();
  for (const [layer, node] of walk.reverse()) {
    const depth = Math.max(nodeDepth.get(key(layer, node)) ?? 0, opDepth.get(layer) ?? 0);
    opDepth.set(layer, depth);
    nodeDepth.set(key(layer, node), depth);
    for (const [l, n] of parents(layer, node)) nodeDepth.set(key(l, n), Math.max(depth + 1, nodeDepth.get(key(l, n)) ?? 0));
  }
  return [...opDepth.keys()].sort((a, b) => opDepth.get(b)! - opDepth.get(a)! || firstSeen.get(a)! - firstSeen.get(b)!);
}

class KerasBuilder {
  readonly layers: KerasLayer[] = [];
  readonly weights: KerasModel['weights'] = [];
  private readonly tensors = new Map<string, TensorRef>();
  private readonly byName = new Map<string, KerasLayer>();
  /** The share key each reusable layer was made with: another call reuses it only with the same key. */
  private readonly shareKeys = new Map<string, string>();

  private add(l: KerasLayer): KerasLayer {
    if (this.byName.has(l.name)) throw new ConfigError(`export: '${l.name}' would name two layers of the Keras model; rename the feature or task of that name`);
    this.byName.set(l.name, l);
    this.layers.push(l);
    return l;
  }

  ref(id: string): TensorRef {
    const r = this.tensors.get(id);
    if (!r) throw new Error(`export: tensor '${id}' used before it is made`);
    return r;
  }

  /** Records the output of `layer`'s newest call; returns its id. */
  private output(layer: string, shape: Shape, dtype = 'float32'): string {
    const node = Math.max(0, this.byName.get(layer)!.inbound_nodes.length - 1); // an InputLayer has no inbound node
    const id = node === 0 ? layer : `${layer}:${node}`;
    this.tensors.set(id, { class_name: '__keras_tensor__', config: { shape, dtype, keras_history: [layer, node, 0] } });
    return id;
  }

  input(name: string, dtype: 'int64' | 'float64'): string {
    this.add({ module: 'keras.layers', class_name: 'InputLayer', config: { batch_shape: [null], dtype, sparse: false, ragged: false, name, optional: false }, registered_name: null, name, inbound_nodes: [] });
    return this.output(name, [null], dtype);
  }

  /**
   * Calls a built-in layer on one tensor, or on a list for merge layers. A layer made with a
   * `share` key (an embedding table, a layer of the network) is called again by a later call with
   * the same key; any other call under a taken name is a name clash.
   */
  layer(className: string, name: string, config: Record<string, unknown>, inputs: string | string[], shape: Shape, weights: Weight[] = [], share?: string): string {
    let l = share !== undefined && this.shareKeys.get(name) === share ? this.byName.get(name) : undefined;
    if (!l) {
      l = this.add({ module: 'keras.layers', class_name: className, config: { name, trainable: true, dtype: 'float32', ...config }, registered_name: null, name, inbound_nodes: [] });
      if (share !== undefined) this.shareKeys.set(name, share);
      if (weights.length) this.weights.push({ layer: name, className, values: weights });
    }
    const arg = Array.isArray(inputs) ? inputs.map((i) => this.ref(i)) : this.ref(inputs);
    l.inbound_nodes.push({ args: [arg], kwargs: {} });
    return this.output(name, shape);
  }

  /**
   * A keras.ops operation (e.g. Log1p) on positional arguments: tensors by id, numbers as
   * literals (Keras serializes a Python scalar argument as itself).
   */
  op(className: string, name: string, args: (string | number)[], shape: Shape, o: { config?: Record<string, unknown>; dtype?: string; module?: string } = {}): string {
    const inbound = { args: args.map((a) => (typeof a === 'number' ? a : this.ref(a))), kwargs: {} };
    this.add({ module: o.module ?? 'keras.src.ops.numpy', class_name: className, config: { name, ...o.config }, registered_name: className, name, inbound_nodes: [inbound] });
    return this.output(name, shape, o.dtype);
  }
}

const PLAIN: Record<string, (c: Record<string, unknown>) => Record<string, unknown>> = {
  Dense: (c) => ({ units: c.units, activation: c.activation, use_bias: c.use_bias }),
  Activation: (c) => ({ activation: c.activation }),
  Dropout: (c) => ({ rate: c.rate }),
  Reshape: (c) => ({ target_shape: c.target_shape }),
  Flatten: () => ({ data_format: 'channels_last' }),
  Concatenate: (c) => ({ axis: c.axis ?? -1 }),
  Multiply: () => ({}),
  Rescaling: (c) => ({ scale: c.scale, offset: c.offset }),
  GlobalAveragePooling1D: () => ({ data_format: 'channels_last', keepdims: false }),
};

function translate(k: KerasBuilder, n: LayerNode, inputs: string[]): string {
  const config = PLAIN[n.className];
  if (!config) throw new Error(`export: layer '${n.name}' (${n.className}) has no Keras translation`);
  const merge = n.className === 'Concatenate' || n.className === 'Multiply';
  return k.layer(n.className, n.layer, config(n.config), merge ? inputs : inputs[0], [null, ...n.shape], n.weights, `net:${n.layer}`);
}

/**
 * A numeric input's [batch, 1] float32 column after its transform. keras.ops on the float64 input
 * with the statistics as literals keep float64 until the Cast, as training transforms the parsed
 * double and stores float32 (Rescaling would not: it casts its scale and offset through float32).
 */
function numericColumn(k: KerasBuilder, input: NumericInput): string {
  const p = input.name;
  const x = k.input(p, 'float64');
  const s = input.statistics;
  const op = (className: string, name: string, args: (string | number)[]) => k.op(className, `${p}_${name}`, args, [null], { dtype: 'float64' });
  let y: string;
  switch (input.transform) {
    case 'none':
      y = x;
      break;
    case 'log1p': // signed, as training does: sign(x) * log1p(|x|)
      y = op('Multiply', 'log1p', [op('Sign', 'sign', [x]), op('Log1p', 'log1p_abs', [op('Absolute', 'abs', [x])])]);
      break;
    case 'standardize':
      y = op('Divide', 'standardize', [op('Subtract', 'center', [x, s.mean!]), s.std || 1]);
      break;
    case 'minmax': {
      const range = s.max! - s.min!;
      y = range > 0 ? op('Divide', 'minmax', [op('Subtract', 'shift', [x, s.min!]), range]) : op('Multiply', 'minmax', [x, 0]);
      break;
    }
  }
  const f = k.op('Cast', `${p}_float32`, [y], [null], { module: 'keras.src.ops.core', config: { dtype: 'float32' } });
  return k.layer('Reshape', `${p}_column`, { target_shape: [1] }, f, [null, 1]);
}

/**
 * Bucket ids as the Embedding reads them, with a negative id moved to `rows`, one past the table.
 * Keras's take() reads -1 as the last row (the empty value's), so a client hashing with a signed
 * remainder would be scored with wrong embeddings and no error; past the end, TensorFlow's gather
 * refuses the request on CPU, as it does for an id above `buckets`. Keras ops, not a custom
 * layer: the model loads without this project's code.
 */
function checkedIds(k: KerasBuilder, ids: string, rows: number, name: string): string {
  const negative = k.op('Less', `${name}_negative`, [ids, 0], [null], { dtype: 'bool' });
  return k.op('Where', name, [negative, rows, ids], [null], { dtype: 'int64' });
}

export function kerasModel(m: MultiTaskModel, sig: Signature): KerasModel {
  const k = new KerasBuilder();
  const inputs = new Map(sig.inputs.map((i) => [i.feature, i]));
  // Inputs first, in signature order, so the model's input list reads like the signature.
  const ids = new Map(sig.inputs.filter((i) => i.kind === 'categorical').map((i) => [i.feature, k.input(i.name, 'int64')]));
  const emb = m.layout.fields.map((f) => {
    const t = f.table;
    const v = m.tables.view(t.name);
    const values = v.stride === v.dim ? v.store.subarray(0, v.rows * v.dim) : m.tables.read(t.name);
    const checked = checkedIds(k, ids.get(f.name)!, t.rows, `ids_${inputs.get(f.name)!.name}`);
    return k.layer('Embedding', `emb_${tableName(m.spec, t.name)}`, { input_dim: t.rows, output_dim: t.dim }, checked, [null, t.dim], [{ name: 'embeddings', shape: [t.rows, t.dim], values }], `table:${t.name}`);
  });
  const parts = [...emb, ...m.layout.crosses.map((x) => k.layer('Multiply', `cross_${crossName(m.spec, x.name)}`, {}, [emb[x.a], emb[x.b]], [null, x.dim]))];
  for (const name of m.layout.numeric) parts.push(numericColumn(k, inputs.get(name) as NumericInput));
  const block = parts.length > 1 ? k.layer('Concatenate', 'features', { axis: -1 }, parts, [null, m.layout.width]) : parts[0];

  const g = layerGraph(m.net.scoreAndGates ?? m.net.score);
  const names = new Map<string, string>([[g.inputs[0], block]]);
  for (const n of g.nodes) names.set(n.output, translate(k, n, n.inputs.map((i) => names.get(i)!)));
  const outs = g.outputs.map((o) => names.get(o)!);

  const tasks = new Map(m.spec.tasks.map((t) => [t.name, t]));
  const outputLayers: Record<string, [string, number, number]> = {};
  for (const o of sig.outputs) {
    let y: string;
    if (o.source.from === 'gate') y = outs[m.net.outputNames.length + o.source.index];
    else {
      y = outs[o.source.index]; // [batch, 1]
      const t = tasks.get(o.name);
      if (t?.type === 'regression' && t.labelTransform === 'log1p') y = k.op('Expm1', `out_${o.name}_expm1`, [y], [null, 1]);
      y = k.op('Squeeze', `out_${o.name}`, [y], [null], { config: { axis: -1 } });
    }
    outputLayers[o.name] = k.ref(y).config.keras_history;
  }
  const inputLayers = Object.fromEntries(sig.inputs.map((i) => [i.name, [i.name, 0, 0]]));
  const name = `mmoe_${m.model.type}`;
  return {
    config: {
      module: 'keras.src.models.functional',
      class_name: 'Functional',
      config: { name, trainable: true, layers: k.layers, input_layers: inputLayers, output_layers: outputLayers },
      registered_name: 'Functional',
      build_config: { input_shape: null },
      compile_config: null,
    },
    weights: k.weights,
    layerClasses: kerasOperationOrder(k.layers, outputLayers)
      .map((n) => k.layers.find((l) => l.name === n)!)
      .filter((l) => l.module === 'keras.layers')
      .map((l) => ({ name: l.name, className: l.class_name })),
  };
}
