// Scoring raw CSV rows with an exported model in onnxruntime-node: categorical values hashed as
// training hashed them (farmhash Fingerprint64 modulo buckets, the empty value in bucket
// `buckets`), numeric values passed raw as float64 (their transform is inside the graph, in
// float64), everything named as signature.json says. Needs `npm i onnxruntime-node farmhash csv-parse`.
//
//   node examples/serving/score-onnx.mjs models/latest rows.csv > scores.csv
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import farmhash from 'farmhash';
import * as ort from 'onnxruntime-node';

/** The bucket id of a raw categorical value (TensorFlow's to_hash_bucket_fast; '' -> buckets). */
export function bucket(value, buckets) {
  if (value === '') return BigInt(buckets);
  return BigInt.asUintN(64, farmhash.fingerprint64(value)) % BigInt(buckets);
}

/** What training reads as a number: Number() alone also takes 0x10, 0b1 and Infinity, which training refuses. */
const DECIMAL = /^[ \t]*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?[ \t]*$/;

/** A decimal cell as training parses it, or an error naming the column. */
function decimal(column, value) {
  const x = Number(value);
  if (!DECIMAL.test(value) || !Number.isFinite(x)) throw new Error(`${column}: '${value}' is not a number`);
  return x;
}

/** The bucket id of a bucketized number (a field with boundaries): how many boundaries are <= x (a double, as training compares); blank -> buckets. */
export function bucketize(value, b, column = 'value') {
  if (value.trim() === '') return BigInt(b.emptyValueBucket);
  const x = decimal(column, value);
  return BigInt(b.boundaries.filter((edge) => edge <= x).length);
}

/** A raw numeric cell: a decimal number, or the feature's empty value for a blank cell. */
function numeric(input, value) {
  if (value.trim() === '') {
    if (input.emptyValue === null) throw new Error(`${input.column}: empty value, and the model has no fill value for it`);
    return input.emptyValue;
  }
  return decimal(input.column, value);
}

/** Model inputs for rows (objects keyed by CSV column name), one [batch] tensor per input. */
export function toFeeds(signature, rows) {
  const feeds = {};
  for (const input of signature.inputs) {
    const raw = rows.map((row) => row[input.column] ?? '');
    feeds[input.name] =
      input.kind === 'categorical'
        ? new ort.Tensor('int64', BigInt64Array.from(raw, (v) => (input.hash ? bucket(v, input.hash.buckets) : bucketize(v, input.bucketize, input.column))), [rows.length])
        : new ort.Tensor('float64', Float64Array.from(raw, (v) => numeric(input, v)), [rows.length]);
  }
  return feeds;
}

/** Opens model.onnx and signature.json in `modelDir`; `score(rows)` returns each output by name. */
export async function openModel(modelDir) {
  const signature = JSON.parse(readFileSync(`${modelDir}/signature.json`, 'utf8'));
  const session = await ort.InferenceSession.create(`${modelDir}/model.onnx`);
  return {
    signature,
    async score(rows) {
      const out = await session.run(toFeeds(signature, rows));
      return Object.fromEntries(signature.outputs.map((o) => [o.name, out[o.name].data]));
    },
    release: () => session.release(),
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [modelDir, csvFile] = process.argv.slice(2);
  const rows = parse(readFileSync(csvFile), { columns: true });
  const model = await openModel(modelDir);
  const tasks = model.signature.outputs.filter((o) => o.kind !== 'gate').map((o) => o.name);
  const scores = await model.score(rows);
  process.stdout.write(`${tasks.join(',')}\n`);
  for (let i = 0; i < rows.length; i++) process.stdout.write(`${tasks.map((t) => scores[t][i]).join(',')}\n`);
}
