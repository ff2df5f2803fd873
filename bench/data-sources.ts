// Benchmark of where and in what format data is read (docs/benchmarks.md, "Data sources"):
//   --suite parquet: the consumer (readBatches: parse, hash, encode, shuffle buffer) on the same
//     rows as plain CSV, CSV.gz and Parquet (row groups of 122,880 and 1M rows); the records layer
//     alone for DuckDB and for hyparquet (the pure-JS reader it was chosen over); peak RSS at 1M
//     and 10M rows and at both row-group sizes.
//   --suite instructions: the consumer's instructions per row (valgrind's callgrind, all threads)
//     for CSV and Parquet: the comparison that the load of a shared machine does not move.
//   --suite s3: the consumer reading the same CSV.gz and Parquet partitions from local disk and
//     from an S3-compatible server (--s3-endpoint; credentials from AWS_ACCESS_KEY_ID/SECRET), and
//     peak RSS from S3 at 1M and 10M rows.
// `records` is the records layer alone: CSV's string records, Parquet's typed columns as the
// encoder reads them (strings and integers as dictionary codes, other numbers as numbers).
// Every measurement is its own process; rounds interleave the modes; figures are medians.
//
//   node dist/bench/data-sources.js --suite parquet|instructions|s3 [--rows 1000000] [--big-rows 10000000] [--rounds 5] [--rss-reps 2]
//     [--dir /tmp/mmoe-bench-sources] [--s3-endpoint http://127.0.0.1:7480] [--bucket mmoe-bench]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { CreateBucketCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DuckDBInstance } from '@duckdb/node-api';
import { loadConfig } from '../src/config/load.js';
import { featureSpecFromConfig } from '../src/data/feature-spec.js';
import { generateCtr } from '../src/data/generate-ctr.js';
import { findPartitions } from '../src/data/partitions.js';
import { readBatches } from '../src/data/read-batches.js';
import { columnKind } from '../src/data/parquet-reader.js';
import { openRecords } from '../src/data/records.js';
import { storageFor } from '../src/data/storage/index.js';
import { fmt, median } from './figures.js';

const CONFIG = 'configs/default.json';
const DATE = '20240101';
const INTS = new Set(['click', 'conversion', 'hour', 'device_type', 'device_conn_type']);

type Mode = 'consumer' | 'records' | 'hyparquet-records';
interface Result {
  rows: number;
  seconds: number;
  cpuSeconds: number;
  maxRssMb: number;
}

async function ensureCsv(dir: string, rows: number, gzip: boolean): Promise<string> {
  const out = join(dir, `csv${gzip ? 'gz' : ''}-${rows}`);
  if (!existsSync(join(out, DATE, '_SUCCESS'))) {
    process.stderr.write(`generating ${out} ...\n`);
    await generateCtr({ out, startDate: DATE, days: 1, rowsPerDay: rows, seed: 1, gzip, files: Math.max(1, Math.round(rows / 1_000_000)), force: true });
  }
  return out;
}

/** The same rows as Parquet (zstd, as Spark writes by default nowadays), one file per CSV.gz file. */
async function ensureParquet(dir: string, rows: number, rowGroup: number): Promise<string> {
  const out = join(dir, `pq-${rows}-${rowGroup}`);
  if (existsSync(join(out, DATE, '_SUCCESS'))) return out;
  const src = await ensureCsv(dir, rows, true);
  mkdirSync(join(out, DATE), { recursive: true });
  const conn = await (await DuckDBInstance.create(':memory:')).connect();
  for (const f of readdirSync(join(src, DATE)).filter((n) => n.endsWith('.csv.gz'))) {
    const header = (await conn.runAndReadAll(`DESCRIBE SELECT * FROM read_csv('${join(src, DATE, f)}', all_varchar = true)`)).getRowObjects().map((r) => String(r.column_name));
    const cols = header.map((h) => `CAST("${h}" AS ${INTS.has(h) ? 'INTEGER' : 'VARCHAR'}) AS "${h}"`).join(', ');
    const target = join(out, DATE, f.replace('.csv.gz', '.parquet'));
    process.stderr.write(`writing ${target} ...\n`);
    await conn.run(`COPY (SELECT ${cols} FROM read_csv('${join(src, DATE, f)}', all_varchar = true)) TO '${target}' (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE ${rowGroup})`);
  }
  conn.closeSync();
  writeFileSync(join(out, DATE, '_SUCCESS'), '');
  return out;
}

