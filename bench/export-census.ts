// The census model served outside mmoe: trains configs/census-mmoe.json (or takes --model),
// exports model.onnx and model.keras, and scores the test day 20260104 from its raw CSV with
// onnxruntime-node (examples/serving/score-onnx.mjs), and, with --python, with TensorFlow (the
// Keras archive and the SavedModel model.export() makes of it) and Python onnxruntime
// (bench/export_census_tf.py, AUC by scikit-learn); prints each AUC next to `mmoe eval`'s, and the
// sizes of the exported files against model.json + shards.
//
//   npm run build && node dist/bench/export-census.js [--out /tmp/census] [--model DIR] [--python venv-tf/bin/python]
//     [--backend auto|tensorflow|wasm] [--epochs N]
//
// --backend is the engine of `mmoe train` and `mmoe eval` (auto by default); --epochs caps training
// (a quick check that the script runs).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { parse } from 'csv-parse/sync';
import { rocAuc } from '../src/metrics/auc.js';

const args = process.argv.slice(2);
const flag = (name: string, dflt?: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1]! : dflt;
};
const shared = resolve(flag('shared', '../shared')!);
const out = resolve(flag('out', join(tmpdir(), 'mmoe-census'))!);
const python = flag('python');
const backend = flag('backend', 'auto')!;
const epochs = flag('epochs');
const mmoe = resolve('bin/mmoe.js');
const work = mkdtempSync(join(tmpdir(), 'mmoe-export-census-'));
const LABELS: Record<string, string> = { income: 'income_50k', never_married: 'never_married' };

if (!existsSync(join(out, '20260104'))) execFileSync('python3', [join(shared, 'bench/census_partitions.py'), out], { stdio: 'inherit' });
const run = (...argv: string[]) => execFileSync(process.execPath, [mmoe, ...argv], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });

let model = flag('model');
if (!model) {
  const models = join(work, 'models');
  run('train', '--train-data-dir', out, '--cur-date', '20260102', '--days', '2', '--config', 'configs/census-mmoe.json', '--model-output-dir', models, '--log-dir', join(work, 'logs'), '--quiet', '--backend', backend, ...(epochs ? ['--epochs', epochs] : []));
  model = join(models, 'latest');
}
run('export', '--model', model, '--format', 'onnx,keras');

const evalDoc = JSON.parse(run('eval', '--model', model, '--data-dir', out, '--dates', '20260104', '--format', 'json', '--no-gates', '--backend', backend)) as { model: { scoring: { backend: string } }; tasks: { name: string; binary: { auc: { value: number } } }[] };
const testDay = join(out, '20260104');
const rows = readdirSync(testDay)
  .filter((f) => f.endsWith('.csv.gz'))
  .flatMap((f) => parse(gunzipSync(readFileSync(join(testDay, f))), { columns: true }) as Record<string, string>[]);

const example = (await import(new URL('../../examples/serving/score-onnx.mjs', import.meta.url).href)) as {
  openModel(dir: string): Promise<{ score(rows: Record<string, string>[]): Promise<Record<string, Float32Array>>; release(): Promise<void> }>;
};
const onnx = await example.openModel(model);
const scores = await onnx.score(rows);
await onnx.release();

const table: Record<string, Record<string, number>> = {};
for (const t of evalDoc.tasks) {
  const labels = rows.map((r) => Number(r[LABELS[t.name]!]));
  table[t.name] = { 'mmoe eval': t.binary.auc.value, 'onnxruntime-node (model.onnx)': rocAuc({ scores: scores[t.name]!, labels }).value! };
}
if (python) {
  const py = JSON.parse(execFileSync(python, ['bench/export_census_tf.py', model, testDay], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] })) as Record<string, Record<string, number>>;
  for (const [engine, aucs] of Object.entries(py)) for (const [task, auc] of Object.entries(aucs)) table[task]![engine] = auc;
}

console.log(`${rows.length} rows of ${testDay}; mmoe eval on ${evalDoc.model.scoring.backend}; AUC by task:`);
for (const [task, byEngine] of Object.entries(table)) for (const [engine, auc] of Object.entries(byEngine)) console.log(`  ${task.padEnd(14)} ${engine.padEnd(44)} ${auc.toFixed(8)}`);
const size = (f: string) => statSync(join(model!, f)).size;
const tfjs = readdirSync(model).filter((f) => f === 'model.json' || f.endsWith('.bin') && f.startsWith('group')).reduce((s, f) => s + size(f), 0);
console.log(`sizes: model.json + shards ${tfjs} bytes, model.onnx ${size('model.onnx')}, model.keras ${size('model.keras')}`);
rmSync(work, { recursive: true, force: true });
