// Reading a saved model's model.json and weight shards with every kind of damage named by file: a
// missing or unreadable file, invalid JSON, a shard of the wrong length (which would otherwise
// surface as a shape error naming some other weight), and weights that are NaN or infinite (a
// model that outputs NaN must be refused when opened, not found out by its scores). Weight paths
// never leave the model directory: model.json is input, and `../../etc/passwd` is not a weight.
import { readFileSync, realpathSync } from 'node:fs';
import { isAbsolute, join, relative, sep, win32 } from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import { ModelError } from '../errors.js';

export const MODEL_JSON = 'model.json';
/** Shard size tfjs and its converter write (all shards but the last hold exactly this much). */
export const SHARD_BYTES = 4 * 1024 * 1024;

export interface ModelJson {
  modelTopology: unknown;
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
}

const BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, uint8: 1, uint16: 2, float16: 2, string: 0 };

/** Bytes a manifest entry takes in the shards. */
function entryBytes(w: tf.io.WeightsManifestEntry): number {
  const n = w.shape.reduce((a, b) => a * b, 1);
  return n * (BYTES[w.quantization?.dtype ?? w.dtype] ?? 4);
}

/** Reads and parses a JSON file of a model directory; a missing or broken file is a ModelError naming it. */
export function readModelFile<T>(file: string, what = 'the model'): T {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ModelError(code === 'ENOENT' ? `missing: ${what} is incomplete; republish it or roll back` : `cannot read (${code ?? (err as Error).message})`, { file }, { cause: err });
  }
  try {
    return JSON.parse(text) as T;
  } catch (err) {
    throw new ModelError(`is not valid JSON (${(err as Error).message}): ${what} is damaged; republish it or roll back`, { file }, { cause: err });
  }
}

export function readModelJson(dir: string): ModelJson {
  const file = join(dir, MODEL_JSON);
  const json = readModelFile<ModelJson>(file);
  const groups = json?.weightsManifest;
  if (!Array.isArray(groups) || groups.some((g) => !Array.isArray(g?.paths) || !Array.isArray(g?.weights)))
    throw new ModelError('has no valid weightsManifest (groups of paths and weights): not a tfjs layers model', { file });
  return json;
}

/**
 * The weight shards of `json`, one buffer per file in manifest order, after checking that every
 * file exists and the bytes are exactly what the manifest describes; with `checkFinite`, also
 * that no float32 weight holds NaN or an infinity.
 */
export function readWeightShards(dir: string, json: ModelJson, options: { checkFinite?: boolean } = {}): ArrayBuffer[] {
  const paths = json.weightsManifest.flatMap((g) => g.paths);
  const entries = json.weightsManifest.flatMap((g) => g.weights);
  const within = realpathSync(dir); // models/latest -> 20260101: its weights lie in 20260101
  const buffers = paths.map((p) => {
    const file = join(dir, insideName(dir, p));
    let b: Buffer;
    try {
      b = readFileSync(confined(dir, within, p, realpathSync(file)));
    } catch (err) {
      if (err instanceof ModelError) throw err;
      const code = (err as NodeJS.ErrnoException).code;
      throw new ModelError(code === 'ENOENT' ? `weight file listed in ${MODEL_JSON} is missing; republish the model or roll back` : `cannot read weight file (${code})`, { file }, { cause: err });
    }
    return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
  });
  checkLengths(dir, paths, buffers.map((b) => b.byteLength), entries.reduce((s, w) => s + entryBytes(w), 0));
  if (options.checkFinite ?? true) checkFinite(dir, paths, buffers, entries);
  return buffers;
}

function pathRefused(dir: string, p: unknown, why: string): ModelError {
  return new ModelError(`weightsManifest path ${JSON.stringify(p)} ${why}: weight files lie in the model directory; the model is damaged or not one mmoe saved; republish it or roll back`, {
    file: join(dir, MODEL_JSON),
  });
}

