// Benchmark of the binary metrics report on many rows (the sort, exact AUC, curves and bins that
// `mmoe eval` computes per task), the timing that test/metrics/accumulator.test.ts used to assert.
//
//   npm run build && node dist/bench/eval-report.js [--rows 1000000] [--rounds 5]
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { EvalAccumulator } from '../src/metrics/accumulator.js';
import { Rng } from '../src/util/random.js';
import { fmt, median } from './figures.js';

const { values } = parseArgs({ options: { rows: { type: 'string', default: '1000000' }, rounds: { type: 'string', default: '5' } } });
const rows = Number(values.rows);
const rounds = Number(values.rounds);

/** Scores that separate the labels partly (AUC about 0.8), drawn from a fixed seed. */
function filled(n: number): EvalAccumulator {
  const acc = new EvalAccumulator();
  const rng = new Rng(12345);
  const scores = new Float32Array(4096);
  const labels = new Float32Array(4096);
  for (let done = 0; done < n; done += 4096) {
    for (let i = 0; i < 4096; i++) {
      labels[i] = rng.next() < 0.5 ? 1 : 0;
      scores[i] = Math.round(rng.next() * 10007) / 10007 / 2 + labels[i]! * 0.25; // ties, as real scores have
    }
    acc.add({ scores, labels }, Math.min(4096, n - done));
  }
  return acc;
}

console.log(`binaryReport on ${fmt(rows)} rows, ${rounds} rounds; ${cpus().length} cpus, load ${loadavg()[0]!.toFixed(2)}`);
const ms: number[] = [];
for (let r = 0; r < rounds; r++) {
  const acc = filled(rows);
  const t0 = performance.now();
  const report = acc.binaryReport();
  ms.push(performance.now() - t0);
  if (report.metrics.count !== rows) throw new Error(`counted ${report.metrics.count} rows, expected ${rows}`);
}
console.log(`median ${median(ms).toFixed(0)} ms (all: ${ms.map((m) => m.toFixed(0)).join(', ')})`);
