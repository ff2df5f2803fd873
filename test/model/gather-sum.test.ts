import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GatherSumKernel } from '../../src/model/wasm/gather-sum.js';
import { Rng } from '../../src/util/random.js';

test('gather_sum equals a plain sum: shared bias or per-row init, column shift, ReLU, every width', () => {
  const rng = new Rng(3);
  const memory = new WebAssembly.Memory({ initial: 16 });
  const kernel = new GatherSumKernel(memory);
  const f32 = new Float32Array(memory.buffer);
  const u32 = new Uint32Array(memory.buffer);
  const rowFloats = 40; // a table row: two layers' columns side by side
  const tableRows = 9;
  const table = 1024; // byte addresses; an odd multiple of 8 below checks that no alignment is needed
  for (let i = 0; i < tableRows * rowFloats; i++) f32[table / 4 + i] = rng.normal();
  const rows = 5;
  const init = 8192 + 8;
  for (let i = 0; i < rows * rowFloats; i++) f32[init / 4 + i] = rng.normal();
  for (const nf of [0, 1, 3]) {
    const offs = 16384;
    const ids = Array.from({ length: rows * nf }, () => rng.int(tableRows));
    ids.forEach((id, i) => (u32[offs / 4 + i] = table + id * rowFloats * 4));
    for (const vecs of [1, 3, 4, 5, 9]) {
      for (const [shift, istride, relu] of [[0, 0, false], [4, rowFloats * 4, true], [16, rowFloats * 4, false]] as const) {
        const out = 32768;
        kernel.gatherSum({ offs, nf, shift, init: init + shift, istride, out, rows, vecs, relu });
        for (let r = 0; r < rows; r++)
          for (let c = 0; c < vecs * 4; c++) {
            let s = f32[(init + shift + r * istride) / 4 + c]!;
            for (let f = 0; f < nf; f++) s += f32[(table + shift) / 4 + ids[r * nf + f]! * rowFloats + c]!;
            if (relu) s = Math.max(0, s);
            const got = f32[out / 4 + r * vecs * 4 + c]!;
            assert.ok(Math.abs(got - s) < 1e-5, `nf ${nf} vecs ${vecs} shift ${shift} row ${r} col ${c}: ${got} vs ${s}`);
          }
      }
    }
  }
});
