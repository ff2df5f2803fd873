// examples/serving/fingerprint64.py, the hash for Python serving without TensorFlow, against the
// farmhash binding mmoe hashes with: every length through the 0-16, 17-32, 33-64 and long-string
// paths, and UTF-8 beyond ASCII.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import farmhash from 'farmhash';

const python = '/usr/bin/python3';
const example = new URL('../../../examples/serving/', import.meta.url).pathname;
const hasPython = spawnSync(python, ['-c', 'pass'], { stdio: 'ignore' }).status === 0;

test('fingerprint64.py equals farmhash Fingerprint64 on every length to 300 bytes', { skip: !hasPython && !process.env.CI ? `no ${python}` : false }, () => {
  const values = Array.from({ length: 301 }, (_, n) => Array.from({ length: n }, (_, i) => String.fromCharCode(33 + ((i * 31 + n * 7) % 94))).join(''));
  values.push('native-country', 'Holand-Netherlands', 'é', '日本語のカテゴリ', 'NA', ' ', '🙂'.repeat(40));
  const script = [
    'import json, sys',
    `sys.path.insert(0, ${JSON.stringify(example)})`,
    'from fingerprint64 import fingerprint64, bucket',
    'values = json.load(sys.stdin)',
    'print(json.dumps([[str(fingerprint64(v.encode("utf-8"))), bucket(v, 1000)] for v in values]))',
  ].join('\n');
  const r = spawnSync(python, ['-c', script], { input: JSON.stringify(values), encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const got = JSON.parse(r.stdout) as [string, number][];
  values.forEach((v, i) => {
    const want = BigInt.asUintN(64, farmhash.fingerprint64(v));
    assert.equal(got[i][0], want.toString(), `length ${Buffer.byteLength(v)}`);
    assert.equal(got[i][1], v === '' ? 1000 : Number(want % 1000n));
  });
});
