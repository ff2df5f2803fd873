import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encodeRows, newAccounting } from '../../src/data/encode-rows.js';
import { calibrationBeforeAfter, corrected, logitOffset, samplingOf, uncorrected } from '../../src/data/negative-sampling.js';
import { goodRows, HEADER, smallSpec, tempDir, writePartition } from './fixtures.js';

const close = (a: number, b: number, eps = 1e-12) => assert.ok(Math.abs(a - b) < eps, `${a} vs ${b}`);

test('the correction q = p / (p + (1 - p) / rate) against probabilities computed by hand', () => {
  close(corrected(0.5, 0.1), 1 / 11); // 0.5 / (0.5 + 5)
  close(corrected(0.2, 0.25), 1 / 17); // 0.2 / (0.2 + 3.2)
  close(corrected(0.9, 0.5), 0.9 / 1.1); // 0.9 / (0.9 + 0.2)
  close(corrected(0.3, 1), 0.3);
  close(corrected(0, 0.1), 0);
  close(corrected(1, 0.1), 1);
  // The graph adds ln(rate) to the logit: sigmoid(logit(p) + ln(rate)) is the same q.
  for (const p of [0.01, 0.2, 0.5, 0.77, 0.999])
    for (const r of [0.05, 0.1, 0.5]) {
      const z = Math.log(p / (1 - p)) + logitOffset(r);
      close(1 / (1 + Math.exp(-z)), corrected(p, r), 1e-12);
      close(uncorrected(corrected(p, r), r), p, 1e-12);
    }
});

test('calibration before and after the correction, weighted, by hand', () => {
  // Two kept negatives (weight 1/0.5 = 2) and one positive; published scores q.
  const q = [0.1, 0.2, 0.6];
  const y = [0, 0, 1];
  const w = [2, 2, 1];
  const p = q.map((x) => x / (x + 0.5 * (1 - x))); // 0.1/0.55, 0.2/0.6, 0.6/0.8
  const c = calibrationBeforeAfter(q, y, w, 0.5);
  close(c.after!, (2 * 0.1 + 2 * 0.2 + 0.6) / 1);
  close(c.before!, 2 * p[0]! + 2 * p[1]! + p[2]!);
  assert.deepEqual(calibrationBeforeAfter([0.1], [0], null, 0.5), { before: null, after: null });
});

async function keptLines(dataDir: string, rate: number, seed: number) {
  const spec = smallSpec({ training: { negativeSampling: { task: 'ctr', rate } } });
  const source = { dataDir, dates: ['20240101'] };
  const account = newAccounting(source);
  const kept: string[] = [];
  let positives = 0;
  for await (const b of encodeRows(spec, source, { account, negativeSampling: samplingOf(spec, seed) }))
    for (let r = 0; r < b.size; r++) {
      kept.push(`${b.file.path}:${b.lines[r]}`);
      positives += b.labels[r * 2]!;
    }
  return { kept, positives, account: account.toJSON() };
}

test('negative sampling keeps every positive and a seeded, deterministic share of the negatives', async (t) => {
  const d = tempDir(t);
  // goodRows: click = 1 on every third row.
  writePartition(d, '20240101', { 'a.csv': `${HEADER}\n${goodRows(6000)}`, 'b.csv.gz': `${HEADER}\n${goodRows(3000, 6000)}` });
  const a = await keptLines(d, 0.1, 7);
  assert.equal(a.positives, 3000, 'every positive kept');
  const negatives = a.kept.length - a.positives;
  assert.ok(Math.abs(negatives - 600) < 75, `about 10% of 6000 negatives: ${negatives}`);
  assert.equal(a.account.sampledOut, 6000 - negatives);
  assert.equal(a.account.rowsUsed, 9000, 'sampled-out rows are good rows, not bad ones');
  assert.deepEqual((await keptLines(d, 0.1, 7)).kept, a.kept, 'a rerun keeps the same rows');
  const other = await keptLines(d, 0.1, 8);
  assert.notDeepEqual(other.kept, a.kept, 'another seed, another sample');
  const wider = await keptLines(d, 0.3, 7);
  assert.ok(a.kept.every((k) => wider.kept.includes(k)), 'a higher rate keeps a superset (one draw per row)');
});
