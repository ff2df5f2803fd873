// docs/serving.md shows excerpts of the serving examples the tests run: each excerpt (a code block
// whose first line names an examples/ file) must still be in that file, line for line and in order.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

const rootUrl = new URL('../../../', import.meta.url);

test('every example excerpt in docs/serving.md is the code the tests run', () => {
  const doc = readFileSync(new URL('docs/serving.md', rootUrl), 'utf8');
  const blocks = [...doc.matchAll(/```\w*\n([\s\S]*?)```/g)].map((m) => m[1]!.split('\n'));
  const excerpts = blocks.filter((b) => /^(\/\/|#) examples\/serving\/\S+$/.test(b[0]!));
  assert.ok(excerpts.length >= 2, 'the Node and Python excerpts');
  for (const [head, ...lines] of excerpts) {
    const path = head!.replace(/^(\/\/|#) /, '');
    const file = readFileSync(new URL(path, rootUrl), 'utf8').split('\n');
    let at = 0;
    for (const line of lines.filter((l) => l.trim() !== '')) {
      while (at < file.length && file[at] !== line) at++;
      assert.ok(at < file.length, `${path}: the excerpt line ${JSON.stringify(line)} is not in the file (in order)`);
      at++;
    }
  }
});
