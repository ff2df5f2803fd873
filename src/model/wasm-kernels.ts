// Why this exists: three tfjs-backend-wasm 4.22 kernels cost the training step far more than the
// math needs, so they are wrapped (same numbers up to summation order; before/after step times in
// docs/benchmarks.md). tf.registerGradient cannot help: Dense's fused matmul gradient is a
// customGrad inside tfjs, so the kernels themselves are re-registered.
// - BatchMatMul with transposeA/transposeB runs ~10x slower than without (4096x192 by 4096x128:
//   107 ms vs 12 ms for an explicit transpose + plain product), and every Dense backward pass is
//   such a product (dW = x^T dy, dx = dy W^T). Transposed operands are transposed explicitly (in
//   JS, faster than wasm's own Transpose); the block feeds the experts and every gate, so recent
//   transposes are reused (tensor data is immutable). Care: the fast product caches XNNPACK weights by the id of operand b, so b must
//   never be the same data under a new shape (a unit-axis "transpose" is a free reshape for a only).
// - Identity copies the data, and tfjs clones every tensor it saves for the backward pass; the cpu
//   backend shares the data instead (refcounted), and so does this.
// - Sum over leading axes (every bias gradient) transposes first; a column sum over the wasm heap
//   in JS does not.
import * as tf from '@tensorflow/tfjs';

type KernelArgs = Parameters<tf.KernelFunc>[0];
type Backend = tf.KernelBackend & {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array;
};

/** Recent transposes kept: the block x^T serves experts and gates, with small ones in between. */
const CACHED_TRANSPOSES = 8;
const WRAPPED = ['BatchMatMul', 'Identity', 'Sum'] as const;

let originals: Map<string, tf.KernelConfig> | undefined;
let disabled = false;
let transposes: { source: object; rows: number; cols: number; result: tf.TensorInfo }[] = [];

function kernel(name: string): tf.KernelConfig {
  return originals?.get(name) ?? tf.getKernel(name, 'wasm');
}

/** A view of x's data with a new shape (one more reference to the same data). */
function view(x: tf.TensorInfo, shape: number[], backend: Backend): tf.TensorInfo {
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape, dtype: x.dtype };
}

/** x with its last two axes swapped; the caller releases the result. `asA`: only read as operand a. */
function transposed(x: tf.TensorInfo, backend: Backend, asA: boolean): tf.TensorInfo {
  const rank = x.shape.length;
  const [rows, cols] = x.shape.slice(-2);
  const shape = [...x.shape.slice(0, -2), cols, rows];
  if (asA && (rows === 1 || cols === 1)) return view(x, shape, backend);
  let hit = transposes.find((c) => c.source === x.dataId && c.rows === rows && c.cols === cols);
  if (!hit) {
    const result = x.dtype === 'float32' ? swapLastAxes(x, backend) : kernel('Transpose').kernelFunc({ inputs: { x }, backend, attrs: { perm: swapPerm(rank) } });
    transposes.unshift((hit = { source: x.dataId, rows, cols, result: result as tf.TensorInfo }));
    for (const old of transposes.splice(CACHED_TRANSPOSES)) backend.disposeData(old.result.dataId);
  }
  return view(hit.result, shape, backend);
}

function swapPerm(rank: number): number[] {
  const perm = [...Array(rank).keys()];
  [perm[rank - 2], perm[rank - 1]] = [rank - 1, rank - 2];
  return perm;
}

