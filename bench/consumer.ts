// Benchmark of the data consumer (docs/benchmarks.md, "Data consumer"): rows/s of the consumer
// (hashing, encoding, batches; in file order and through the shuffle buffer) and of the records
// layer under it, against bare csv-parse (its stream API, and its parser fed chunks as the reader
// does once a file needs csv-parse) on the same file in the same run, and the consumer's peak RSS
// at two data sizes. Every measurement is its own process; rounds interleave the modes, and the
// figures are medians over rounds.
//
//   node dist/bench/consumer.js [--rows 1000000] [--rss-rows 1000000,10000000] [--rounds 5] [--dir /tmp/mmoe-bench] [--gzip]
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { generateCtr } from '../src/data/generate-ctr.js';
import { run, type RunMode, type RunResult } from './consumer-run.js';
import { fmt, median } from './figures.js';

const CONFIG = 'configs/default.json';
const DATE = '20240101';

async function ensureData(dir: string, rows: number, gzip: boolean): Promise<string> {
  const out = join(dir, `ctr-${rows}${gzip ? '-gz' : ''}`);
  if (!existsSync(join(out, DATE, '_SUCCESS'))) {
    process.stderr.write(`generating ${rows} rows in ${out} ...\n`);
    await generateCtr({ out, startDate: DATE, days: 1, rowsPerDay: rows, seed: 1, gzip, files: Math.max(1, Math.round(rows / 1_000_000)), force: true });
  }
  return out;
}

function child(mode: RunMode, dataDir: string): RunResult {
  const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--child', mode, '--dir', dataDir], { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (r.status !== 0) throw new Error(`${mode} run failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as RunResult;
}


async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      child: { type: 'string' },
      dir: { type: 'string', default: '/tmp/mmoe-bench' },
      rows: { type: 'string', default: '1000000' },
      'rss-rows': { type: 'string', default: '1000000,10000000' },
      rounds: { type: 'string', default: '5' },
      gzip: { type: 'boolean', default: false },
    },
  });
  if (values.child) {
    process.stdout.write(JSON.stringify(await run(values.child as RunMode, values.dir!, [DATE], CONFIG)));
    return;
  }
  const gzip = values.gzip!;
  const data = await ensureData(values.dir!, Number(values.rows), gzip);
  const modes: RunMode[] = ['bare-stream', 'bare-fed', 'records', 'consumer', 'consumer-shuffled'];
  // rows per wall second and per CPU second, per mode, one entry per round
  const rate = Object.fromEntries(modes.map((m) => [m, [] as number[]])) as Record<RunMode, number[]>;
  const cpuRate = Object.fromEntries(modes.map((m) => [m, [] as number[]])) as Record<RunMode, number[]>;
  const consumers = ['consumer', 'consumer-shuffled'] as const;
  const ratios = Object.fromEntries(consumers.map((c) => [c, { stream: [] as number[], fed: [] as number[], streamCpu: [] as number[], fedCpu: [] as number[] }])) as Record<
    (typeof consumers)[number],
    { stream: number[]; fed: number[]; streamCpu: number[]; fedCpu: number[] }
  >;
  // Rounds interleave the modes so a busy neighbour slows them alike; ratios are taken per round.
  for (let round = 0; round < Number(values.rounds); round++) {
    const r = Object.fromEntries(modes.map((m) => [m, child(m, data)])) as Record<RunMode, RunResult>;
    for (const m of modes) {
      rate[m].push(r[m].rows / r[m].seconds);
      cpuRate[m].push(r[m].rows / r[m].cpuSeconds);
    }
    for (const c of consumers) {
      ratios[c].stream.push(rate[c].at(-1)! / rate['bare-stream'].at(-1)!);
      ratios[c].fed.push(rate[c].at(-1)! / rate['bare-fed'].at(-1)!);
      ratios[c].streamCpu.push(cpuRate[c].at(-1)! / cpuRate['bare-stream'].at(-1)!);
      ratios[c].fedCpu.push(cpuRate[c].at(-1)! / cpuRate['bare-fed'].at(-1)!);
    }
    process.stderr.write(`round ${round + 1}: ${modes.map((m) => `${m} ${fmt(rate[m].at(-1)!)} rows/s`).join(', ')}\n`);
  }
  const rss: { rows: number; maxRssMb: number; seconds: number }[] = [];
  // Two runs per size, alternating sizes: peak RSS moves a little with GC timing.
  const sizes = values['rss-rows']!.split(',').map(Number);
  for (let rep = 0; rep < 2; rep++)
    for (const n of sizes) {
      const r = child('consumer-shuffled', await ensureData(values.dir!, n, gzip));
      rss.push({ rows: r.rows, maxRssMb: r.maxRssMb, seconds: r.seconds });
      process.stderr.write(`rss: ${r.rows} rows, peak RSS ${r.maxRssMb.toFixed(0)} MB, ${r.seconds.toFixed(1)} s\n`);
    }
  const cpu = cpus();
  const lines = [
    `Machine: ${cpu[0]?.model ?? 'unknown CPU'}, ${cpu.length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GB RAM, Node ${process.version}; load average at the end ${loadavg()[0]!.toFixed(2)}.`,
    `Data: \`mmoe generate ctr\` rows, ${gzip ? 'gzip' : 'plain'} CSV, 14 columns; config ${CONFIG} (11 hashed fields, 2 labels). records = openCsv chunks (read, UTF-8 check, split or parse, line numbers); consumer = readBatches (read, UTF-8 check, parse, hash, encode, batches of 1024) in file order; consumer-shuffled = the same through a 65536-row shuffle buffer.`,
    '',
    `| ${values.rows} rows, ${values.rounds} rounds | rows/s (median) | rows per CPU second (median) | best rows/s |`,
    '|---|---:|---:|---:|',
    ...modes.map((m) => `| ${m} | ${fmt(median(rate[m]))} | ${fmt(median(cpuRate[m]))} | ${fmt(Math.max(...rate[m]))} |`),
    '',
    '| median of per-round ratios | vs bare-stream (wall) | vs bare-stream (CPU) | vs bare-fed (wall) | vs bare-fed (CPU) |',
    '|---|---:|---:|---:|---:|',
    ...consumers.map((c) => {
      const q = ratios[c];
      return `| ${c} | ${median(q.stream).toFixed(2)}x | ${median(q.streamCpu).toFixed(2)}x | ${median(q.fed).toFixed(2)}x | ${median(q.fedCpu).toFixed(2)}x |`;
    }),
    '',
    '| rows read by consumer-shuffled (own process) | peak RSS | seconds |',
    '|---:|---:|---:|',
    ...rss.map((r) => `| ${fmt(r.rows)} | ${r.maxRssMb.toFixed(0)} MB | ${r.seconds.toFixed(1)} |`),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

await main();
