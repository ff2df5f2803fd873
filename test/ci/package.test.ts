// What `npm pack` ships (package.json "files"): everything the installed CLI reads at run time,
// nothing of the tests, benchmarks or local builds. dist/ is gitignored, so without "files" a
// tarball installed as a dependency had no dist/ and could not run.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';

/** Every file under `dir`, relative to the project root. */
function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [relative('.', join(dir, e.name))]));
}

test('npm pack ships the compiled CLI, its configs and the native source, and no tests, benchmarks or local builds', () => {
  const r = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { encoding: 'utf8', env: { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip' } });
  assert.equal(r.status, 0, r.stderr);
  const files = new Set((JSON.parse(r.stdout) as { files: { path: string }[] }[])[0]!.files.map((f) => f.path));
  // Run time: the bin, every compiled module (workers are loaded by URL, not imported), the default config, the version.
  for (const f of ['bin/mmoe.js', 'package.json', 'configs/default.json', 'README.md', ...walk('dist/src').filter((p) => p.endsWith('.js'))]) assert.ok(files.has(f), `${f} is not packed`);
  // Install time: the huge-page addon is built from its source by the install script.
  for (const f of ['native/huge-pages.c', 'native/binding.gyp', 'scripts/build-native.mjs']) assert.ok(files.has(f), `${f} is not packed`);
  const stray = [...files].filter((p) => /^(test|bench|src|dist\/test|dist\/bench|native\/build|node_modules|models|logs)\//.test(p));
  assert.deepEqual(stray, []);
});