/** Blocked transpose of the last two axes, in JS over the heap: ~3x faster than wasm's Transpose. */
function swapLastAxes(x: tf.TensorInfo, backend: Backend): tf.TensorInfo {
  const [rows, cols] = x.shape.slice(-2);
  const out = backend.makeOutput([...x.shape.slice(0, -2), cols, rows], 'float32');
  const src = backend.typedArrayFromHeap(x);
  const dst = backend.typedArrayFromHeap(out);
  const B = 8; // 8x8 tiles measured fastest (4096x379: 4.5 ms vs 7 ms at 32)
  for (let m = 0; m < src.length; m += rows * cols)
    for (let i0 = 0; i0 < rows; i0 += B)
      for (let j0 = 0; j0 < cols; j0 += B) {
        const i1 = Math.min(i0 + B, rows);
        const j1 = Math.min(j0 + B, cols);
        for (let i = i0; i < i1; i++) for (let j = j0; j < j1; j++) dst[m + j * rows + i] = src[m + i * cols + j];
      }
  return out;
}

function batchMatMul(args: KernelArgs) {
  const { transposeA, transposeB } = args.attrs as unknown as { transposeA: boolean; transposeB: boolean };
  const matMul = kernel('BatchMatMul').kernelFunc;
  if (!transposeA && !transposeB) return matMul(args);
  const backend = args.backend as Backend;
  const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
  const at = transposeA ? transposed(a, backend, true) : a;
  const bt = transposeB ? transposed(b, backend, false) : b;
  const out = matMul({ ...args, inputs: { a: at, b: bt }, attrs: { ...args.attrs, transposeA: false, transposeB: false } });
  if (transposeA) backend.disposeData(at.dataId);
  if (transposeB) backend.disposeData(bt.dataId);
  return out;
}

function identity(args: KernelArgs) {
  const x = args.inputs.x as tf.TensorInfo;
  if (x.dtype === 'string') return kernel('Identity').kernelFunc(args);
  return view(x, x.shape, args.backend as Backend);
}

/** Sum of a float32 [outer, inner] over its leading axes: column sums straight over the heap. */
function sum(args: KernelArgs) {
  const x = args.inputs.x as tf.TensorInfo;
  const { axis, keepDims } = args.attrs as unknown as { axis: number | number[]; keepDims: boolean };
  const axes = (Array.isArray(axis) ? axis : [axis]).map((a) => (a < 0 ? a + x.shape.length : a)).sort();
  const leading = axes.length > 0 && axes.length < x.shape.length && axes.every((a, i) => a === i);
  if (!leading || x.dtype !== 'float32' || keepDims) return kernel('Sum').kernelFunc(args);
  const backend = args.backend as Backend;
  const innerShape = x.shape.slice(axes.length);
  const inner = innerShape.reduce((p, d) => p * d, 1);
  const out = backend.makeOutput(innerShape, 'float32');
  const src = backend.typedArrayFromHeap(x);
  const acc = new Float64Array(inner);
  for (let o = 0; o < src.length; o += inner) for (let j = 0; j < inner; j++) acc[j] += src[o + j];
  backend.typedArrayFromHeap(out).set(acc);
  return out;
}

const replacements: Record<(typeof WRAPPED)[number], tf.KernelFunc> = { BatchMatMul: batchMatMul, Identity: identity, Sum: sum };

/** Installs the wrappers once, when the active backend is wasm; returns whether they are active. */
export function useFastWasmKernels(): boolean {
  if (originals || disabled || tf.getBackend() !== 'wasm') return originals !== undefined;
  originals = new Map(WRAPPED.map((name) => [name, tf.getKernel(name, 'wasm')]));
  for (const name of WRAPPED) {
    tf.unregisterKernel(name, 'wasm');
    tf.registerKernel({ ...originals.get(name)!, kernelFunc: replacements[name] });
  }
  return true;
}

/** Turns the wrappers off (and keeps them off) or allows them again: for before/after benchmarks. */
export function setFastWasmKernels(enabled: boolean): void {
  disabled = !enabled;
  if (enabled) {
    useFastWasmKernels();
    return;
  }
  if (!originals) return;
  for (const name of WRAPPED) {
    tf.unregisterKernel(name, 'wasm');
    tf.registerKernel(originals.get(name)!);
  }
  originals = undefined;
  const backend = tf.backend();
  for (const c of transposes) backend.disposeData(c.result.dataId);
  transposes = [];
}
