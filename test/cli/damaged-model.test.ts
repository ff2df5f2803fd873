// Issue 10 items 1, 3 and 10 through the CLI: every way a model directory can be damaged makes
// `mmoe eval`, `mmoe predict` and `mmoe export` exit 3 with the damaged file named (never a hang, a
// raw ENOENT or NaN rows), and predict and export leave nothing behind; `mmoe rollback` to such a
// model refuses it (exit 2) and moves nothing.
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, renameSync, rmSync, statSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ctrDays, mmoe, saveUntrained, TINY_CONFIG } from '../eval/fixtures.js';

const root = mkdtempSync(join(tmpdir(), 'mmoe-damaged-'));
const data = join(root, 'data');
const good = join(root, 'good');
const big = join(root, 'big');
const SHARD = 'group1-shard1of1.bin';

after(() => rmSync(root, { recursive: true, force: true }));

before(async () => {
  await ctrDays(data, 300);
  await saveUntrained(good, TINY_CONFIG);
  mkdirSync(join(root, 'ok-export'));
  // 300k buckets x 4 dims: two 4 MB weight shards.
  const wide = { ...TINY_CONFIG, features: { ...TINY_CONFIG.features, categorical: TINY_CONFIG.features.categorical.map((c, i) => (i === 0 ? { ...c, buckets: 300_000 } : c)) } };
  await saveUntrained(big, wide);
});

/** A copy of `from` damaged by `harm`. */
function damaged(name: string, harm: (dir: string) => void, from = good): string {
  const dir = join(root, name);
  cpSync(from, dir, { recursive: true });
  harm(dir);
  return dir;
}

/** eval, predict and export all exit 3 naming `file`; predict and export leave no output and no temporary file. */
async function refused(dir: string, file: string, message: RegExp): Promise<void> {
  const ev = await mmoe('eval', '--model', dir, '--data-dir', data, '--dates', '20260102');
  assert.equal(ev.code, 3, ev.err);
  assert.ok(ev.err.includes(file), `eval names ${file}: ${ev.err}`);
  assert.match(ev.err, message);
  assert.doesNotMatch(ev.err, /unexpected error|ENOENT:/);
  const outDir = join(root, `out-${dir.split('/').pop()}`);
  const out = join(outDir, 'scores.csv');
  const pr = await mmoe('predict', '--model', dir, '--data-dir', data, '--dates', '20260102', '--output', out);
  assert.equal(pr.code, 3, pr.err);
  assert.ok(pr.err.includes(file), `predict names ${file}: ${pr.err}`);
  assert.deepEqual(existsSync(outDir) ? readdirSync(outDir) : [], [], 'predict wrote nothing');
  // export reads the model as serving will: the same checks, before anything is written.
  const files = readdirSync(dir).sort();
  const ex = await mmoe('export', '--model', dir, '--format', 'onnx,keras');
  assert.equal(ex.code, 3, ex.err);
  assert.ok(ex.err.includes(file), `export names ${file}: ${ex.err}`);
  assert.match(ex.err, message);
  assert.doesNotMatch(ex.err, /unexpected error|ENOENT:/);
  assert.deepEqual(readdirSync(dir).sort(), files, 'export wrote nothing into the model directory');
}

test('the undamaged fixtures score (the cases below are damage, not a broken fixture)', async () => {
  for (const dir of [good, big]) {
    const r = await mmoe('predict', '--model', dir, '--data-dir', data, '--dates', '20260102', '--output', join(root, 'ok.csv'));
    assert.equal(r.code, 0, r.err);
    const ex = await mmoe('export', '--model', dir, '--format', 'onnx', '--output', join(root, 'ok-export', `${dir === good ? 'good' : 'big'}.onnx`));
    assert.equal(ex.code, 0, ex.err);
  }
  assert.deepEqual(readdirSync(big).filter((f) => f.startsWith('group1-')).sort(), ['group1-shard1of2.bin', 'group1-shard2of2.bin']);
});

test('garbage model.json and architecture.json: exit 3 naming the file, not a JSON parser message', async () => {
  const a = damaged('model-json', (d) => writeFileSync(join(d, 'model.json'), 'hello'));
  await refused(a, join(a, 'model.json'), /not valid JSON/);
  const b = damaged('arch-json', (d) => writeFileSync(join(d, 'architecture.json'), '{"format": "mmoe-arch'));
  await refused(b, join(b, 'architecture.json'), /not valid JSON/);
});

