// Why this exists: tfjs-backend-wasm 4.22 runs BatchMatMul with transposeA or transposeB about ten
// times slower than without (4096x192 by 4096x128: 107 ms transposed vs 12 ms explicit transpose +
// plain product). Every Dense layer's backward pass is exactly such a product (dW = x^T dy,
// dx = dy W^T), so training spent ~90% of its time there. The gradient of a fused Dense is a
// customGrad inside tfjs, out of reach of tf.registerGradient, so the kernel itself is wrapped:
// transposed operands are transposed explicitly, then the fast plain product runs. Same numbers
// (up to summation order); docs/benchmarks.md has the before/after step times.
import * as tf from '@tensorflow/tfjs';

type KernelArgs = Parameters<tf.KernelFunc>[0];
interface MatMulAttrs {
  transposeA: boolean;
  transposeB: boolean;
}

let installed = false;

/** Installs the wrapper once, when the active backend is wasm; returns whether it is active. */
export function useFastTransposedMatMul(): boolean {
  if (installed || tf.getBackend() !== 'wasm') return installed;
  const original = tf.getKernel('BatchMatMul', 'wasm');
  const transpose = tf.getKernel('Transpose', 'wasm');
  if (!original || !transpose) return false;
  const flip = (x: tf.TensorInfo, backend: KernelArgs['backend']): tf.TensorInfo => {
    const perm = x.shape.map((_, i) => i);
    [perm[perm.length - 2], perm[perm.length - 1]] = [perm[perm.length - 1], perm[perm.length - 2]];
    return transpose.kernelFunc({ inputs: { x }, backend, attrs: { perm } }) as tf.TensorInfo;
  };
  const kernelFunc = (args: KernelArgs) => {
    const { transposeA, transposeB } = args.attrs as unknown as MatMulAttrs;
    if (!transposeA && !transposeB) return original.kernelFunc(args);
    const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    const at = transposeA ? flip(a, args.backend) : a;
    const bt = transposeB ? flip(b, args.backend) : b;
    const out = original.kernelFunc({ ...args, inputs: { a: at, b: bt }, attrs: { ...args.attrs, transposeA: false, transposeB: false } });
    for (const t of [at, bt]) if (t !== a && t !== b) (args.backend as tf.KernelBackend).disposeData(t.dataId);
    return out;
  };
  tf.unregisterKernel('BatchMatMul', 'wasm');
  tf.registerKernel({ ...original, kernelFunc });
  installed = true;
  return true;
}
