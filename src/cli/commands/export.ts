// `mmoe export`: a published model as model.onnx and/or model.keras with its request schema
// (signature.json), or the schema alone on stdout.
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { selectBackend } from '../../backend.js';
import { UsageError } from '../../errors.js';
import { EXPORT_FORMATS, type ExportFormat } from '../../export/index.js';
import { type ExportJob, runExport } from '../../export/export-job.js';
import { signatureJson } from '../../export/signature.js';
import { VERSION } from '../../version.js';
import type { CliEnv } from '../context.js';

export interface ExportContext extends ExportJob {
  printSignature: boolean;
}

interface ExportFlags {
  model: string;
  format?: ExportFormat[];
  output?: string;
  gates: boolean;
  printSignature: boolean;
}

function parseFormats(value: string): ExportFormat[] {
  const formats = value.split(',').map((f) => f.trim());
  const bad = formats.find((f) => !(EXPORT_FORMATS as readonly string[]).includes(f));
  if (bad !== undefined) throw new InvalidArgumentError(`'${bad}' is not one of ${EXPORT_FORMATS.join(', ')}.`);
  return [...new Set(formats)] as ExportFormat[];
}

export function exportContext(f: ExportFlags): ExportContext {
  if (!f.format && !f.printSignature) throw new UsageError('say what to export: --format onnx|keras (or onnx,keras), and/or --print-signature');
  if (f.output !== undefined && !f.format) throw new UsageError('--output goes with --format');
  return { model: f.model, formats: f.format ?? [], output: f.output, gates: f.gates, version: VERSION, printSignature: f.printSignature };
}

export async function runExportCommand(ctx: ExportContext, env: CliEnv): Promise<void> {
  await selectBackend('cpu'); // only weights are read: no backend computes anything
  const r = await runExport(ctx);
  if (ctx.printSignature) env.stdout.write(signatureJson(r.signature));
  for (const f of r.files) env.stderr.write(`mmoe export: wrote ${f.path} (${f.bytes} bytes)\n`);
}

export function register(program: Command, env: CliEnv): void {
  program
    .command('export')
    .description(
      'Export a published model for serving outside Node: model.onnx (onnxruntime, Triton, any ONNX runtime; IR 8, opset 13) and/or model.keras (Keras 3 / TensorFlow, model.export() for a SavedModel), with signature.json, the request schema. Inputs: one int64 bucket id per categorical field (hash outside the graph) and one raw float64 per numeric (its transform is in the graph, in float64); outputs named after the tasks (probabilities; regression on the original label scale). See docs/serving.md.',
    )
    .requiredOption('--model <dir>', 'model directory (e.g. models/latest)')
    .option('--format <formats>', `what to write: ${EXPORT_FORMATS.join(', ')}, or both as onnx,keras`, parseFormats)
    .option('--output <file>', 'the file to write (one format); default: model.onnx / model.keras in the model directory. signature.json goes next to it')
    .option('--gates', 'also output every gate softmax (gate_<task>, gate_<task>_l<k>, gate_shared_gate_l<k>)', false)
    .option('--print-signature', 'print the request schema (signature.json) to stdout', false)
    .action(async (flags: ExportFlags) => {
      await runExportCommand(exportContext(flags), env);
    });
}
