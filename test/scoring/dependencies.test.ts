// src/scoring is what eval, predict, export and the promotion gate share (opening a model
// directory, scoring batches, scoring threads): it must not depend on its users, or the folders
// become one concern split badly (STYLE.md 13). Read from the sources, so type-only imports count.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';

/** Every .ts file under `dir`. */
function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** The relative modules `text` (the source of `file`) imports or re-exports, statically or dynamically, as paths from the project root. */
function imports(text: string, file: string): string[] {
  const specifiers = [...text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)['"]([^'"]+)['"]/gm)].map((m) => m[1]!);
  return specifiers.filter((s) => s.startsWith('.')).map((s) => relative(process.cwd(), resolve(dirname(file), s)));
}

test('the import reader finds static, type-only, multi-line, re-exported, side-effect and dynamic imports', () => {
  const text = [
    "import { a } from '../eval/a.js';",
    "import type { B } from '../eval/b.js';",
    "export { c } from '../eval/c.js';",
    "import '../eval/d.js';",
    "const e = await import('../eval/e.js');",
    "import {\n  f,\n} from '../eval/f.js';",
    "import { g } from 'node:fs';",
  ].join('\n');
  assert.deepEqual(imports(text, join('src', 'scoring', 'x.ts')), ['a', 'b', 'c', 'd', 'e', 'f'].map((x) => join('src', 'eval', `${x}.js`)));
});

test('src/scoring imports nothing from src/eval, nor from the commands that use it', () => {
  const files = sources(join('src', 'scoring'));
  assert.ok(files.length >= 5, `the scoring sources: ${files.join(', ')}`);
  const users = ['eval', 'predict', 'cli'].map((d) => `${join('src', d)}/`);
  const wrong = files.flatMap((f) => imports(readFileSync(f, 'utf8'), f).filter((i) => users.some((u) => i.startsWith(u))).map((i) => `${f} imports ${i}`));
  assert.deepEqual(wrong, []);
});
