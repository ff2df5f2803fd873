// Picks the TensorFlow.js backend at run time: tfjs-node when installed, else wasm, else cpu.
import * as tf from '@tensorflow/tfjs';
import { UsageError } from './errors.js';

export const BACKENDS = ['auto', 'tensorflow', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKENDS)[number];

export interface BackendInfo {
  /** The backend that runs (`tensorflow`, `wasm` or `cpu`). */
  name: string;
  /** Which candidates were tried and why they were passed over. */
  skipped: { name: string; reason: string }[];
  tfjsVersion: string;
}

async function tryTensorflow(): Promise<string | undefined> {
  try {
    // Optional dependency: absent where libtensorflow could not be downloaded at install time.
    await import('@tensorflow/tfjs-node' as string);
  } catch (err) {
    return `@tensorflow/tfjs-node is not installed (${(err as Error).message.split('\n')[0]})`;
  }
  return (await tf.setBackend('tensorflow')) ? undefined : 'tfjs-node did not register';
}

async function tryWasm(): Promise<string | undefined> {
  try {
    await import('@tensorflow/tfjs-backend-wasm');
    return (await tf.setBackend('wasm')) ? undefined : 'the wasm backend failed to initialise';
  } catch (err) {
    return `the wasm backend failed to load (${(err as Error).message})`;
  }
}

async function tryCpu(): Promise<string | undefined> {
  return (await tf.setBackend('cpu')) ? undefined : 'the cpu backend failed to initialise';
}

const candidates: Record<Exclude<BackendName, 'auto'>, () => Promise<string | undefined>> = {
  tensorflow: tryTensorflow,
  wasm: tryWasm,
  cpu: tryCpu,
};

let current: BackendInfo | undefined;

/** Sets the tfjs backend; `auto` takes the first that works of tensorflow, wasm, cpu. */
export async function selectBackend(requested: BackendName = 'auto'): Promise<BackendInfo> {
  if (!(BACKENDS as readonly string[]).includes(requested)) {
    throw new UsageError(`--backend '${requested}' is not one of ${BACKENDS.join(', ')}`);
  }
  if (current && (requested === 'auto' || current.name === requested)) return current;
  const order = requested === 'auto' ? (['tensorflow', 'wasm', 'cpu'] as const) : ([requested] as const);
  const skipped: BackendInfo['skipped'] = [];
  for (const name of order) {
    const reason = await candidates[name]();
    if (reason === undefined) {
      await tf.ready();
      current = { name: tf.getBackend(), skipped, tfjsVersion: tf.version.tfjs };
      return current;
    }
    skipped.push({ name, reason });
  }
  throw new UsageError(`backend '${requested}' is not available: ${skipped.map((s) => s.reason).join('; ')}`);
}