/** A manifest path as a name relative to the model directory: not absolute, no `..`. */
function insideName(dir: string, p: unknown): string {
  if (typeof p !== 'string' || p === '') throw pathRefused(dir, p, 'is not a file name');
  if (isAbsolute(p) || win32.isAbsolute(p)) throw pathRefused(dir, p, 'is absolute');
  if (p.split(/[\\/]/).includes('..')) throw pathRefused(dir, p, 'contains ".."');
  return p;
}

/** `real` (a weight file, symlinks resolved) when it lies inside `within` (the model directory, resolved). */
function confined(dir: string, within: string, p: string, real: string): string {
  const rel = relative(within, real);
  if (rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) throw pathRefused(dir, p, `resolves to ${real}, outside ${dir}`);
  return real;
}

/** Names the shard whose length breaks the manifest: tfjs fills every shard but the last to SHARD_BYTES. */
function checkLengths(dir: string, paths: string[], sizes: number[], expected: number): void {
  const total = sizes.reduce((a, b) => a + b, 0);
  const k = paths.length;
  const last = expected - (k - 1) * SHARD_BYTES;
  const want = k > 1 && last > 0 && last <= SHARD_BYTES ? sizes.map((_, i) => (i < k - 1 ? SHARD_BYTES : last)) : k === 1 ? [expected] : null;
  // The right total is not enough: two shards swapped (renamed, copied over each other) add up too.
  if (total === expected && (want === null || sizes.every((s, i) => s === want[i]))) return;
  const i = want ? sizes.findIndex((s, j) => s !== want[j]) : sizes.findIndex((s) => s % 4 !== 0);
  const culprit = i >= 0 ? i : k - 1;
  const detail = want ? `should hold ${want[culprit]} bytes` : `the ${k} weight files should hold ${expected} bytes together, they hold ${total}`;
  throw new ModelError(`weight file holds ${sizes[culprit]} bytes but ${detail} (${MODEL_JSON}'s weightsManifest): the file was cut short or belongs to another model; republish the model or roll back`, {
    file: join(dir, paths[culprit] ?? MODEL_JSON),
  });
}

/** Scans every float32 weight; the first non-finite value is reported with its weight and shard. */
function checkFinite(dir: string, paths: string[], buffers: ArrayBuffer[], entries: tf.io.WeightsManifestEntry[]): void {
  const starts: number[] = [];
  let at = 0;
  for (const b of buffers) {
    starts.push(at);
    at += b.byteLength;
  }
  let offset = 0;
  for (const w of entries) {
    const bytes = entryBytes(w);
    if (w.dtype === 'float32' && !w.quantization) {
      const bad = firstNonFinite(buffers, starts, offset, bytes);
      if (bad) {
        let shard = 0;
        while (shard + 1 < starts.length && starts[shard + 1]! <= offset + bad.index * 4) shard++;
        throw new ModelError(
          `weight '${w.name}' (shape [${w.shape.join(', ')}]) holds ${bad.count} non-finite value(s), the first ${bad.value} at index ${bad.index}: the model is broken (a damaged file, or it was saved after training diverged); republish it or roll back`,
          { file: join(dir, paths[shard]!) },
        );
      }
    }
    offset += bytes;
  }
}

/** Counts NaN and infinite float32 values in bytes [offset, offset + bytes) of the shards laid end to end. */
function firstNonFinite(buffers: ArrayBuffer[], starts: number[], offset: number, bytes: number): { index: number; value: number; count: number } | null {
  let first: { index: number; value: number } | null = null;
  let count = 0;
  for (let s = 0; s < buffers.length; s++) {
    const lo = Math.max(offset, starts[s]!);
    const hi = Math.min(offset + bytes, starts[s]! + buffers[s]!.byteLength);
    if (hi <= lo) continue;
    const local = lo - starts[s]!;
    // A copy only when a preceding weight of another width left the values unaligned.
    const n = Math.floor((hi - lo) / 4);
    const values = local % 4 === 0 ? new Float32Array(buffers[s]!, local, n) : new Float32Array(buffers[s]!.slice(local, local + n * 4));
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if (v - v === 0) continue; // finite (NaN - NaN and Inf - Inf are NaN)
      count++;
      first ??= { index: (lo - offset) / 4 + i, value: v };
    }
  }
  return first ? { ...first, count } : null;
}
