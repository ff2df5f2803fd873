import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  ACCUMULATE,
  ACTIVATION_CODES,
  type Arg,
  kernelModule,
  type OpName,
  RELU,
  ROWS,
  sharedMemory,
  TrainingKernels,
  writeInstructions,
} from '../../src/model/wasm/training-kernels.js';
import { Rng } from '../../src/util/random.js';

/** A memory with a bump allocator, matrices with padded row strides, one instruction at a time. */
class Bench {
  readonly memory = sharedMemory(8 << 20);
  readonly kernels: TrainingKernels;
  readonly f32 = new Float32Array(this.memory.buffer);
  private top = 4096;
  readonly rng = new Rng(17);

  constructor(fma = true) {
    this.kernels = new TrainingKernels(this.memory, kernelModule({ fma }));
  }

  alloc(floats: number): number {
    const at = this.top;
    this.top += Math.ceil(floats / 4) * 16 + 16;
    this.f32.fill(0, at / 4, this.top / 4);
    return at;
  }

  /** A [rows, cols] matrix with a stride of ceil(cols / 4) * 4 floats, random values, zero pads. */
  matrix(rows: number, cols: number, value = () => this.rng.normal()): { at: number; ld: number } {
    const ld = Math.ceil(cols / 4) * 4;
    const at = this.alloc(rows * ld + 4);
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) this.f32[at / 4 + r * ld + c] = value();
    return { at, ld };
  }

  get(m: { at: number; ld: number }, r: number, c: number): number {
    return this.f32[m.at / 4 + r * m.ld + c]!;
  }

  run(op: OpName, args: Arg[], rows = 0): void {
    const end = writeInstructions(this.memory, 0, [{ op, args }]);
    this.kernels.run(0, end, rows);
  }

  snapshot(m: { at: number; ld: number }, rows: number): Float32Array {
    return this.f32.slice(m.at / 4, m.at / 4 + rows * m.ld);
  }
}

function close(got: number, want: number, tol: number, what: string): void {
  assert.ok(Math.abs(got - want) <= tol * Math.max(1, Math.abs(want)), `${what}: ${got} vs ${want}`);
}

for (const fma of [false, true]) {
  const what = fma ? 'where the engine has them' : 'off';
  test(`gemm: every tile edge, bias, accumulate, ReLU, transposed A, reduction blocks, rows from the call (fused multiply-adds ${what})`, () => gemmCases(fma));
}

function gemmCases(fma: boolean): void {
  const b = new Bench(fma);
  if (!fma) assert.equal(b.kernels.fma, false);
  for (const m of [1, 3, 4, 5, 9])
    for (const n of [1, 4, 5, 8, 13])
      for (const k of [0, 1, 7, 130, 300])
        for (const mode of ['plain', 'bias', 'acc', 'relu', 'at'] as const) {
          const transposedA = mode === 'at';
          const A = transposedA ? b.matrix(k, m) : b.matrix(m, k);
          const B = b.matrix(k, n);
          const C = b.matrix(m, n);
          const bias = b.matrix(1, n);
          const before = b.snapshot(C, m);
          const a = (i: number, p: number) => (transposedA ? b.get(A, p, i) : b.get(A, i, p));
          const [si, sp] = transposedA ? [4, A.ld * 4] : [A.ld * 4, 4];
          const flags = mode === 'acc' ? ACCUMULATE : mode === 'relu' ? RELU : 0;
          // m = 5 and k = 7 come from the call's row count (m = 5 then takes precedence)
          const [mArg, kArg, rows] = m === 5 ? [ROWS, k, 5] : [m, k === 7 ? ROWS : k, 7];
          b.run('gemm', [A.at, si, sp, B.at, B.ld * 4, C.at, C.ld * 4, mArg, Math.ceil(n / 4), kArg, flags, mode === 'bias' ? bias.at : 0], rows);
          for (let i = 0; i < m; i++)
            for (let j = 0; j < C.ld; j++) {
              let s = mode === 'acc' ? before[i * C.ld + j]! : mode === 'bias' ? b.get(bias, 0, j) : 0;
              let size = Math.abs(s);
              for (let p = 0; p < k; p++) {
                s += a(i, p) * b.get(B, p, j);
                size += Math.abs(a(i, p) * b.get(B, p, j));
              }
              if (mode === 'relu') s = Math.max(0, s);
              // float32 sums of k terms: error within k ulps of the sum of magnitudes
              assert.ok(Math.abs(b.get(C, i, j) - s) <= 1e-7 * (k + 1) * size + 1e-7, `m ${m} n ${n} k ${k} ${mode} (${i}, ${j}): ${b.get(C, i, j)} vs ${s}`);
            }
        }
}

