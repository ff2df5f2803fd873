// The committed kernel modules (src/model/wasm/*-wasm.ts) must be what their .wat sources assemble to.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const dir = join(root, 'src', 'model', 'wasm');

test('every .wat source matches its committed module (rebuild with node scripts/build-wasm.mjs)', async () => {
  const { assemble } = (await import(pathToFileURL(join(root, 'scripts', 'build-wasm.mjs')).href)) as { assemble(path: string): Promise<string> };
  const sources = readdirSync(dir).filter((f) => f.endsWith('.wat'));
  assert.ok(sources.length > 0);
  for (const f of sources) assert.equal(readFileSync(join(dir, f.replace(/\.wat$/, '-wasm.ts')), 'utf8'), await assemble(join(dir, f)), f);
});
