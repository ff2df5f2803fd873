// Direct access to the tfjs wasm backend's heap, so the scoring kernels read tfjs tensors and
// write their output into a new tensor in place: on this backend a copy of a batch of activations
// out of tfjs and back costs as much as the kernel itself. It uses three members of the backend
// that are public in its type declarations but not documented as API (`wasm.asm.memory`,
// `dataIdMap`, `makeOutput`); `tfjsHeap()` checks each and returns null when one is missing, and
// callers then score with the plain graph.
import * as tf from '@tensorflow/tfjs';
import { ScoringKernels } from './scoring-kernels.js';

interface WasmBackendInternals {
  wasm?: { asm?: { memory?: unknown } };
  dataIdMap?: { get(dataId: object): { memoryOffset: number } | undefined };
  makeOutput?(shape: number[], dtype: 'float32'): { dataId: object; shape: number[]; dtype: 'float32' };
}

export interface TfjsHeap {
  kernels: ScoringKernels;
  /** Byte address of a tensor's values in the heap. */
  address(t: tf.Tensor): number;
  /** A new float32 tensor of `shape` whose values `write` fills in place, given their byte address. */
  output(shape: [number, number], write: (address: number) => void): tf.Tensor2D;
}

let cached: { backend: unknown; heap: TfjsHeap } | undefined;

/** The heap of the current backend when it is tfjs wasm with the expected internals, else null. */
export function tfjsHeap(): TfjsHeap | null {
  if (tf.getBackend() !== 'wasm') return null;
  const backend = tf.backend() as unknown as WasmBackendInternals;
  if (cached?.backend === backend) return cached.heap;
  const memory = backend.wasm?.asm?.memory;
  const ids = backend.dataIdMap;
  const makeOutput = backend.makeOutput?.bind(backend);
  if (!(memory instanceof WebAssembly.Memory) || !ids || typeof ids.get !== 'function' || !makeOutput) return null;
  const address = (t: tf.Tensor): number => {
    const d = ids.get(t.dataId);
    if (!d || typeof d.memoryOffset !== 'number') throw new Error(`tensor ${t.id} has no address in the wasm heap`);
    return d.memoryOffset;
  };
  const heap: TfjsHeap = {
    kernels: new ScoringKernels(memory),
    address,
    output(shape, write) {
      const info = makeOutput(shape, 'float32');
      const t = tf.engine().makeTensorFromTensorInfo(info) as tf.Tensor2D;
      write(address(t));
      return t;
    },
  };
  cached = { backend, heap };
  return heap;
}
