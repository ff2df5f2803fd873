import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { UsageError } from '../../src/errors.js';
import {
  checkSyntheticOptions,
  type GenerateSyntheticOptions,
  generateSynthetic,
  round6,
  rowsOfDay,
  SYNTHETIC_DEFAULTS,
  syntheticHeader,
  syntheticTasks,
  TASKS_FILE,
} from '../../src/data/synthetic.js';
import { dot, orthonormalVectors, Rng } from '../../src/util/random.js';
import { tempDir } from './fixtures.js';

function options(out: string, o: Partial<GenerateSyntheticOptions> = {}): GenerateSyntheticOptions {
  return { ...SYNTHETIC_DEFAULTS, out, correlation: 0.5, rows: 300, dim: 8, seed: 1, ...o };
}

const norm = (v: Float64Array) => Math.sqrt(dot(v, v));

/** Rows of a written partition as numbers, header apart. */
function readRows(file: string): { header: string; rows: number[][] } {
  const bytes = readFileSync(file);
  const [header, ...lines] = (file.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString('utf8').trimEnd().split('\n');
  return { header: header!, rows: lines.map((l) => l.split(',').map(Number)) };
}

test('u1 and u2 are orthogonal unit vectors and cos(w1, w2) = p, |w| = c', () => {
  for (const [dim, seed, correlation, scale] of [
    [2, 1, 0.5, 1],
    [100, 7, 0.9, 1],
    [100, 8, -0.3, 2.5],
    [1000, 9, 0, 1],
  ] as const) {
    const t = syntheticTasks({ ...SYNTHETIC_DEFAULTS, dim, seed, correlation, scale });
    assert.equal(t.u1.length, dim);
    assert.ok(Math.abs(norm(t.u1) - 1) < 1e-9 && Math.abs(norm(t.u2) - 1) < 1e-9, `unit norms at dim ${dim}`);
    assert.ok(Math.abs(dot(t.u1, t.u2)) < 1e-9, `u1.u2 = ${dot(t.u1, t.u2)} at dim ${dim}`);
    assert.ok(Math.abs(norm(t.w1) - scale) < 1e-9 && Math.abs(norm(t.w2) - scale) < 1e-9);
    assert.ok(Math.abs(dot(t.w1, t.w2) / (scale * scale) - correlation) < 1e-9);
    assert.equal(t.alpha.length, SYNTHETIC_DEFAULTS.sinusoids);
    assert.equal(t.beta.length, SYNTHETIC_DEFAULTS.sinusoids);
  }
});

test('orthonormalVectors: a full basis is orthonormal; more vectors than dimensions is refused', () => {
  const basis = orthonormalVectors(new Rng(3), 6, 6);
  for (let i = 0; i < 6; i++)
    for (let j = 0; j < 6; j++) assert.ok(Math.abs(dot(basis[i]!, basis[j]!) - (i === j ? 1 : 0)) < 1e-9, `<b${i}, b${j}>`);
  assert.throws(() => orthonormalVectors(new Rng(3), 2, 3), /count <= dim/);
});

test('the task definition depends on the seed only, not on rows or days', () => {
  const a = syntheticTasks({ ...SYNTHETIC_DEFAULTS, dim: 10, correlation: 0.5, seed: 4 });
  const b = syntheticTasks(options('unused', { dim: 10, seed: 4, rows: 999, days: 3 }));
  assert.deepEqual(a, b);
  assert.notDeepEqual(a.u1, syntheticTasks({ ...SYNTHETIC_DEFAULTS, dim: 10, correlation: 0.5, seed: 5 }).u1);
});

test('labels follow y = w.x + sum sin(alpha w.x + beta) (no noise) from the written inputs', async (t) => {
  const out = tempDir(t);
  const s = await generateSynthetic(options(out, { rows: 40, days: 2, noiseStd: 0, sinusoids: 3, scale: 1.5 }));
  const f = (w: Float64Array, x: number[]) => {
    const z = dot(w, x);
    return z + [0, 1, 2].reduce((acc, k) => acc + Math.sin(s.tasks.alpha[k]! * z + s.tasks.beta[k]!), 0);
  };
  for (const p of s.partitions)
    for (const row of readRows(p.file).rows) {
      const x = row.slice(0, 8);
      assert.equal(row[8], round6(f(s.tasks.w1, x)));
      assert.equal(row[9], round6(f(s.tasks.w2, x)));
    }
});

test('noise has the asked standard deviation', async (t) => {
  const out = tempDir(t);
  const s = await generateSynthetic(options(out, { rows: 4000, days: 1, noiseStd: 0.1, correlation: 1 }));
  // With p = 1 both labels share w.x and the sinusoids, so y1 - y2 is the difference of two noises.
  const diffs = readRows(s.partitions[0]!.file).rows.map((r) => r[8]! - r[9]!);
  const sd = Math.sqrt(diffs.reduce((a, d) => a + d * d, 0) / diffs.length / 2);
  assert.ok(Math.abs(sd - 0.1) < 0.006, `noise sd ${sd}`);
});

test('label Pearson falls with p: 1 > 0.9 > 0.5 > 0, and about 0 at p = 0', async (t) => {
  const out = tempDir(t);
  for (const seed of [1, 2]) {
    const r: number[] = [];
    for (const correlation of [1, 0.9, 0.5, 0])
      r.push((await generateSynthetic(options(join(out, `${seed}-${correlation}`), { rows: 3000, days: 1, dim: 100, seed, correlation }))).labelPearson);
    assert.ok(r[0]! > r[1]! && r[1]! > r[2]! && r[2]! > r[3]!, `seed ${seed}: ${r.join(' ')}`);
    assert.ok(r[0]! > 0.95 && Math.abs(r[3]!) < 0.1, `seed ${seed}: ${r.join(' ')}`);
  }
});

test('layout: one partition per day with part-00000.csv, _SUCCESS and the x0..x{d-1},y1,y2 header', async (t) => {
  const out = tempDir(t);
  const s = await generateSynthetic(options(out, { rows: 11, days: 3, startDate: '20261231' }));
  assert.deepEqual(
    s.partitions.map((p) => [p.date, p.rows]),
    [['20261231', 3], ['20270101', 4], ['20270102', 4]],
  );
  assert.deepEqual(readdirSync(out).sort(), ['20261231', '20270101', '20270102', TASKS_FILE]);
  for (const p of s.partitions) {
    assert.deepEqual(readdirSync(p.dir).sort(), ['_SUCCESS', 'part-00000.csv']);
    const { header, rows } = readRows(p.file);
    assert.equal(header, syntheticHeader(8));
    assert.equal(header, 'x0,x1,x2,x3,x4,x5,x6,x7,y1,y2');
    assert.equal(rows.length, p.rows);
    for (const row of rows) assert.ok(row.length === 10 && row.every((v) => Number.isFinite(v) && v === round6(v)));
  }
  const record = JSON.parse(readFileSync(join(out, TASKS_FILE), 'utf8'));
  assert.deepEqual(record.u1, Array.from(s.tasks.u1));
  assert.equal(record.correlation, 0.5);
  assert.deepEqual([0, 1, 2, 3].map((d) => rowsOfDay(10, 4, d)), [2, 3, 2, 3]);
});

test('same seed gives the same bytes (csv and gzip); another seed gives other bytes', async (t) => {
  const out = tempDir(t);
  const read = (dir: string, gz: boolean) => readFileSync(join(dir, '20260102', `part-00000.csv${gz ? '.gz' : ''}`));
  for (const gzip of [false, true]) {
    const [a, b, c] = ['a', 'b', 'c'].map((n) => join(out, `${n}-${gzip}`));
    await generateSynthetic(options(a!, { gzip, days: 2 }));
    await generateSynthetic(options(b!, { gzip, days: 2 }));
    await generateSynthetic(options(c!, { gzip, days: 2, seed: 2 }));
    assert.ok(read(a!, gzip).equals(read(b!, gzip)), `same bytes, gzip ${gzip}`);
    assert.ok(!read(a!, gzip).equals(read(c!, gzip)), `other bytes, gzip ${gzip}`);
    assert.ok(readFileSync(join(a!, TASKS_FILE)).equals(readFileSync(join(b!, TASKS_FILE))));
  }
});

test('existing partitions are refused before anything is written, and replaced with force', async (t) => {
  const out = tempDir(t);
  await generateSynthetic(options(out, { days: 2, startDate: '20260102' }));
  await assert.rejects(generateSynthetic(options(out, { days: 3, seed: 2 })), (e: Error) => e instanceof UsageError && /20260102 already holds files.*--force/.test(e.message));
  assert.ok(!existsSync(join(out, '20260101')), 'nothing written for the free day');
  const s = await generateSynthetic(options(out, { days: 3, seed: 2, gzip: true, force: true }));
  assert.deepEqual(readdirSync(s.partitions[1]!.dir).sort(), ['_SUCCESS', 'part-00000.csv.gz']);
  assert.equal(JSON.parse(readFileSync(join(out, TASKS_FILE), 'utf8')).seed, 2);
});

test('bad options are usage errors naming the flag', () => {
  const cases: [Partial<GenerateSyntheticOptions>, RegExp][] = [
    [{ correlation: 1.01 }, /--correlation 1.01: must be between -1 and 1/],
    [{ correlation: Number.NaN }, /--correlation NaN/],
    [{ dim: 1 }, /--dim 1: must be an integer >= 2/],
    [{ sinusoids: -1 }, /--sinusoids -1/],
    [{ scale: 0 }, /--scale 0: must be a positive number/],
    [{ noiseStd: -0.1 }, /--noise-std -0.1/],
    [{ days: 0 }, /--days 0/],
    [{ rows: 4, days: 5 }, /--rows 4: must be an integer >= --days \(5\)/],
  ];
  for (const [o, message] of cases)
    assert.throws(() => checkSyntheticOptions(options('unused', o)), (e: Error) => e instanceof UsageError && message.test(e.message));
  assert.doesNotThrow(() => checkSyntheticOptions(options('unused', { correlation: -1, rows: 5, days: 5, sinusoids: 0 })));
});
