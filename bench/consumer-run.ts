// One measurement of bench/consumer.ts, run in its own process so runs do not share JIT state,
// heap or caches: prints {rows, seconds, cpuSeconds, maxRssMb} as JSON on stdout.
import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { pipeline } from 'node:stream';
import { parse, Parser } from 'csv-parse';
import { loadConfig } from '../src/config/load.js';
import { openCsv } from '../src/data/csv-reader.js';
import { featureSpecFromConfig } from '../src/data/feature-spec.js';
import { findPartitions } from '../src/data/partitions.js';
import { readBatches } from '../src/data/read-batches.js';

export type RunMode = 'bare-stream' | 'bare-fed' | 'records' | 'consumer' | 'consumer-shuffled';

export interface RunResult {
  mode: RunMode;
  rows: number;
  seconds: number;
  /** CPU time of the process (user + system): less disturbed by other jobs than wall time. */
  cpuSeconds: number;
  maxRssMb: number;
}

function bytes(path: string) {
  const raw = createReadStream(path, { highWaterMark: 1 << 16 });
  return path.endsWith('.gz') ? pipeline(raw, createGunzip(), () => {}) : raw;
}

/** csv-parse as its README shows it: the stream piped into parse(), records by for-await. */
async function bareStream(files: string[]): Promise<number> {
  let rows = 0;
  for (const f of files) for await (const _ of bytes(f).pipe(parse())) rows++;
  return rows - files.length;
}

/** csv-parse's parser fed the file's chunks directly (what the consumer does), records counted. */
async function bareFed(files: string[]): Promise<number> {
  class Counting extends Parser {
    n = 0;
    override push(r: unknown): boolean {
      if (r !== null) this.n++;
      return true;
    }
  }
  let rows = 0;
  for (const f of files) {
    const p = new Counting({});
    const fail = (e?: Error | null): void => {
      if (e) throw e;
    };
    for await (const buf of bytes(f)) p._transform(buf as Buffer, 'binary', fail);
    p._flush(fail);
    rows += p.n - 1;
  }
  return rows;
}

/** The records layer alone: openCsv's chunks (read, UTF-8 check, split or parse, line numbers), records counted. */
async function records(files: string[]): Promise<number> {
  let rows = 0;
  for (const f of files) for await (const c of (await openCsv(f)).chunks()) rows += c.records.length;
  return rows;
}

/** The data consumer: hashing, encoding and batches of 1024, in file order or through a 65536-row shuffle buffer. */
async function consumer(dataDir: string, dates: string[], config: string, shuffleBuffer: number): Promise<number> {
  const spec = featureSpecFromConfig(loadConfig(config));
  let rows = 0;
  for await (const b of readBatches(spec, { dataDir, dates }, { batchSize: 1024, shuffleBuffer, seed: 1 })) rows += b.size;
  return rows;
}

export async function run(mode: RunMode, dataDir: string, dates: string[], config: string): Promise<RunResult> {
  const files = (await findPartitions({ dataDir, dates })).flatMap((p) => p.files.map((f) => f.path));
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const rows =
    mode === 'bare-stream'
      ? await bareStream(files)
      : mode === 'bare-fed'
        ? await bareFed(files)
        : mode === 'records'
          ? await records(files)
          : await consumer(dataDir, dates, config, mode === 'consumer' ? 0 : 65536);
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(c0);
  return { mode, rows, seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, maxRssMb: process.resourceUsage().maxRSS / 1024 };
}