/** Uploads a local data directory under s3://bucket/<its name>/ (once). */
async function ensureUploaded(local: string, endpoint: string, bucket: string): Promise<string> {
  const name = local.slice(local.lastIndexOf('/') + 1);
  const client = new S3Client({ endpoint, forcePathStyle: true, region: process.env.AWS_REGION ?? 'us-east-1' });
  await client.send(new CreateBucketCommand({ Bucket: bucket })).catch(() => {});
  for (const f of readdirSync(join(local, DATE))) {
    const key = `${name}/${DATE}/${f}`;
    const there = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key })).then(
      () => true,
      () => false,
    );
    if (!there) {
      process.stderr.write(`uploading s3://${bucket}/${key} ...\n`);
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: readFileSync(join(local, DATE, f)) }));
    }
  }
  client.destroy();
  return `s3://${bucket}/${name}`;
}

/** hyparquet: row groups read whole, values converted to strings as the records layer does. */
async function hyparquetRecords(files: string[]): Promise<number> {
  const { asyncBufferFromFile, parquetMetadataAsync, parquetRead } = await import('hyparquet');
  const { compressors } = await import('hyparquet-compressors');
  let rows = 0;
  for (const f of files) {
    const file = await asyncBufferFromFile(f);
    const metadata = await parquetMetadataAsync(file);
    let start = 0;
    for (const rg of metadata.row_groups) {
      const n = Number(rg.num_rows);
      await parquetRead({
        file,
        metadata,
        compressors,
        rowStart: start,
        rowEnd: start + n,
        rowFormat: 'array',
        onComplete: (data: unknown[][]) => {
          for (const row of data) {
            const fields = row.map((v) => (typeof v === 'string' ? v : v === null || v === undefined ? '' : String(v)));
            rows += fields.length > 0 ? 1 : 0;
          }
        },
      });
      start += n;
    }
  }
  return rows;
}

async function child(mode: Mode, dataDir: string, endpoint: string | undefined): Promise<Result> {
  const storage = storageFor(dataDir, { endpoint });
  const source = { dataDir, dates: [DATE], storage };
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  let rows = 0;
  if (mode === 'consumer') {
    const spec = featureSpecFromConfig(loadConfig(CONFIG));
    for await (const b of readBatches(spec, source, { batchSize: 1024, shuffleBuffer: 65536, seed: 1 })) rows += b.size;
  } else {
    const files = (await findPartitions(source)).flatMap((p) => p.files.map((f) => f.path));
    if (mode === 'hyparquet-records') rows = await hyparquetRecords(files);
    else
      for (const f of files) {
        // What the encoder reads: Parquet's typed columns (text and integers as codes, other
        // numbers as numbers), CSV's string records.
        const file = await openRecords(f, storage);
        const coded = file.header.map((h) => ['string', 'integer'].includes(columnKind(file.columnTypes?.get(h) ?? 'VARCHAR')));
        for await (const c of file.chunks()) {
          const cols = c.columns;
          if (cols) coded.forEach((code, j) => (code ? cols.dictionary(j) : cols.numbers(j)));
          rows += c.lines.length;
        }
      }
  }
  const cpu = process.cpuUsage(c0);
  return { rows, seconds: (performance.now() - t0) / 1000, cpuSeconds: (cpu.user + cpu.system) / 1e6, maxRssMb: process.resourceUsage().maxRSS / 1024 };
}

