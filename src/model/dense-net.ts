// The dense part of a model as tfjs graphs over the input block: a training graph (dropout live,
// outputs logits) and an inference graph (outputs and gates) sharing one set of layers.
import * as tf from '@tensorflow/tfjs';
import type { Architecture, ArchitectureConfig, LossSource, Wired } from './architecture.js';
import { LayerCache } from './blocks.js';
import { logitOffsets } from '../data/negative-sampling.js';

export interface DenseNet {
  arch: Architecture;
  layers: LayerCache;
  /** block -> logits, in `logitNames` order. */
  train: tf.LayersModel;
  logitNames: string[];
  /** block -> logits without dropout (evaluation losses). */
  evalLogits: tf.LayersModel;
  /** block -> serving outputs, in `outputNames` order. */
  score: tf.LayersModel;
  outputNames: string[];
  /** block -> distinct gate softmaxes; `gateKeys[k]` reads output `gateIndex[k]`. */
  gates: tf.LayersModel | null;
  /** block -> serving outputs then the distinct gates: one forward pass for eval with diagnostics. */
  scoreAndGates: tf.LayersModel | null;
  gateKeys: string[];
  gateIndex: number[];
  losses: Record<string, LossSource>;
  /** Dense kernels with an L2 factor. */
  l2: { kernel: tf.LayerVariable; l2: number }[];
}

export function blockInput(width: number, name = 'features'): tf.SymbolicTensor {
  return tf.input({ shape: [width], name });
}

export function buildDenseNet(arch: Architecture, cfg: ArchitectureConfig, width: number, seed: number): DenseNet {
  arch.validate(cfg);
  const layers = new LayerCache(seed, logitOffsets(cfg.spec));
  const trainInput = blockInput(width);
  const trained = arch.wire(trainInput, { layers, training: true }, cfg);
  const inferInput = blockInput(width);
  const inferred: Wired = arch.wire(inferInput, { layers, training: false }, cfg);
  const logitNames = Object.keys(trained.logits);
  const outputNames = Object.keys(inferred.outputs);
  const gateKeys = Object.keys(inferred.gates);
  const distinct = [...new Set(Object.values(inferred.gates))];
  const gateIndex = gateKeys.map((k) => distinct.indexOf(inferred.gates[k]));
  return {
    arch,
    layers,
    train: tf.model({ inputs: trainInput, outputs: logitNames.map((n) => trained.logits[n]), name: `${arch.name}_train` }),
    logitNames,
    evalLogits: tf.model({ inputs: inferInput, outputs: logitNames.map((n) => inferred.logits[n]), name: `${arch.name}_eval` }),
    score: tf.model({ inputs: inferInput, outputs: outputNames.map((n) => inferred.outputs[n]), name: `${arch.name}_score` }),
    outputNames,
    gates: distinct.length ? tf.model({ inputs: inferInput, outputs: distinct, name: `${arch.name}_gates` }) : null,
    scoreAndGates: distinct.length
      ? tf.model({ inputs: inferInput, outputs: [...outputNames.map((n) => inferred.outputs[n]), ...distinct], name: `${arch.name}_score_gates` })
      : null,
    gateKeys,
    gateIndex,
    losses: arch.losses(cfg),
    l2: [...layers.l2].map(([name, l2]) => ({ kernel: kernelOf(layers, name), l2 })),
  };
}

function kernelOf(layers: LayerCache, name: string): tf.LayerVariable {
  return layers.find(name)!.trainableWeights.find((v) => v.originalName === `${name}/kernel`)!;
}
