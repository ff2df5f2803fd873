// The training kernels (training.wat) on a shared memory: opcodes, activation codes, how one
// instruction is laid out, and `run`, which executes a range of instructions for a shard of rows.
// No tfjs here: worker threads load this module.
import v8 from 'node:v8';
import { WASM_BASE64, WASM_FMA_BASE64 } from './training-wasm.js';

export const OP = {
  gemm: 0,
  transpose: 1,
  actFwd: 2,
  actBwd: 3,
  colsum: 4,
  softmaxFwd: 5,
  softmaxBwd: 6,
  mixFwd: 7,
  mixBwd: 8,
  scale: 9,
  copy: 10,
  reduce: 11,
  adam: 12,
  adagrad: 13,
} as const;
export type OpName = keyof typeof OP;

/** Activation codes of act_fwd / act_bwd, by tfjs-layers' activation names. */
export const ACTIVATION_CODES: Record<string, number> = { linear: 0, relu: 1, elu: 2, selu: 3, tanh: 4, sigmoid: 5, swish: 6 };

/** Add to the output instead of overwriting it. */
export const ACCUMULATE = 1;
/** gemm: ReLU on the result. */
export const RELU = 2;
/** m or k of a gemm that is the shard's row count. */
export const ROWS = -1;

/** Bytes per instruction: 16 i32 words, word 0 the opcode. */
export const INSTRUCTION_BYTES = 64;
const WORDS = INSTRUCTION_BYTES / 4;

/** An argument: an i32 (address, stride, size, flags) or an f32 stored as its bits. */
export type Arg = number | { f32: number };

export interface Instruction {
  op: OpName;
  args: Arg[];
}

/** Writes instructions at byte address `at` of `memory`; returns the end address. */
export function writeInstructions(memory: WebAssembly.Memory, at: number, list: Instruction[]): number {
  const i32 = new Int32Array(memory.buffer, at, list.length * WORDS);
  const f32 = new Float32Array(memory.buffer, at, list.length * WORDS);
  list.forEach((ins, n) => {
    if (ins.args.length >= WORDS) throw new RangeError(`instruction ${ins.op} has ${ins.args.length} arguments; at most ${WORDS - 1}`);
    i32.fill(0, n * WORDS, (n + 1) * WORDS);
    i32[n * WORDS] = OP[ins.op];
    ins.args.forEach((a, k) => {
      if (typeof a === 'number') i32[n * WORDS + 1 + k] = a;
      else f32[n * WORDS + 1 + k] = a.f32;
    });
  });
  return at + list.length * INSTRUCTION_BYTES;
}

/** A shared memory of at least `bytes` (wasm pages of 64 KiB), fixed in size. */
export function sharedMemory(bytes: number): WebAssembly.Memory {
  const pages = Math.max(1, Math.ceil(bytes / 65536));
  if (pages > 65536) throw new RangeError(`the training memory would need ${bytes} bytes; wasm32 allows 4 GiB`);
  return new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
}

/** A compiled kernel module: with fused multiply-adds in the gemm tiles (relaxed SIMD) or without. */
export interface KernelModule {
  module: WebAssembly.Module;
  fma: boolean;
}

const compiled = new Map<boolean, KernelModule>();

/**
 * The kernels with fused multiply-adds where the engine runs relaxed SIMD (Node 22 and later; Node
 * 20 once V8's relaxed-SIMD flag is on, which only adds those instructions to what validates), as
 * they run the products about 1.35x faster; else the plain ones. `fma: false` asks for the plain
 * ones (tests, and comparisons).
 */
export function kernelModule(options: { fma?: boolean } = {}): KernelModule {
  const want = options.fma ?? true;
  const known = compiled.get(want);
  if (known) return known;
  let km: KernelModule;
  const fused = Buffer.from(WASM_FMA_BASE64, 'base64');
  if (want && !validates(fused)) enableRelaxedSimd();
  if (want && validates(fused)) km = { module: new WebAssembly.Module(fused), fma: true };
  else km = compiled.get(false) ?? { module: new WebAssembly.Module(Buffer.from(WASM_BASE64, 'base64')), fma: false };
  compiled.set(want, km);
  compiled.set(km.fma, km);
  return km;
}

/** WebAssembly.validate (in every engine; missing from @types/node 20's declarations). */
const validates = (bytes: Uint8Array): boolean => (WebAssembly as unknown as { validate(b: Uint8Array): boolean }).validate(bytes);

function enableRelaxedSimd(): void {
  try {
    v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
  } catch {
    // an engine without the flag keeps the plain kernels
  }
}

export class TrainingKernels {
  private readonly fn: (pc: number, end: number, rows: number) => void;
  readonly fma: boolean;

  constructor(
    readonly memory: WebAssembly.Memory,
    km: KernelModule = kernelModule(),
  ) {
    const instance = new WebAssembly.Instance(km.module, { env: { memory } });
    this.fn = instance.exports.run as (pc: number, end: number, rows: number) => void;
    this.fma = km.fma;
  }

  /** Executes the instructions in [pc, end) (byte addresses) for a shard of `rows` rows. */
  run(pc: number, end: number, rows: number): void {
    this.fn(pc, end, rows);
  }
}
