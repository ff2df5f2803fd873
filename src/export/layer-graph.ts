// The dense network of a model as a plain list of layer applications, read generically from the
// tfjs LayersModel (its Keras-style topology and weights): what the ONNX and Keras writers
// translate. Every architecture is wired from the same few built-in layers, so one walk covers
// them all; a layer class this file does not know stops the export with its name.
import type * as tf from '@tensorflow/tfjs';

/** The layer classes the architectures use (src/model/blocks.ts, the architectures). */
export const LAYER_CLASSES = ['InputLayer', 'Dense', 'Dropout', 'Reshape', 'Activation', 'Rescaling', 'GlobalAveragePooling1D', 'Multiply', 'Concatenate', 'Flatten'] as const;
export type LayerClass = (typeof LAYER_CLASSES)[number];

export interface Weight {
  name: string;
  shape: number[];
  values: Float32Array;
}

/** One application of a layer: its inputs and its single output, by tensor id. */
export interface LayerNode {
  /** The layer's name; a layer applied twice gets `<name>_<k>` for its k-th extra application. */
  name: string;
  layer: string;
  className: LayerClass;
  config: Record<string, unknown>;
  inputs: string[];
  output: string;
  /** Output shape without the batch dimension. */
  shape: number[];
  weights: Weight[];
}

export interface LayerGraph {
  /** Tensor ids of the model's inputs, in order. */
  inputs: string[];
  /** Layer applications in an order where every input comes before its use (inputs excluded). */
  nodes: LayerNode[];
  /** Tensor ids of the model's outputs, in order. */
  outputs: string[];
}

type InboundRef = [string, number, number, Record<string, unknown>?];

interface Topology {
  config: {
    layers: { name: string; class_name: string; config: Record<string, unknown>; inbound_nodes: InboundRef[][] }[];
    input_layers: [string, number, number][];
    output_layers: [string, number, number][];
  };
}

/** The id of output `tensor` of application `node` of a layer. */
export function tensorId(layer: string, node = 0, tensor = 0): string {
  return node === 0 && tensor === 0 ? layer : `${layer}:${node}:${tensor}`;
}

export function layerGraph(model: tf.LayersModel): LayerGraph {
  const topology = model.toJSON(null, false) as unknown as Topology;
  const nodes: LayerNode[] = [];
  for (const l of topology.config.layers) {
    if (!(LAYER_CLASSES as readonly string[]).includes(l.class_name))
      throw new Error(`export: layer '${l.name}' is a ${l.class_name}, which the exporters do not translate (known: ${LAYER_CLASSES.join(', ')})`);
    if (l.class_name === 'InputLayer') continue;
    const layer = model.getLayer(l.name);
    const weights = layer.weights.map((v) => ({ name: v.originalName, shape: v.shape.map(Number), values: v.read().dataSync() as Float32Array }));
    l.inbound_nodes.forEach((inbound, k) => {
      // Every wiring of a layer (training, scoring, export graphs) has the same shapes.
      const shape = (layer.getOutputAt(0) as tf.SymbolicTensor).shape as (number | null)[];
      nodes.push({
        name: k === 0 ? l.name : `${l.name}_${k}`,
        layer: l.name,
        className: l.class_name as LayerClass,
        config: l.config,
        inputs: inbound.map(([name, node, tensor]) => tensorId(name, node, tensor)),
        output: tensorId(l.name, k),
        shape: shape.slice(1) as number[],
        weights,
      });
    });
  }
  return {
    inputs: topology.config.input_layers.map(([n, k, t]) => tensorId(n, k, t)),
    nodes,
    outputs: topology.config.output_layers.map(([n, k, t]) => tensorId(n, k, t)),
  };
}