test('transpose swaps rows and columns and leaves the pads alone', () => {
  const b = new Bench();
  const W = b.matrix(7, 5);
  const T = b.matrix(5, 7, () => 0);
  b.run('transpose', [W.at, W.ld * 4, 7, 5, T.at, T.ld * 4]);
  for (let i = 0; i < 7; i++) for (let j = 0; j < 5; j++) assert.equal(b.get(T, j, i), b.get(W, i, j));
  for (let j = 0; j < 5; j++) assert.equal(b.get(T, j, 7), 0);
});

const REFERENCE: Record<string, { f(x: number): number; d(x: number): number }> = {
  linear: { f: (x) => x, d: () => 1 },
  relu: { f: (x) => Math.max(0, x), d: (x) => (x > 0 ? 1 : 0) },
  elu: { f: (x) => (x > 0 ? x : Math.expm1(x)), d: (x) => (x > 0 ? 1 : Math.exp(x)) },
  selu: { f: (x) => 1.0507009873554805 * (x > 0 ? x : 1.6732632423543772 * Math.expm1(x)), d: (x) => 1.0507009873554805 * (x > 0 ? 1 : 1.6732632423543772 * Math.exp(x)) },
  tanh: { f: Math.tanh, d: (x) => 1 - Math.tanh(x) ** 2 },
  sigmoid: { f: (x) => 1 / (1 + Math.exp(-x)), d: (x) => Math.exp(-x) / (1 + Math.exp(-x)) ** 2 },
  swish: { f: (x) => x / (1 + Math.exp(-x)), d: (x) => { const s = 1 / (1 + Math.exp(-x)); return s + x * s * (1 - s); } },
};

test('activations and their derivatives match float64 references, over small, large and tiny inputs', () => {
  const b = new Bench();
  const special = [0, 1e-6, -1e-6, 1e-3, -1e-3, 0.3, -0.3, 5, -5, 20, -20, 90, -90, 200, -200];
  const rows = 5;
  const cols = 37;
  for (const [name, ref] of Object.entries(REFERENCE)) {
    let i = 0;
    const Z = b.matrix(rows, cols, () => (i < special.length ? special[i++]! : b.rng.normal() * 3));
    const Y = b.matrix(rows, cols, () => 0);
    const dY = b.matrix(rows, cols);
    const dy = b.snapshot(dY, rows);
    b.run('actFwd', [Z.at, Y.at, Y.ld, ACTIVATION_CODES[name]!], rows);
    b.run('actBwd', [dY.at, Y.at, Z.at, Y.ld, ACTIVATION_CODES[name]!], rows);
    for (let r = 0; r < rows; r++)
      for (let c = 0; c < cols; c++) {
        const x = b.get(Z, r, c);
        const y = ref.f(x);
        // Relative to the value, with an absolute floor of one float32 ulp of 1 (what the
        // formulas from y, like tanh' = 1 - y^2, can resolve).
        const tol = 2e-6;
        assert.ok(Math.abs(b.get(Y, r, c) - y) <= tol * Math.max(Math.abs(y), 1e-2), `${name}(${x}) = ${b.get(Y, r, c)}, want ${y}`);
        const want = dy[r * Y.ld + c]! * ref.d(x);
        assert.ok(Math.abs(b.get(dY, r, c) - want) <= 2e-6 * Math.max(Math.abs(want), 1) + 1e-7, `${name}'(${x}): ${b.get(dY, r, c)} vs ${want}`);
      }
  }
});

test('colsum sums the columns of the shard (zero rows give zero), or adds to the output', () => {
  const b = new Bench();
  const S = b.matrix(9, 10);
  const out = b.matrix(1, 12, () => 1);
  b.run('colsum', [S.at, S.ld * 4, 3, out.at, 0], 9);
  for (let j = 0; j < 10; j++) close(b.get(out, 0, j), Array.from({ length: 9 }, (_, r) => b.get(S, r, j)).reduce((x, y) => x + y), 1e-6, `col ${j}`);
  b.run('colsum', [S.at, S.ld * 4, 3, out.at, ACCUMULATE], 0);
  b.run('colsum', [S.at, S.ld * 4, 3, out.at, 0], 0);
  for (let j = 0; j < 12; j++) assert.equal(b.get(out, 0, j), 0);
});

