// The .keras archive: a zip of config.json, metadata.json and model.weights.h5, laid out as Keras 3's
// saving_lib writes it. The weights file holds a group per layer, named after the layer's class in
// snake case with a counter in config order (layers/dense, layers/dense_1, ...), each with the
// layer's variables as datasets vars/0, vars/1 (kernel, bias; embeddings): what load_model reads.
import { readFileSync, rmSync, statSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import { zipSync } from 'fflate';
import h5wasm from 'h5wasm/node';
import { UsageError } from '../errors.js';
import { writeFileAtomic } from '../util/atomic-file.js';
import type { KerasModel } from './keras.js';

/** The Keras version whose archive layout this follows (checked with TensorFlow 2.21's Keras). */
export const KERAS_FORMAT_VERSION = '3.15.1';

/**
 * The weights file is written by h5wasm, whose heap holds at most 2 GiB, and read back whole to
 * be zipped (Node reads at most 2 GiB into one buffer): 2 GiB of weights, less a margin for HDF5's
 * own structures.
 */
export const KERAS_MAX_WEIGHT_BYTES = 2 ** 31 - 2 ** 26;

export function kerasTooBig(file: string, bytes: number): UsageError {
  return new UsageError(`${file}: the weights take ${(bytes / 2 ** 30).toFixed(2)} GiB, over the 2 GiB a .keras archive written here holds; use fewer buckets`);
}

/** Keras's naming.to_snake_case for the layer classes used here. */
export function snakeCase(className: string): string {
  return className
    .replace(/(.)([A-Z][a-z]+)/g, '$1_$2')
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .toLowerCase();
}

/** The group of each layer in model.weights.h5, by layer name. */
export function weightGroups(layers: { name: string; className: string }[]): Map<string, string> {
  const counts = new Map<string, number>();
  return new Map(
    layers.map((l) => {
      const base = snakeCase(l.className);
      const k = counts.get(base) ?? 0;
      counts.set(base, k + 1);
      return [l.name, `layers/${k === 0 ? base : `${base}_${k}`}`];
    }),
  );
}

async function writeWeightsH5(file: string, k: KerasModel, modelName: string): Promise<void> {
  await h5wasm.ready;
  const f = new h5wasm.File(file, 'w');
  try {
    const groups = weightGroups(k.layerClasses);
    const weights = new Map(k.weights.map((w) => [w.layer, w.values]));
    f.create_group('layers');
    for (const [layer, path] of groups) {
      const vars = f.create_group(path).create_group('vars');
      vars.create_attribute('name', layer);
      (weights.get(layer) ?? []).forEach((w, i) => vars.create_dataset({ name: String(i), data: w.values, shape: w.shape, dtype: '<f' }));
    }
    f.create_group('vars').create_attribute('name', modelName);
  } finally {
    f.close();
  }
}

/** Writes the archive at `file` (atomically): the weights go through a temporary .h5 next to it. */
export async function writeKerasArchive(file: string, k: KerasModel, producer: string): Promise<void> {
  const h5 = join(dirname(file), `.${basename(file)}.weights-${process.pid}-${randomBytes(4).toString('hex')}.h5`);
  const bytes = k.weights.reduce((sum, l) => sum + l.values.reduce((s, w) => s + w.values.byteLength, 0), 0);
  if (bytes > KERAS_MAX_WEIGHT_BYTES) throw kerasTooBig(file, bytes);
  try {
    const modelName = (k.config.config as { name: string }).name;
    await writeWeightsH5(h5, k, modelName);
    const weightBytes = statSync(h5).size;
    if (weightBytes > KERAS_MAX_WEIGHT_BYTES) throw kerasTooBig(file, weightBytes);
    const metadata = { keras_version: KERAS_FORMAT_VERSION, date_saved: new Date().toISOString().slice(0, 19).replace('T', '@'), producer };
    const zip = zipSync(
      {
        'metadata.json': new TextEncoder().encode(JSON.stringify(metadata)),
        'config.json': new TextEncoder().encode(JSON.stringify(k.config)),
        'model.weights.h5': readFileSync(h5),
      },
      { level: 0 },
    );
    writeFileAtomic(file, zip);
  } finally {
    rmSync(h5, { force: true });
  }
}
