// .ci/engines: which engines CI runs the suite on. The tfjs-node build is replaced by small setup
// scripts that end as the real one does (its last line, pip's errors, a compiler error), so each
// way of ending is seen; the real build runs in .ci/run itself.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';

const root = mkdtempSync(join(tmpdir(), 'mmoe-ci-engines-'));
after(() => rmSync(root, { recursive: true, force: true }));

/** Runs .ci/engines with a setup script made of `body` (or none at all), and extra environment. */
function engines(body: string | null, env: NodeJS.ProcessEnv = {}) {
  const setup = join(root, `setup-${Math.random().toString(36).slice(2)}.sh`);
  if (body !== null) {
    writeFileSync(setup, `#!/usr/bin/env bash\n${body}\n`);
    chmodSync(setup, 0o755);
  }
  const r = spawnSync('bash', ['.ci/engines'], { encoding: 'utf8', env: { ...process.env, TFJS_NODE_SETUP: setup, TFJS_TF_CACHE: join(root, 'no-cache'), ...env } });
  return { code: r.status, engines: r.stdout.trim(), err: r.stderr };
}

test('tfjs-node built: both engines, tensorflow first, and the build\'s last line in the log', () => {
  const r = engines("echo building; echo 'tfjs-node ok, TensorFlow 2.21.0'");
  assert.equal(r.code, 0, r.err);
  assert.equal(r.engines, 'tensorflow wasm');
  assert.equal(r.err.trim(), 'tfjs-node ok, TensorFlow 2.21.0');
});

test("pip's index without the tensorflow-cpu wheel: the wasm pass only, and the log says so plainly", () => {
  const r = engines(
    "echo 'ERROR: Could not find a version that satisfies the requirement tensorflow-cpu==2.21.0 (from versions: none)' >&2\n" +
      "echo 'ERROR: No matching distribution found for tensorflow-cpu==2.21.0' >&2; exit 1",
  );
  assert.equal(r.code, 0, r.err);
  assert.equal(r.engines, 'wasm');
  assert.match(r.err, /^NOTE: pip's index has no tensorflow-cpu==2\.21\.0 wheel \(ERROR: Could not find a version .*from versions: none\)\), so tfjs-node cannot be built here: the suite runs on wasm only \(no tensorflow pass\)\.$/m);
});

test('no setup script, no pip, or no pip index configured: the wasm pass only, each said plainly', () => {
  const none = engines(null);
  assert.equal(none.engines, 'wasm');
  assert.match(none.err, /^NOTE: no tfjs-node setup script at .*setup-\w+\.sh, so tfjs-node cannot be built here/m);
  const noPip = engines("echo '/usr/bin/python3: No module named pip' >&2; exit 1");
  assert.equal(noPip.engines, 'wasm');
  assert.match(noPip.err, /^NOTE: python3 has no pip to fetch the tensorflow-cpu==2\.21\.0 wheel with, so/m);
  // The real script stops without a word when pip has no index configured; pip is asked here
  // with no configuration file at all (PIP_CONFIG_FILE=/dev/null).
  const noIndex = engines('exit 1', { PIP_CONFIG_FILE: '/dev/null' });
  assert.equal(noIndex.code, 0, noIndex.err);
  assert.equal(noIndex.engines, 'wasm');
  assert.match(noIndex.err, /^NOTE: pip has no index configured \(global\.extra-index-url\), where the setup script takes the tensorflow-cpu==2\.21\.0 wheel from, so/m);
});

test('any other build failure fails CI with the build log', () => {
  // With TensorFlow's library cached, pip's configuration plays no part.
  const cache = join(root, 'cache');
  mkdirSync(join(cache, 'lib'), { recursive: true });
  writeFileSync(join(cache, 'lib', 'libtensorflow_cc.so.2'), '');
  const r = engines("echo 'gyp ERR! build error' >&2; exit 1", { TFJS_TF_CACHE: cache, PIP_CONFIG_FILE: '/dev/null' });
  assert.equal(r.code, 1);
  assert.equal(r.engines, '');
  assert.match(r.err, /gyp ERR! build error\ntfjs-node setup \(.*\) failed \(its log above\), and not for want of the tensorflow-cpu==2\.21\.0 wheel/);
});