test('weight shards cut to a length that is not a multiple of 4, short, in half, or missing: exit 3 naming the shard', async () => {
  const size = statSync(join(good, SHARD)).size;
  const odd = damaged('odd', (d) => truncateSync(join(d, SHARD), size - 3));
  await refused(odd, join(odd, SHARD), new RegExp(`holds ${size - 3} bytes but should hold ${size} bytes`));
  const half = damaged('half', (d) => truncateSync(join(d, SHARD), Math.floor(size / 8) * 4));
  await refused(half, join(half, SHARD), /cut short/);
  const missing = damaged('missing', (d) => rmSync(join(d, SHARD)));
  await refused(missing, join(missing, SHARD), /weight file listed in model\.json is missing/);
  // Two shards: the first one cut in half is named, not the last one or a table.
  const first = damaged('first-of-two', (d) => truncateSync(join(d, 'group1-shard1of2.bin'), 2 * 1024 * 1024), big);
  await refused(first, join(first, 'group1-shard1of2.bin'), /holds 2097152 bytes but should hold 4194304 bytes/);
  const last = damaged('last-of-two', (d) => truncateSync(join(d, 'group1-shard2of2.bin'), 1105 * 4), big);
  await refused(last, join(last, 'group1-shard2of2.bin'), /holds 4420 bytes but should hold/);
});

test('a shard of the right length overwritten with NaN: exit 3 naming the shard and the weight (no hang, no NaN rows)', async () => {
  const nan = damaged('nan', (d) => {
    const bytes = readFileSync(join(d, SHARD));
    const f = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
    f.fill(Number.NaN, Math.floor(f.length / 2));
    writeFileSync(join(d, SHARD), bytes);
  });
  await refused(nan, join(nan, SHARD), /weight '.+' \(shape \[.*\]\) holds \d+ non-finite value\(s\), the first NaN at index \d+: the model is broken/);
  const inf = damaged('inf', (d) => {
    const bytes = readFileSync(join(d, SHARD));
    bytes.writeFloatLE(-Infinity, bytes.length - 4);
    writeFileSync(join(d, SHARD), bytes);
  });
  await refused(inf, join(inf, SHARD), /holds 1 non-finite value\(s\), the first -Infinity/);
});

test('feature_spec.json that disagrees with architecture.json, or is missing: exit 3 naming it and the difference', async () => {
  const differ = damaged('spec-differs', (d) => {
    const spec = JSON.parse(readFileSync(join(d, 'feature_spec.json'), 'utf8'));
    spec.categorical[1].buckets = 999;
    writeFileSync(join(d, 'feature_spec.json'), JSON.stringify(spec));
  });
  await refused(differ, join(differ, 'feature_spec.json'), /disagrees with architecture\.json.*categorical\[1\]\.buckets: 999 vs 500/);
  const gone = damaged('spec-missing', (d) => rmSync(join(d, 'feature_spec.json')));
  await refused(gone, join(gone, 'feature_spec.json'), /missing/);
});

test('architecture.json naming an unknown model type, model.json listing a weight of another dtype: exit 3 naming the file (not exit 2 or a bare "model.json")', async () => {
  const type = damaged('arch-type', (d) => {
    const a = JSON.parse(readFileSync(join(d, 'architecture.json'), 'utf8'));
    a.model.type = 'bogus';
    writeFileSync(join(d, 'architecture.json'), JSON.stringify(a));
  });
  await refused(type, join(type, 'architecture.json'), /model\.type "bogus" is not an architecture this mmoe knows/);
  const dtype = damaged('dtype', (d) => {
    const m = JSON.parse(readFileSync(join(d, 'model.json'), 'utf8'));
    m.weightsManifest[0].weights.at(-1).dtype = 'int32';
    writeFileSync(join(d, 'model.json'), JSON.stringify(m));
  });
  await refused(dtype, join(dtype, 'model.json'), /weight '.+' is int32; only float32 models saved by mmoe can be restored/);
});

test('two weight shards swapped (the right total, each the wrong length): exit 3 naming the first one off, not garbage scores', async () => {
  const swapped = damaged(
    'swapped',
    (d) => {
      const [a, b] = ['group1-shard1of2.bin', 'group1-shard2of2.bin'].map((f) => join(d, f));
      const first = readFileSync(a!);
      writeFileSync(a!, readFileSync(b!));
      writeFileSync(b!, first);
    },
    big,
  );
  await refused(swapped, join(swapped, 'group1-shard1of2.bin'), /holds \d+ bytes but should hold 4194304 bytes/);
});