test('softmax forward and backward, every width, pads left at zero', () => {
  const b = new Bench();
  for (const e of [1, 3, 4, 8, 9]) {
    const rows = 6;
    const Z = b.matrix(rows, e, () => b.rng.normal() * 4);
    const Y = b.matrix(rows, e, () => 0);
    const dY = b.matrix(rows, e);
    const dZ = b.matrix(rows, e);
    const before = b.snapshot(dZ, rows);
    b.run('softmaxFwd', [Z.at, Y.at, Y.ld * 4, e], rows);
    b.run('softmaxBwd', [dY.at, Y.at, dZ.at, Y.ld * 4, e, ACCUMULATE], rows);
    for (let r = 0; r < rows; r++) {
      const z = Array.from({ length: e }, (_, c) => b.get(Z, r, c));
      const mx = Math.max(...z);
      const ex = z.map((v) => Math.exp(v - mx));
      const sum = ex.reduce((x, y) => x + y);
      const y = ex.map((v) => v / sum);
      const dy = Array.from({ length: e }, (_, c) => b.get(dY, r, c));
      const dot = dy.reduce((s, v, c) => s + v * y[c]!, 0);
      for (let c = 0; c < e; c++) {
        close(b.get(Y, r, c), y[c]!, 1e-6, `softmax e ${e}`);
        close(b.get(dZ, r, c), before[r * Y.ld + c]! + y[c]! * (dy[c]! - dot), 1e-5, `softmax' e ${e}`);
      }
      for (let c = e; c < Y.ld; c++) assert.equal(b.get(Y, r, c), 0);
    }
  }
});

test('mixture forward and backward, expert widths that are not whole vectors, write and accumulate', () => {
  const b = new Bench();
  for (const [e, u] of [[1, 1], [3, 6], [8, 16], [2, 5], [3, 4]] as const)
    for (const flags of [0, 3]) {
      const rows = 5;
      const scale = 1 / e;
      const G = b.matrix(rows, e, () => b.rng.next());
      const bank = b.matrix(rows, e * u);
      const out = b.matrix(rows, u, () => 0);
      const dOut = b.matrix(rows, u);
      const dG = b.matrix(rows, e);
      const dBank = b.matrix(rows, e * u);
      const dg0 = b.snapshot(dG, rows);
      const db0 = b.snapshot(dBank, rows);
      b.run('mixFwd', [G.at, G.ld * 4, bank.at, bank.ld * 4, out.at, out.ld * 4, e, u, { f32: scale }], rows);
      b.run('mixBwd', [G.at, G.ld * 4, bank.at, bank.ld * 4, dOut.at, dOut.ld * 4, e, u, { f32: scale }, dG.at, dBank.at, flags], rows);
      for (let r = 0; r < rows; r++) {
        for (let k = 0; k < u; k++) {
          let s = 0;
          for (let x = 0; x < e; x++) s += b.get(G, r, x) * b.get(bank, r, x * u + k);
          close(b.get(out, r, k), s * scale, 1e-5, `mix e ${e} u ${u}`);
        }
        for (let x = 0; x < e; x++) {
          let dot = 0;
          for (let k = 0; k < u; k++) {
            dot += b.get(dOut, r, k) * b.get(bank, r, x * u + k);
            const want = (flags ? db0[r * bank.ld + x * u + k]! : 0) + scale * b.get(G, r, x) * b.get(dOut, r, k);
            close(b.get(dBank, r, x * u + k), want, 1e-5, `dbank e ${e} u ${u}`);
          }
          close(b.get(dG, r, x), (flags ? dg0[r * G.ld + x]! : 0) + scale * dot, 1e-5, `dg e ${e} u ${u}`);
        }
      }
    }
});

