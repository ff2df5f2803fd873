// The gather-sum kernel (gather-sum.wat), instantiated on a given memory: the tfjs wasm backend's
// heap (tfjs-heap.ts), so that it reads and writes tensors where they are.
import { WASM_BASE64 } from './gather-sum-wasm.js';

/** Rows are whole 128-bit vectors. */
export const FLOATS_PER_VECTOR = 4;

type GatherSum = (offs: number, nf: number, shift: number, init: number, istride: number, out: number, rows: number, vecs: number, relu: number) => void;

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

export class GatherSumKernel {
  private readonly fn: GatherSum;

  constructor(readonly memory: WebAssembly.Memory) {
    compiled ??= new WebAssembly.Module(Buffer.from(WASM_BASE64, 'base64'));
    const instance = new WebAssembly.Instance(compiled, { env: { memory } });
    this.fn = instance.exports.gather_sum as GatherSum;
  }

  /** out[r] = act(init[r] + sum over f of the table row at offs[r * nf + f] + shift), for r < rows. */
  gatherSum(c: GatherSumCall): void {
    this.fn(c.offs, c.nf, c.shift, c.init, c.istride, c.out, c.rows, c.vecs, c.relu ? 1 : 0);
  }
}