/** TINY_CONFIG as a file, for promote and train. */
function configFile(): string {
  const file = join(root, 'tiny.json');
  if (!existsSync(file)) writeFileSync(file, JSON.stringify({ ...TINY_CONFIG, training: { ...TINY_CONFIG.training, epochs: 1 } }));
  return file;
}

test('a regular file where a model directory is expected: exit 2 saying it is not a directory (not "no such directory")', async () => {
  const file = join(root, 'a-file');
  writeFileSync(file, '{}');
  const notDir = new RegExp(`${file}: is a file, not a directory`);
  for (const [args, flag] of [
    [['eval', '--model', file, '--data-dir', data, '--dates', '20260102'], '--model'],
    [['eval', '--model', good, '--baseline', file, '--data-dir', data, '--dates', '20260102'], '--baseline'],
    [['predict', '--model', file, '--data-dir', data, '--dates', '20260102', '--output', join(root, 'file.csv')], '--model'],
    [['train', '--train-data-dir', data, '--cur-date', '20260102', '--config', configFile(), '--model-output-dir', join(root, 'models-file'), '--log-dir', join(root, 'logs-file'), '--quiet', '--warm-start', file], '--warm-start'],
  ] as const) {
    const r = await mmoe(...args);
    assert.equal(r.code, 2, `${args[0]}: ${r.err}`);
    assert.match(r.err, new RegExp(`${flag} ${notDir.source}`), r.err);
    assert.doesNotMatch(r.err, /no such/);
  }
  const models = join(root, 'models-promote-file');
  mkdirSync(models);
  writeFileSync(join(models, '20260101'), 'not a model');
  const p = await mmoe('promote', join(models, '20260101'), '--config', configFile());
  assert.equal(p.code, 2, p.err);
  assert.match(p.err, new RegExp(`mmoe promote ${join(models, '20260101')}: is a file, not a directory`));
  assert.doesNotMatch(p.err, /no such/);
  // A missing one still says so.
  const gone = await mmoe('eval', '--model', join(root, 'gone'), '--data-dir', data, '--dates', '20260102');
  assert.equal(gone.code, 2, gone.err);
  assert.match(gone.err, /--model .*gone: no such directory/);
});

test('weight paths in model.json that leave the model directory (.., absolute, a symlink out): exit 3 naming model.json and the path (they were read, and scored); a symlinked model directory still loads', async () => {
  const outside = join(root, 'outside.bin'); // the right bytes: read, it would score (exit 0)
  cpSync(join(good, SHARD), outside);
  const withPath = (name: string, path: string) =>
    damaged(name, (d) => {
      const m = JSON.parse(readFileSync(join(d, 'model.json'), 'utf8'));
      m.weightsManifest[0].paths = [path];
      writeFileSync(join(d, 'model.json'), JSON.stringify(m));
    });
  const up = withPath('path-dotdot', '../outside.bin');
  await refused(up, join(up, 'model.json'), /weightsManifest path "\.\.\/outside\.bin" contains "\.\."/);
  const abs = withPath('path-absolute', outside);
  await refused(abs, join(abs, 'model.json'), new RegExp(`weightsManifest path "${outside}" is absolute`));
  const link = damaged('path-symlink', (d) => {
    rmSync(join(d, SHARD));
    symlinkSync(outside, join(d, SHARD));
  });
  await refused(link, join(link, 'model.json'), new RegExp(`weightsManifest path "${SHARD}" resolves to ${outside}, outside ${link}`));
  // A shard linked to a file inside the directory, and the directory itself reached through a link (models/latest), load.
  const inside = damaged('path-symlink-inside', (d) => {
    renameSync(join(d, SHARD), join(d, 'weights.bin'));
    symlinkSync('weights.bin', join(d, SHARD));
  });
  const latest = join(root, 'latest-link');
  symlinkSync(inside, latest);
  for (const dir of [inside, latest]) {
    const r = await mmoe('predict', '--model', dir, '--data-dir', data, '--dates', '20260102', '--output', join(root, 'linked.csv'));
    assert.equal(r.code, 0, r.err);
  }
  // The warm start refuses it too (exit 3, before any data is read), and promote (exit 2: a model that does not load).
  const warm = await mmoe('train', '--train-data-dir', data, '--cur-date', '20260102', '--config', configFile(), '--model-output-dir', join(root, 'models-path'), '--log-dir', join(root, 'logs-path'), '--quiet', '--warm-start', up);
  assert.equal(warm.code, 3, warm.err);
  assert.ok(warm.err.includes(`${join(up, 'model.json')}: weightsManifest path "../outside.bin" contains ".."`), warm.err);
  const models = join(root, 'models-promote-path');
  mkdirSync(models);
  cpSync(abs, join(models, '20260101'), { recursive: true });
  const p = await mmoe('promote', join(models, '20260101'), '--config', configFile());
  assert.equal(p.code, 2, p.err);
  assert.ok(p.err.includes(`${join(models, '20260101', 'model.json')}: weightsManifest path "${outside}" is absolute`), p.err);
});