test('scale and copy, with and without accumulation, odd widths', () => {
  const b = new Bench();
  const rows = 3;
  const X = b.matrix(rows, 6);
  const Y = b.matrix(rows, 6);
  const y0 = b.snapshot(Y, rows);
  b.run('scale', [X.at, Y.at, Y.ld, { f32: 2.5 }, ACCUMULATE], rows);
  for (let i = 0; i < rows * Y.ld; i++) close(b.f32[Y.at / 4 + i]!, y0[i]! + 2.5 * b.f32[X.at / 4 + i]!, 1e-6, 'scale');
  const wide = b.matrix(rows, 13, () => 0);
  for (const acc of [0, ACCUMULATE]) {
    b.run('copy', [X.at, X.ld * 4, wide.at + 7 * 4, wide.ld * 4, 6, acc], rows);
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < 6; c++) close(b.get(wide, r, 7 + c), (acc ? 2 : 1) * b.get(X, r, c), 1e-6, 'copy');
      for (let c = 0; c < 7; c++) assert.equal(b.get(wide, r, c), 0);
    }
  }
});

test('reduce sums the threads in order with the L2 term and reports both squared norms; adam and adagrad update', () => {
  const b = new Bench();
  const n = 12;
  for (const threads of [1, 3]) {
    const stride = n * 4;
    const g0 = b.alloc(threads * n);
    const grads = Array.from({ length: threads * n }, () => b.rng.normal());
    b.f32.set(grads, g0 / 4);
    const w = b.matrix(1, n);
    const out = b.alloc(4);
    b.run('reduce', [g0, stride, threads, w.at, n, { f32: 0.01 }, out]);
    let sg = 0;
    let sw = 0;
    for (let i = 0; i < n; i++) {
      let g = 0;
      for (let t = 0; t < threads; t++) g += grads[t * n + i]!;
      g += 0.02 * b.get(w, 0, i);
      close(b.f32[g0 / 4 + i]!, g, 1e-6, `reduce ${threads}`);
      sg += g * g;
      sw += b.get(w, 0, i) ** 2;
    }
    const f64 = new Float64Array(b.memory.buffer, out, 2);
    close(f64[0]!, sg, 1e-6, 'sum g^2');
    close(f64[1]!, sw, 1e-6, 'sum w^2');
  }
  const w = b.matrix(1, 8);
  const m = b.matrix(1, 8, () => 0.1);
  const v = b.matrix(1, 8, () => 0.2);
  const g = b.matrix(1, 8);
  const [w0, m0, v0] = [b.snapshot(w, 1), b.snapshot(m, 1), b.snapshot(v, 1)];
  const s = b.alloc(8);
  const [lr, b1, b2, eps, clip] = [0.01, 0.9, 0.999, 1e-7, 0.5];
  new Float32Array(b.memory.buffer, s, 7).set([lr, b1, 1 - b1, b2, 1 - b2, eps, clip]);
  b.run('adam', [w.at, m.at, v.at, g.at, 8, s]);
  for (let i = 0; i < 8; i++) {
    const gi = clip * b.get(g, 0, i);
    const mi = b1 * m0[i]! + (1 - b1) * gi;
    const vi = b2 * v0[i]! + (1 - b2) * gi * gi;
    close(b.get(m, 0, i), mi, 1e-6, 'adam m');
    close(b.get(v, 0, i), vi, 1e-6, 'adam v');
    close(b.get(w, 0, i), w0[i]! - (lr * mi) / (Math.sqrt(vi) + eps), 1e-6, 'adam w');
  }
  const acc = b.matrix(1, 8, () => 0.3);
  const [w1, a0] = [b.snapshot(w, 1), b.snapshot(acc, 1)];
  new Float32Array(b.memory.buffer, s, 3).set([lr, 0.1 + eps, 1]);
  b.run('adagrad', [w.at, acc.at, g.at, 8, s]);
  for (let i = 0; i < 8; i++) {
    const gi = b.get(g, 0, i);
    close(b.get(acc, 0, i), a0[i]! + gi * gi, 1e-6, 'adagrad acc');
    close(b.get(w, 0, i), w1[i]! - (lr * gi) / Math.sqrt(a0[i]! + gi * gi + 0.1 + eps), 1e-6, 'adagrad w');
  }
});

test('an unknown opcode traps instead of running on', () => {
  const b = new Bench();
  new Int32Array(b.memory.buffer, 0, 16)[0] = 99;
  assert.throws(() => b.kernels.run(0, 64, 1), /unreachable/);
});
