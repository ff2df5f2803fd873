// Reads the tfjs training graph of a DenseNet into a Net: walks back from the logits through the
// layers that produced them, so the fast path computes exactly the graph tfjs trains (and the
// exported model is built from). A layer or option the kernels do not cover makes the whole
// model fall back to tfjs, with the reason.
import type * as tf from '@tensorflow/tfjs';
import type { DenseNet } from '../dense-net.js';
import type { Activation, Net, NetOp, ParamSpec } from './net.js';

type ST = tf.SymbolicTensor;

const ACTIVATIONS: readonly string[] = ['linear', 'relu', 'elu', 'selu', 'tanh', 'sigmoid', 'swish'];

/** The graph has something the fast path does not compute; the message says what. */
export class UnsupportedGraph extends Error {}

export interface Described {
  net: Net;
  /** The tfjs variable of each Net param, in the same order. */
  variables: tf.LayerVariable[];
}

interface LayerConfig {
  units?: number;
  activation?: string;
  useBias?: boolean;
  axis?: number;
  scale?: number;
  offset?: number;
  rate?: number;
}

export function describeNet(dn: DenseNet): Described {
  const model = dn.train;
  const variables = model.trainableWeights;
  const index = new Map(variables.map((v, i) => [v, i]));
  const l2 = new Map(dn.l2.map((k) => [k.kernel, k.l2]));
  const params: ParamSpec[] = variables.map((v) => ({
    name: v.originalName,
    rows: v.shape.length === 2 ? (v.shape[0] as number) : 1,
    cols: v.shape[v.shape.length - 1] as number,
    l2: l2.get(v) ?? 0,
  }));
  const bound = new Set<number>();
  const cols: number[] = [width(model.inputs[0]!)];
  const ops: NetOp[] = [];
  const memo = new Map<number, number>([[model.inputs[0]!.id, 0]]);

  const tensor = (st: ST): number => {
    const known = memo.get(st.id);
    if (known !== undefined) return known;
    const t = lower(st);
    memo.set(st.id, t);
    return t;
  };
  const fresh = (st: ST): number => cols.push(width(st)) - 1;
  const param = (v: tf.LayerVariable | undefined, layer: string): number => {
    const i = v === undefined ? undefined : index.get(v);
    if (i === undefined) throw new UnsupportedGraph(`layer ${layer}: a weight that is not trainable`);
    bound.add(i);
    return i;
  };

  // One tensor per SymbolicTensor, except those that only reshape (same values, same layout).
  function lower(st: ST): number {
    const layer = st.sourceLayer;
    const cls = layer.getClassName();
    const cfg = layer.getConfig() as LayerConfig;
    const inputs = st.inputs;
    switch (cls) {
      case 'Reshape':
        return tensor(inputs[0]!);
      case 'Dropout':
        if ((cfg.rate ?? 0) > 0 && st.callArgs?.training) throw new UnsupportedGraph(`dropout ${cfg.rate} (layer ${layer.name}) is not in the fast path`);
        return tensor(inputs[0]!);
      case 'Dense': {
        if (inputs[0]!.shape.length !== 2) throw new UnsupportedGraph(`layer ${layer.name}: Dense on a rank-${inputs[0]!.shape.length} input`);
        const [kernel, bias] = layer.trainableWeights;
        if (cfg.useBias === false || !bias) throw new UnsupportedGraph(`layer ${layer.name}: Dense without a bias`);
        const input = tensor(inputs[0]!);
        const out = fresh(st);
        ops.push({ kind: 'dense', input, output: out, units: cfg.units!, activation: activation(cfg, layer.name), kernel: param(kernel, layer.name), bias: param(bias, layer.name) });
        return out;
      }
      case 'Concatenate': {
        const rank = st.shape.length;
        const axis = cfg.axis! < 0 ? cfg.axis! + rank : cfg.axis!;
        // Column blocks of each row stay contiguous: the last axis of [rows, n], or axis 1 of [rows, e, u].
        if (!(axis === rank - 1 && rank === 2) && !(axis === 1 && rank === 3)) throw new UnsupportedGraph(`layer ${layer.name}: Concatenate on axis ${cfg.axis} of rank ${rank}`);
        const parts = inputs.map(tensor);
        const out = fresh(st);
        ops.push({ kind: 'concat', inputs: parts, output: out });
        return out;
      }
      case 'GlobalAveragePooling1D': {
        const mul = inputs[0]!;
        if (mul.sourceLayer.getClassName() !== 'Multiply' || mul.inputs.length !== 2)
          throw new UnsupportedGraph(`layer ${layer.name}: an average that is not a gate mixture`);
        const [g, bank] = mul.inputs[0]!.shape[2] === 1 ? mul.inputs : [mul.inputs[1]!, mul.inputs[0]!];
        const [, experts, units] = bank!.shape as [null, number, number];
        if (g!.shape[1] !== experts || bank!.shape.length !== 3) throw new UnsupportedGraph(`layer ${mul.sourceLayer.name}: a product that is not a gate mixture`);
        const gate = tensor(g!);
        const b = tensor(bank!);
        const out = fresh(st);
        ops.push({ kind: 'mixture', gate, bank: b, output: out, experts, units, scale: 1 / experts });
        return out;
      }
      case 'Rescaling': {
        if ((cfg.offset ?? 0) !== 0) throw new UnsupportedGraph(`layer ${layer.name}: Rescaling with an offset`);
        const input = tensor(inputs[0]!);
        const out = fresh(st);
        ops.push({ kind: 'scale', input, output: out, scale: cfg.scale! });
        return out;
      }
      case 'Activation': {
        const input = tensor(inputs[0]!);
        const out = fresh(st);
        if (cfg.activation === 'softmax') {
          if (st.shape.length !== 2) throw new UnsupportedGraph(`layer ${layer.name}: softmax of rank ${st.shape.length}`);
          ops.push({ kind: 'softmax', input, output: out });
        } else ops.push({ kind: 'activation', input, output: out, activation: activation(cfg, layer.name) });
        return out;
      }
      default:
        throw new UnsupportedGraph(`layer ${layer.name} of class ${cls} is not in the fast path`);
    }
  }

  const logits = dn.logitNames.map((name, i) => {
    const st = model.outputs[i]!;
    if (width(st) !== 1) throw new UnsupportedGraph(`logit ${name} has ${width(st)} columns`);
    return { name, tensor: tensor(st) };
  });
  const unbound = params.filter((_, i) => !bound.has(i));
  if (unbound.length) throw new UnsupportedGraph(`weights outside the layers the fast path computes: ${unbound.map((p) => p.name).join(', ')}`);
  return { net: { cols, ops, logits, params }, variables };
}

/** Values per row: the product of the non-batch dimensions. */
function width(st: ST): number {
  return st.shape.slice(1).reduce<number>((p, d) => p * (d as number), 1);
}

function activation(cfg: LayerConfig, layer: string): Activation {
  const a = cfg.activation ?? 'linear';
  if (!ACTIVATIONS.includes(a)) throw new UnsupportedGraph(`layer ${layer}: activation ${a} is not in the fast path`);
  return a as Activation;
}
