// Exports of a trained model for serving outside this project: model.onnx, model.keras and the
// request schema signature.json, each written whole or not at all.
import { join } from 'node:path';
import type { Config, ExportSection } from '../config/schema.js';
import { featureSpecFromConfig } from '../data/feature-spec.js';
import { UsageError } from '../errors.js';
import { blockLayout } from '../model/layout.js';
import { buildModel, type MultiTaskModel } from '../model/multi-task-model.js';
import { writeFileAtomic } from '../util/atomic-file.js';
import { KERAS_MAX_WEIGHT_BYTES, kerasTooBig, writeKerasArchive } from './keras-archive.js';
import { kerasModel } from './keras.js';
import { encodeModel } from './onnx-proto.js';
import { onnxModel } from './onnx.js';
import { checkNames, type Signature, signatureJson, signatureOf } from './signature.js';

export { type Signature, signatureJson, signatureOf } from './signature.js';

export const EXPORT_FORMATS = ['onnx', 'keras'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export const SIGNATURE_JSON = 'signature.json';
export const EXPORT_FILES: Record<ExportFormat, string> = { onnx: 'model.onnx', keras: 'model.keras' };

/** A protobuf message (and so an ONNX file without external data) holds at most 2 GiB. */
const ONNX_MAX_BYTES = 2 ** 31 - 1;

function onnxTooBig(file: string, bytes: number): UsageError {
  return new UsageError(`${file}: the model is ${(bytes / 2 ** 30).toFixed(2)} GiB, over the 2 GiB an ONNX file holds without external data; use fewer buckets`);
}

/** The formats a config's `export` section asks for at publish time. */
export function exportFormats(e: ExportSection): ExportFormat[] {
  return EXPORT_FORMATS.filter((f) => e[f]);
}

export interface ExportOptions {
  /** Gate softmaxes as extra outputs (`gate_<key>`). */
  gates: boolean;
  /** mmoe's version, recorded as the producer. */
  version: string;
}

export function writeOnnx(m: MultiTaskModel, file: string, o: ExportOptions, sig: Signature = signatureOf(m, o)): void {
  checkNames(sig);
  const proto = encodeModel(onnxModel(m, sig, { name: 'mmoe', version: o.version }));
  if (proto.length > ONNX_MAX_BYTES) throw onnxTooBig(file, proto.length);
  writeFileAtomic(file, proto.parts());
}

export async function writeKeras(m: MultiTaskModel, file: string, o: ExportOptions, sig: Signature = signatureOf(m, o)): Promise<void> {
  checkNames(sig);
  await writeKerasArchive(file, kerasModel(m, sig), `mmoe ${o.version}`);
}

/** Writes the chosen formats and signature.json into `dir` (the staging directory at publish time). */
export async function writeExports(m: MultiTaskModel, dir: string, formats: ExportFormat[], o: ExportOptions): Promise<string[]> {
  const sig = signatureOf(m, o);
  const written: string[] = [];
  for (const f of formats) {
    const file = join(dir, EXPORT_FILES[f]);
    if (f === 'onnx') writeOnnx(m, file, o, sig);
    else await writeKeras(m, file, o, sig);
    written.push(file);
  }
  writeFileAtomic(join(dir, SIGNATURE_JSON), signatureJson(sig));
  return [...written, join(dir, SIGNATURE_JSON)];
}

/**
 * Throws what writeExports would throw for the configured exports, before any data is read (a
 * night of training must not end in a config error): the model's graph is built with one-bucket
 * tables (names do not depend on buckets) and translated into each format without writing, and
 * the weights the real tables will hold are held against each format's size limit.
 */
export function checkExports(cfg: Config): void {
  const formats = exportFormats(cfg.export);
  if (formats.length === 0) return;
  const spec = featureSpecFromConfig(cfg);
  const tableBytes = blockLayout(spec).tables.reduce((sum, t) => sum + t.rows * t.dim * 4, 0);
  const m = buildModel({ ...spec, categorical: spec.categorical.map((c) => ({ ...c, buckets: 1 })) }, cfg.model, cfg.training, cfg.training.seed, { inferenceOnly: true });
  try {
    const bytes = tableBytes + m.net.train.weights.reduce((sum, w) => sum + w.shape.reduce((n: number, d) => n * Number(d), 4), 0);
    const o = { gates: cfg.export.gates, version: '' };
    const sig = signatureOf(m, o);
    checkNames(sig);
    for (const f of formats) {
      const file = `${EXPORT_FILES[f]} (export.${f})`;
      if (f === 'onnx') {
        onnxModel(m, sig, { name: 'mmoe', version: '' });
        if (bytes > ONNX_MAX_BYTES) throw onnxTooBig(file, bytes);
      } else {
        kerasModel(m, sig);
        if (bytes > KERAS_MAX_WEIGHT_BYTES) throw kerasTooBig(file, bytes);
      }
    }
  } finally {
    m.dispose();
  }
}
