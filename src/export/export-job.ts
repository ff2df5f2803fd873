// `mmoe export` core: opens a published model for reading only, with the checks of eval (a damaged
// or mismatched file is exit 3 naming it), and writes the chosen formats and signature.json, or
// just returns the signature.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { UsageError } from '../errors.js';
import { loadServedModel, resolveModelDir } from '../scoring/model-dir.js';
import { writeFileAtomic } from '../util/atomic-file.js';
import { EXPORT_FILES, EXPORT_FORMATS, type ExportFormat, SIGNATURE_JSON, writeKeras, writeOnnx } from './index.js';
import { type Signature, signatureJson, signatureOf } from './signature.js';

export interface ExportJob {
  model: string;
  formats: ExportFormat[];
  /** The file to write (one format only); default: `<model dir>/model.<format>`. */
  output?: string;
  gates: boolean;
  version: string;
}

export interface ExportOutcome {
  signature: Signature;
  /** Files written, with their sizes in bytes. */
  files: { path: string; bytes: number }[];
}

/**
 * One signature.json describes every export in its directory: an export whose signature differs
 * from that of an export it would leave in place (made with or without --gates) is refused, before
 * anything is written, rather than leaving a schema that names outputs a file does not have.
 */
function checkSharedSignature(dir: string, formats: ExportFormat[], text: string): void {
  const others = EXPORT_FORMATS.filter((f) => !formats.includes(f) && existsSync(join(dir, EXPORT_FILES[f])));
  const file = join(dir, SIGNATURE_JSON);
  if (others.length === 0 || !existsSync(file) || readFileSync(file, 'utf8') === text) return;
  const other = others.map((f) => EXPORT_FILES[f]).join(' and ');
  throw new UsageError(
    `${dir}: ${other} there does not match this export (other outputs, made with or without --gates, or another model), and the directory's one signature.json must describe both; export them together (--format ${EXPORT_FORMATS.join(',')}) or write elsewhere with --output`,
  );
}

export async function runExport(job: ExportJob): Promise<ExportOutcome> {
  if (job.output !== undefined && job.formats.length !== 1) throw new UsageError(`--output names one file: give one --format with it (got ${job.formats.join(', ') || 'none'})`);
  const dir = resolveModelDir(job.model);
  // Checked as eval checks it: what serving gets must be the network and inputs that were evaluated.
  const { model: m } = await loadServedModel(dir);
  try {
    const options = { gates: job.gates, version: job.version };
    const signature = signatureOf(m, options);
    const targets = job.formats.map((format) => ({ format, file: job.output ?? join(dir, EXPORT_FILES[format]) }));
    for (const { file } of targets) if (!existsSync(dirname(file))) throw new UsageError(`--output ${file}: directory ${dirname(file)} does not exist`);
    for (const d of new Set(targets.map((t) => dirname(t.file)))) checkSharedSignature(d, job.formats, signatureJson(signature));
    const paths: string[] = [];
    for (const { format, file } of targets) {
      if (format === 'onnx') writeOnnx(m, file, options, signature);
      else await writeKeras(m, file, options, signature);
      paths.push(file);
    }
    for (const d of new Set(paths.map((p) => dirname(p)))) {
      writeFileAtomic(join(d, SIGNATURE_JSON), signatureJson(signature));
      paths.push(join(d, SIGNATURE_JSON));
    }
    return { signature, files: paths.map((path) => ({ path, bytes: statSync(path).size })) };
  } finally {
    m.dispose();
  }
}
