// The scoring kernels (scoring.wat), instantiated on a given memory: the tfjs wasm backend's heap
// (tfjs-heap.ts), so that they read and write tensors where they are.
import { WASM_BASE64 } from './scoring-wasm.js';

/** Rows are whole 128-bit vectors. */
export const FLOATS_PER_VECTOR = 4;

type GatherSum = (offs: number, nf: number, shift: number, init: number, istride: number, out: number, rows: number, vecs: number, relu: number) => void;
type Mixture = (g: number, bank: number, out: number, rows: number, experts: number, vecs: number) => void;

/** One call of the kernel; all addresses are byte addresses in the kernel's memory. */
export interface GatherSumCall {
  /** [rows, nf] u32: the address of each row's table row for each field. */
  offs: number;
  nf: number;
  /** Added to every table row address: selects a column range of the rows. */
  shift: number;
  /** Start values of each output row, `istride` bytes apart (0: one shared row, a bias). */
  init: number;
  istride: number;
  /** [rows, vecs x 4] f32. */
  out: number;
  rows: number;
  vecs: number;
  relu: boolean;
}

let compiled: WebAssembly.Module | undefined;

export class ScoringKernels {
  private readonly fn: GatherSum;
  private readonly mix: Mixture;

  constructor(readonly memory: WebAssembly.Memory) {
    compiled ??= new WebAssembly.Module(Buffer.from(WASM_BASE64, 'base64'));
    const instance = new WebAssembly.Instance(compiled, { env: { memory } });
    this.fn = instance.exports.gather_sum as GatherSum;
    this.mix = instance.exports.mixture as Mixture;
  }

  /** out[r] = act(init[r] + sum over f of the table row at offs[r * nf + f] + shift), for r < rows. */
  gatherSum(c: GatherSumCall): void {
    this.fn(c.offs, c.nf, c.shift, c.init, c.istride, c.out, c.rows, c.vecs, c.relu ? 1 : 0);
  }

  /** out[r] = sum over e of g[r, e] * bank[r, e] for r < rows: g [rows, experts], bank [rows, experts, vecs x 4], out [rows, vecs x 4]. */
  mixture(g: number, bank: number, out: number, rows: number, experts: number, vecs: number): void {
    this.mix(g, bank, out, rows, experts, vecs);
  }
}
