import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ScoringKernels } from '../../src/model/wasm/scoring-kernels.js';
import { Rng } from '../../src/util/random.js';

test('gather_sum equals a plain sum: shared bias or per-row init, column shift, ReLU, every width', () => {
  const rng = new Rng(3);
  const memory = new WebAssembly.Memory({ initial: 16 });
  const kernel = new ScoringKernels(memory);
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

test('mixture equals the gate-weighted sum of the experts, every width', () => {
  const rng = new Rng(5);
  const memory = new WebAssembly.Memory({ initial: 16 });
  const kernels = new ScoringKernels(memory);
  const f32 = new Float32Array(memory.buffer);
  for (const [rows, experts, vecs] of [[1, 1, 1], [3, 8, 16], [5, 3, 5], [2, 9, 2]] as const) {
    const g = 1024;
    const bank = 4096 + 8;
    const out = 200000;
    for (let i = 0; i < rows * experts; i++) f32[g / 4 + i] = rng.next();
    for (let i = 0; i < rows * experts * vecs * 4; i++) f32[bank / 4 + i] = rng.normal();
    kernels.mixture(g, bank, out, rows, experts, vecs);
    for (let r = 0; r < rows; r++)
      for (let u = 0; u < vecs * 4; u++) {
        let s = 0;
        for (let e = 0; e < experts; e++) s += f32[g / 4 + r * experts + e]! * f32[bank / 4 + (r * experts + e) * vecs * 4 + u]!;
        const got = f32[out / 4 + r * vecs * 4 + u]!;
        assert.ok(Math.abs(got - s) < 1e-5, `rows ${rows} experts ${experts} vecs ${vecs} row ${r} unit ${u}: ${got} vs ${s}`);
      }
  }
});
