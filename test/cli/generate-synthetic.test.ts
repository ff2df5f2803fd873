import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { main } from '../../src/cli/main.js';
import { tempDir } from '../data/fixtures.js';
import { fakeEnv } from './fake-env.js';

const run = (args: string[], env = fakeEnv()) => main(['node', 'mmoe', 'generate', 'synthetic', ...args], env);

test('generate synthetic writes the partitions and prints one summary line with the label Pearson', async (t) => {
  const out = tempDir(t);
  const env = fakeEnv();
  const args = ['--out', out, '--correlation', '0.9', '--rows', '301', '--dim', '6', '--sinusoids', '3', '--seed', '5', '--days', '3', '--start-date', '20260301', '--gzip'];
  assert.equal(await run(args, env), 0, env.err());
  assert.equal(env.err(), '');
  const lines = env.out().trimEnd().split('\n');
  assert.equal(lines.length, 1);
  assert.match(lines[0]!, new RegExp(`^wrote 3 day\\(s\\) 20260301\\.\\.20260303 to ${out}: 100-101 rows/day, x0\\.\\.x5, labels y1 y2; p=0.9 \\(cosine of w1, w2\\), label Pearson\\(y1, y2\\)=0\\.\\d{4}$`));
  for (const day of ['20260301', '20260302', '20260303']) assert.deepEqual(readdirSync(join(out, day)).sort(), ['_SUCCESS', 'part-00000.csv.gz']);
  const record = JSON.parse(readFileSync(join(out, '_synthetic.json'), 'utf8'));
  assert.deepEqual([record.dim, record.correlation, record.sinusoids, record.seed, record.scale, record.noiseStd], [6, 0.9, 3, 5, 1, 0.1]);
  // A rerun into the same directory is refused (exit 2) unless --force is given.
  const again = fakeEnv();
  assert.equal(await run(args, again), 2);
  assert.match(again.err(), /already holds files; remove it or pass --force/);
  assert.equal(await run([...args, '--force']), 0);
});

test('defaults: 100 inputs, 10 sinusoids, 5 days from 20260101', async (t) => {
  const out = tempDir(t);
  assert.equal(await run(['--out', out, '--correlation', '0', '--rows', '10']), 0);
  assert.deepEqual(readdirSync(out).sort(), ['20260101', '20260102', '20260103', '20260104', '20260105', '_synthetic.json']);
  const header = readFileSync(join(out, '20260101', 'part-00000.csv'), 'utf8').split('\n')[0]!.split(',');
  assert.equal(header.length, 102);
  assert.deepEqual([header[0], header[99], header[100], header[101]], ['x0', 'x99', 'y1', 'y2']);
  assert.equal(JSON.parse(readFileSync(join(out, '_synthetic.json'), 'utf8')).alpha.length, 10);
});

test('bad flags exit 2 with a message naming the flag, and write nothing', async (t) => {
  const out = tempDir(t);
  const cases: [string[], RegExp][] = [
    [['--correlation', '1.5'], /--correlation 1\.5: must be between -1 and 1/],
    [['--correlation', 'high'], /'high' is not a number/],
    [['--correlation', '0.5', '--dim', '1'], /--dim 1: must be an integer >= 2/],
    [['--correlation', '0.5', '--rows', '3', '--days', '5'], /--rows 3: must be an integer >= --days \(5\)/],
    [['--correlation', '0.5', '--rows', '0'], /'0' is not a positive integer/],
    [['--correlation', '0.5', '--start-date', '2026-01-01'], /not a date in YYYYMMDD form/],
    [['--correlation', '0.5', '--scale', '-1'], /--scale -1: must be a positive number/],
    [[], /required option '--correlation <p>' not specified/],
  ];
  for (const [flags, message] of cases) {
    const env = fakeEnv();
    assert.equal(await run(['--out', join(out, 'd'), ...flags], env), 2, flags.join(' '));
    assert.match(env.err(), message);
    assert.doesNotMatch(env.err(), /\n\s+at /, 'no stack trace');
  }
  assert.ok(!existsSync(join(out, 'd')));
});

test('data stats reports the label Pearson of the generated days', async (t) => {
  const out = tempDir(t);
  const gen = fakeEnv();
  assert.equal(await run(['--out', out, '--correlation', '0.9', '--rows', '400', '--dim', '3', '--days', '2', '--seed', '3'], gen), 0);
  const pearson = /label Pearson\(y1, y2\)=(\S+)/.exec(gen.out())![1]!;
  const config = join(out, 'config.json');
  writeFileSync(
    config,
    JSON.stringify({
      features: { numeric: ['x0', 'x1', 'x2'].map((name) => ({ name })) },
      tasks: ['y1', 'y2'].map((name) => ({ name, label: name, type: 'regression' })),
    }),
  );
  const env = fakeEnv();
  const code = await main(['node', 'mmoe', 'data', 'stats', '--config', config, '--train-data-dir', out, '--cur-date', '20260102', '--days', '2', '--format', 'json'], env);
  assert.equal(code, 0, env.err());
  const pairs: { a: string; b: string; pearson: number }[] = JSON.parse(env.out()).relatedness.pairs;
  const pair = pairs.find((p) => p.a === 'y1' && p.b === 'y2');
  assert.ok(pair, `a y1/y2 pair in ${JSON.stringify(pairs)}`);
  assert.ok(Math.abs(pair.pearson - Number(pearson)) < 1e-4, `stats ${pair.pearson} vs generator ${pearson}`);
});
