// A tfjs IOHandler on node:fs: plain @tensorflow/tfjs has no file:// handler without tfjs-node.
// Writes the standard layers-model directory (model.json + weight shards, as tfjs's own savers
// do), so tf.loadLayersModel and browsers read it unchanged.
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { ModelError } from '../errors.js';
import { ensureDirectory, writeFileAtomic } from '../util/atomic-file.js';
import { MODEL_JSON, type ModelJson, readModelJson, readWeightShards, SHARD_BYTES } from './weight-files.js';

export { MODEL_JSON };

function buffers(data: tf.io.ModelArtifacts['weightData']): ArrayBuffer[] {
  return data === undefined ? [] : Array.isArray(data) ? data : [data];
}

/** Splits the weight bytes into fixed-size shards without first joining them in memory. */
function writeShards(dir: string, parts: ArrayBuffer[]): string[] {
  const total = parts.reduce((s, b) => s + b.byteLength, 0);
  const count = Math.max(1, Math.ceil(total / SHARD_BYTES));
  const paths = Array.from({ length: count }, (_, i) => `group1-shard${i + 1}of${count}.bin`);
  let shard = Buffer.alloc(Math.min(SHARD_BYTES, total));
  let filled = 0;
  let index = 0;
  const flush = () => {
    writeFileAtomic(join(dir, paths[index++]!), shard.subarray(0, filled));
    shard = Buffer.alloc(Math.max(0, Math.min(SHARD_BYTES, total - index * SHARD_BYTES)));
    filled = 0;
  };
  for (const part of parts) {
    let src = Buffer.from(part);
    while (src.length > 0) {
      const n = Math.min(src.length, shard.length - filled);
      src.copy(shard, filled, 0, n);
      filled += n;
      src = src.subarray(n);
      if (filled === shard.length) flush();
    }
  }
  if (index < count) flush();
  return paths;
}

/**
 * Loads check every file (a damaged one is a ModelError naming it) and, unless `checkFinite` is
 * false, that no weight is NaN or infinite.
 */
export function nodeFileSystem(dir: string, options: { checkFinite?: boolean } = {}): tf.io.IOHandler {
  return {
    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      ensureDirectory(dir);
      const paths = writeShards(dir, buffers(artifacts.weightData));
      const json: ModelJson = {
        modelTopology: artifacts.modelTopology,
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy ?? null,
        weightsManifest: [{ paths, weights: artifacts.weightSpecs ?? [] }],
      };
      writeFileAtomic(join(dir, MODEL_JSON), JSON.stringify(json));
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    },
    async load(): Promise<tf.io.ModelArtifacts> {
      const json = readModelJson(dir);
      const weightData = readWeightShards(dir, json, options);
      return {
        modelTopology: json.modelTopology as tf.io.ModelArtifacts['modelTopology'],
        format: json.format,
        generatedBy: json.generatedBy,
        convertedBy: json.convertedBy,
        weightSpecs: json.weightsManifest.flatMap((g) => g.weights),
        weightData,
      };
    },
  };
}

/** Float32 weights by name, read straight from the bytes (no tensors: tables may be huge); `file` is the model.json they were listed in. */
export function decodeFloat32Weights(artifacts: tf.io.ModelArtifacts, file = MODEL_JSON): Map<string, { shape: number[]; values: Float32Array }> {
  const all = new tf.io.CompositeArrayBuffer(artifacts.weightData ?? []);
  const out = new Map<string, { shape: number[]; values: Float32Array }>();
  let offset = 0;
  for (const spec of artifacts.weightSpecs ?? []) {
    if (spec.dtype !== 'float32' || spec.quantization)
      throw new ModelError(`weight '${spec.name}' is ${spec.quantization ? 'quantized' : spec.dtype}; only float32 models saved by mmoe can be restored`, { file });
    const bytes = spec.shape.reduce((a, b) => a * b, 1) * 4;
    out.set(spec.name, { shape: spec.shape, values: new Float32Array(all.slice(offset, offset + bytes)) });
    offset += bytes;
  }
  return out;
}
