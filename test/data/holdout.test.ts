import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Holdout, isHeldOut } from '../../src/data/holdout.js';

test('Holdout over blocks decides as isHeldOut for each file and line, switching keys between files', () => {
  const h = new Holdout(0.3, 9);
  const files = ['20240101/a.csv', '20240101/b.csv.gz', '20240101/a.csv'];
  let held = 0;
  files.forEach((path, fileIndex) => {
    const lines = Int32Array.from({ length: 500 }, (_, i) => i + 2);
    const block = { fileIndex, file: { path }, lines };
    for (let r = 0; r < lines.length; r++) {
      const want = isHeldOut(path, lines[r]!, 9, 0.3);
      assert.equal(h.holds(block, r), want, `${path}:${lines[r]}`);
      if (want) held++;
    }
  });
  assert.ok(held > 0.25 * 1500 && held < 0.35 * 1500, `${held} of 1500 held out`);
  const none = new Holdout(0, 9);
  assert.equal(none.holds({ fileIndex: 0, file: { path: 'a.csv' }, lines: Int32Array.of(2) }, 0), false);
});
