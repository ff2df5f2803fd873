// The size of a config's dense network in multiply-adds per row (forward): what `--backend auto`
// weighs to pick the training engine (backend-choice.ts). The engine is not chosen yet, so the
// network is wired once on the pure-JS backend, its kernels counted and its weights released.
import * as tf from '@tensorflow/tfjs';
import type { ModelSection } from '../config/schema.js';
import type { FeatureSpec } from '../data/feature-spec.js';
import { buildDenseNet } from './dense-net.js';
import { blockLayout } from './layout.js';
import { getArchitecture } from './registry.js';

/** Multiply-adds per row of every Dense kernel (2-D weight) of the training graph. Leaves the cpu backend active. */
export async function denseMacsPerRow(spec: FeatureSpec, model: ModelSection): Promise<number> {
  await tf.setBackend('cpu');
  const net = buildDenseNet(getArchitecture(model.type), { spec, model }, blockLayout(spec).width, 0);
  const kernels = net.train.weights.filter((w) => w.shape.length === 2);
  const macs = kernels.reduce((s, w) => s + w.shape[0]! * w.shape[1]!, 0);
  for (const w of net.train.weights) w.dispose();
  return macs;
}