function spawn(mode: Mode, dataDir: string, endpoint?: string): Result {
  const args = [fileURLToPath(import.meta.url), '--child', mode, '--data', dataDir, ...(endpoint ? ['--s3-endpoint', endpoint] : [])];
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 1 << 20, env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' } });
  if (r.status !== 0) throw new Error(`${mode} ${dataDir} failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as Result;
}

/** Instructions a consumer run executes (all threads), from callgrind's summary. */
function instructions(dataDir: string): number {
  const args = ['--tool=callgrind', '--callgrind-out-file=/dev/null', process.execPath, fileURLToPath(import.meta.url), '--child', 'consumer', '--data', dataDir];
  const r = spawnSync('valgrind', args, { encoding: 'utf8', maxBuffer: 1 << 24 });
  const m = /Collected : (\d+)/.exec(r.stderr ?? '');
  if (r.status !== 0 || !m) throw new Error(`valgrind ${args.join(' ')} failed: ${r.error?.message ?? r.stderr}`);
  process.stderr.write(`${dataDir}: ${m[1]} instructions\n`);
  return Number(m[1]);
}

interface Case {
  label: string;
  mode: Mode;
  data: string;
  endpoint?: string;
}

/** Rounds over the cases; returns per-case rates (wall and CPU) and per-round ratios to the first case. */
function rounds(cases: Case[], n: number) {
  const rate = cases.map(() => [] as number[]);
  const cpuRate = cases.map(() => [] as number[]);
  for (let round = 0; round < n; round++) {
    cases.forEach((c, i) => {
      const r = spawn(c.mode, c.data, c.endpoint);
      rate[i]!.push(r.rows / r.seconds);
      cpuRate[i]!.push(r.rows / r.cpuSeconds);
    });
    process.stderr.write(`round ${round + 1}: ${cases.map((c, i) => `${c.label} ${fmt(rate[i]!.at(-1)!)}`).join(', ')} rows/s\n`);
  }
  return cases.map((c, i) => ({ label: c.label, rate: median(rate[i]!), cpuRate: median(cpuRate[i]!), best: Math.max(...rate[i]!), rates: rate[i]!, cpuRates: cpuRate[i]! }));
}

function rateTable(title: string, rows: ReturnType<typeof rounds>, ratioTo: Record<string, string>): string[] {
  const byLabel = new Map(rows.map((r) => [r.label, r]));
  const ratio = (a: number[], b: number[]) => median(a.map((x, i) => x / b[i]!));
  return [
    `| ${title} | rows/s (median) | rows per CPU second (median) | best rows/s | median per-round ratio (wall / CPU) |`,
    '|---|---:|---:|---:|---:|',
    ...rows.map((r) => {
      const base = ratioTo[r.label] ? byLabel.get(ratioTo[r.label]!) : undefined;
      const q = base ? `${ratio(r.rates, base.rates).toFixed(2)}x / ${ratio(r.cpuRates, base.cpuRates).toFixed(2)}x vs ${base.label}` : '';
      return `| ${r.label} | ${fmt(r.rate)} | ${fmt(r.cpuRate)} | ${fmt(r.best)} | ${q} |`;
    }),
  ];
}

function rssTable(cases: Case[], reps: number): string[] {
  const out = ['| peak RSS (own process) | rows | peak RSS | seconds |', '|---|---:|---:|---:|'];
  // Alternating sizes: peak RSS moves a little with GC timing.
  for (let rep = 0; rep < reps; rep++)
    for (const c of cases) {
      const r = spawn(c.mode, c.data, c.endpoint);
      out.push(`| ${c.label} | ${fmt(r.rows)} | ${r.maxRssMb.toFixed(0)} MB | ${r.seconds.toFixed(1)} |`);
      process.stderr.write(`${out.at(-1)}\n`);
    }
  return out;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      child: { type: 'string' },
      data: { type: 'string' },
      suite: { type: 'string', default: 'parquet' },
      dir: { type: 'string', default: '/tmp/mmoe-bench-sources' },
      rows: { type: 'string', default: '1000000' },
      'big-rows': { type: 'string', default: '10000000' },
      rounds: { type: 'string', default: '5' },
      'rss-reps': { type: 'string', default: '2' },
      's3-endpoint': { type: 'string' },
      bucket: { type: 'string', default: 'mmoe-bench' },
    },
  });
  if (values.child) {
    process.stdout.write(JSON.stringify(await child(values.child as Mode, values.data!, values['s3-endpoint'])));
    return;
  }
  const dir = values.dir!;
  const rows = Number(values.rows);
  const big = Number(values['big-rows']);
  const n = Number(values.rounds);
  const reps = Number(values['rss-reps']);
  const lines: string[] = [];
  if (values.suite === 'parquet') {
    const csv = await ensureCsv(dir, rows, false);
    const gz = await ensureCsv(dir, rows, true);
    const pq = await ensureParquet(dir, rows, 122_880);
    const pq1m = await ensureParquet(dir, rows, 1_000_000);
    const consumers = rounds(
      [
        { label: 'consumer CSV', mode: 'consumer', data: csv },
        { label: 'consumer CSV.gz', mode: 'consumer', data: gz },
        { label: 'consumer Parquet, 122,880-row groups', mode: 'consumer', data: pq },
        { label: 'consumer Parquet, 1M-row group', mode: 'consumer', data: pq1m },
        { label: 'records CSV', mode: 'records', data: csv },
        { label: 'records Parquet (DuckDB), 122,880-row groups', mode: 'records', data: pq },
        { label: 'records Parquet (hyparquet), 122,880-row groups', mode: 'hyparquet-records', data: pq },
        { label: 'records Parquet (DuckDB), 1M-row group', mode: 'records', data: pq1m },
        { label: 'records Parquet (hyparquet), 1M-row group', mode: 'hyparquet-records', data: pq1m },
      ],
      n,
    );
    const ratioTo: Record<string, string> = {
      'consumer CSV.gz': 'consumer CSV',
      'consumer Parquet, 122,880-row groups': 'consumer CSV',
      'consumer Parquet, 1M-row group': 'consumer CSV',
      'records Parquet (DuckDB), 122,880-row groups': 'records CSV',
      'records Parquet (hyparquet), 122,880-row groups': 'records Parquet (DuckDB), 122,880-row groups',
      'records Parquet (DuckDB), 1M-row group': 'records CSV',
      'records Parquet (hyparquet), 1M-row group': 'records Parquet (DuckDB), 1M-row group',
    };
    lines.push(...rateTable(`${fmt(rows)} rows, ${n} rounds`, consumers, ratioTo), '');
    const pqBig = await ensureParquet(dir, big, 1_000_000);
    const pqBigSmallGroups = await ensureParquet(dir, big, 122_880);
    lines.push(
      ...rssTable([
        { label: 'consumer Parquet, 1M-row groups', mode: 'consumer', data: pq1m },
        { label: 'consumer Parquet, 1M-row groups', mode: 'consumer', data: pqBig },
        { label: 'consumer Parquet, 122,880-row groups', mode: 'consumer', data: pq },
        { label: 'consumer Parquet, 122,880-row groups', mode: 'consumer', data: pqBigSmallGroups },
        { label: 'records, hyparquet, 122,880-row groups', mode: 'hyparquet-records', data: pq },
        { label: 'records, hyparquet, 1M-row group', mode: 'hyparquet-records', data: pq1m },
      ], reps),
    );
  } else if (values.suite === 'instructions') {
    // Instructions per row under valgrind's callgrind, every thread counted (DuckDB's and the
    // garbage collector's too): a measure the load of a shared machine does not move. The fixed
    // cost (start-up, module loading, DuckDB's instance) is taken out by a run on 3,000 rows.
    const small = 3000;
    const sets = async (n: number) => [
      { label: 'consumer CSV', data: await ensureCsv(dir, n, false) },
      { label: 'consumer Parquet, 122,880-row groups', data: await ensureParquet(dir, n, 122_880) },
    ];
    const [big, base] = [await sets(rows), await sets(small)];
    const per = big.map((c, i) => (instructions(c.data) - instructions(base[i]!.data)) / (rows - small));
    lines.push(
      `| consumer, instructions per row (callgrind, ${fmt(rows)} rows less ${fmt(small)}) | instructions per row | against CSV |`,
      '|---|---:|---:|',
      ...big.map((c, i) => `| ${c.label} | ${fmt(per[i]!)} | ${(per[i]! / per[0]!).toFixed(2)}x |`),
    );
  } else if (values.suite === 's3') {
    const endpoint = values['s3-endpoint'];
    if (!endpoint) throw new Error('--suite s3 needs --s3-endpoint (and AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY)');
    const gz = await ensureCsv(dir, rows, true);
    const pq = await ensureParquet(dir, rows, 122_880);
    const s3gz = await ensureUploaded(gz, endpoint, values.bucket!);
    const s3pq = await ensureUploaded(pq, endpoint, values.bucket!);
    const r = rounds(
      [
        { label: 'CSV.gz, local disk', mode: 'consumer', data: gz },
        { label: 'CSV.gz, S3', mode: 'consumer', data: s3gz, endpoint },
        { label: 'Parquet, local disk', mode: 'consumer', data: pq },
        { label: 'Parquet, S3', mode: 'consumer', data: s3pq, endpoint },
      ],
      n,
    );
    lines.push(...rateTable(`consumer, ${fmt(rows)} rows, ${n} rounds`, r, { 'CSV.gz, S3': 'CSV.gz, local disk', 'Parquet, S3': 'Parquet, local disk' }), '');
    const s3gzBig = await ensureUploaded(await ensureCsv(dir, big, true), endpoint, values.bucket!);
    const s3pqBig = await ensureUploaded(await ensureParquet(dir, big, 122_880), endpoint, values.bucket!);
    lines.push(
      ...rssTable([
        { label: 'consumer CSV.gz from S3', mode: 'consumer', data: s3gz, endpoint },
        { label: 'consumer CSV.gz from S3', mode: 'consumer', data: s3gzBig, endpoint },
        { label: 'consumer Parquet from S3', mode: 'consumer', data: s3pq, endpoint },
        { label: 'consumer Parquet from S3', mode: 'consumer', data: s3pqBig, endpoint },
      ], reps),
    );
  } else throw new Error(`--suite parquet, instructions or s3, not ${values.suite}`);
  const cpu = cpus();
  process.stdout.write(
    `Machine: ${cpu[0]?.model ?? 'unknown CPU'}, ${cpu.length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GB RAM, Node ${process.version}; load average at the end ${loadavg()[0]!.toFixed(2)}.\n\n${lines.join('\n')}\n`,
  );
}

await main();
