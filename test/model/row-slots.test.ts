import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RowSlots } from '../../src/model/row-slots.js';
import { Rng } from '../../src/util/random.js';

test('row slots: a slot per distinct row in order of first appearance, zeroed when claimed and emptied by reset, for a small table (direct map) and a large one (hash)', () => {
  const rng = new Rng(5);
  const tables = [new RowSlots(3, 1000), new RowSlots(3, 1 << 20)];
  for (let step = 0; step < 4; step++) {
    const ids = Array.from({ length: 300 }, () => rng.int(step % 2 ? 1000 : 40));
    const seen = new Map<number, number>();
    for (const s of tables) {
      s.reset(step === 3 ? 500 : 300); // at least the distinct rows; a larger capacity keeps the slots working
      for (const id of ids) {
        const o = s.offset(id);
        if (!seen.has(id)) seen.set(id, seen.size);
        assert.equal(o, seen.get(id)! * 3);
        s.grads[o] += 1;
      }
      assert.equal(s.count, seen.size);
      assert.deepEqual([...s.rows.subarray(0, s.count)], [...seen.keys()]);
      seen.clear();
      for (const id of ids) if (!seen.has(id)) seen.set(id, seen.size);
      // Each slot's first float counted (claimed slots start at zero) its row's appearances: nothing left from the step before.
      for (const [id, slot] of seen) assert.equal(s.grads[slot * 3], ids.filter((x) => x === id).length);
      seen.clear();
    }
  }
});