test('model.json whose topology disagrees with architecture.json (copied from a model with other tower activations, same weights): exit 3 naming model.json and the difference', async () => {
  const other = join(root, 'tanh-towers');
  await saveUntrained(other, { ...TINY_CONFIG, model: { ...TINY_CONFIG.model, towers: { units: [8], activation: 'tanh' } } });
  const copied = damaged('topology', (d) => cpSync(join(other, 'model.json'), join(d, 'model.json')));
  await refused(copied, join(copied, 'model.json'), /modelTopology disagrees with architecture\.json, .*\(layer "[^"]+": config\.activation: "tanh" vs "relu"; /);
  const warm = await mmoe('train', '--train-data-dir', data, '--cur-date', '20260102', '--config', configFile(), '--model-output-dir', join(root, 'models-topology'), '--log-dir', join(root, 'logs-topology'), '--quiet', '--warm-start', copied);
  assert.equal(warm.code, 3, warm.err);
  assert.ok(warm.err.includes(`${join(copied, 'model.json')}: modelTopology disagrees with architecture.json`), warm.err);
  const models = join(root, 'models-promote-topology');
  mkdirSync(models);
  cpSync(copied, join(models, '20260101'), { recursive: true });
  const p = await mmoe('promote', join(models, '20260101'), '--config', configFile());
  assert.equal(p.code, 2, p.err);
  assert.ok(p.err.includes(`${join(models, '20260101', 'model.json')}: modelTopology disagrees with architecture.json`), p.err);
});

test('mmoe rollback to a damaged previous model (NaN over a shard, model.json of another network, a shard missing): exit 2 naming the file; latest, previous, status.json and both metadata.json untouched', async () => {
  const other = join(root, 'rollback-tanh-towers');
  await saveUntrained(other, { ...TINY_CONFIG, model: { ...TINY_CONFIG.model, towers: { units: [8], activation: 'tanh' } } });
  const cases: [string, (dir: string) => void, string, RegExp][] = [
    ['nan', (d) => {
      const bytes = readFileSync(join(d, SHARD));
      new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4).fill(Number.NaN);
      writeFileSync(join(d, SHARD), bytes);
    }, SHARD, /weight '.+' \(shape \[.*\]\) holds \d+ non-finite value\(s\), the first NaN/],
    ['topology', (d) => cpSync(join(other, 'model.json'), join(d, 'model.json')), 'model.json', /modelTopology disagrees with architecture\.json/],
    ['missing-shard', (d) => rmSync(join(d, SHARD)), SHARD, /weight file listed in model\.json is missing/],
  ];
  for (const [name, harm, file, message] of cases) {
    const models = join(root, `models-rollback-${name}`);
    mkdirSync(models);
    for (const date of ['20260101', '20260102']) {
      cpSync(good, join(models, date), { recursive: true });
      const p = await mmoe('promote', join(models, date), '--config', configFile());
      assert.equal(p.code, 0, `${name}: ${p.err}`);
    }
    harm(join(models, '20260101'));
    const before = ['status.json', '20260101/metadata.json', '20260102/metadata.json'].map((f) => readFileSync(join(models, f), 'utf8'));
    const r = await mmoe('rollback', '--model-output-dir', models, '--config', configFile());
    assert.equal(r.code, 2, `${name}: ${r.err}`);
    assert.ok(r.err.includes(`mmoe rollback: ${join(models, '20260101')} does not load, so it cannot serve: ${join(models, '20260101', file)}: `), `${name}: ${r.err}`);
    assert.match(r.err, message);
    assert.equal(r.out, '', `${name}: nothing moved, nothing said to have moved`);
    assert.deepEqual([readlinkSync(join(models, 'latest')), readlinkSync(join(models, 'previous'))], ['20260102', '20260101'], name);
    assert.deepEqual(['status.json', '20260101/metadata.json', '20260102/metadata.json'].map((f) => readFileSync(join(models, f), 'utf8')), before, `${name}: nothing rewritten`);
    assert.deepEqual(readdirSync(models).filter((f) => f.startsWith('.')), [], `${name}: no lock or temporary link left`);
  }
});
