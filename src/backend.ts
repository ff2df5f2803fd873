// Picks and starts the TensorFlow.js engine at run time: the one asked for (--backend, else the
// MMOE_BACKEND environment variable), or with `auto` the one measured faster for the job
// (backend-choice.ts) among those installed. Also keeps TensorFlow's native library quiet.
import nodeUtil from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { autoChoice, type Engine, ENGINES, type Job } from './backend-choice.js';
import { UsageError } from './errors.js';

export { type Engine, ENGINES, type Job } from './backend-choice.js';

export const BACKENDS = ['auto', ...ENGINES] as const;
export type BackendName = (typeof BACKENDS)[number];

/** The environment variable that picks the backend when --backend is not given (CI runs the suite once per engine with it). */
export const BACKEND_ENV = 'MMOE_BACKEND';

/** What was asked for, and where it came from (for the reason in logs, metadata and reports). */
export interface BackendRequest {
  name: BackendName;
  source: '--backend' | typeof BACKEND_ENV | 'default';
}

export interface BackendInfo {
  /** The backend that runs (`tensorflow`, `wasm` or `cpu`). */
  name: string;
  requested: BackendName;
  source: BackendRequest['source'];
  /** Why this backend: what `auto` measured for the job, or who asked for it. */
  reason: string;
  /** Which candidates were tried and why they were passed over. */
  skipped: { name: string; reason: string }[];
  tfjsVersion: string;
  /** The TensorFlow C library's version when the backend is `tensorflow`. */
  tensorflowVersion?: string;
}

/** --backend wins over MMOE_BACKEND, which wins over `auto`; a bad value of either is a usage error naming it. */
export function backendRequest(flag: string | undefined, envValue: string | undefined): BackendRequest {
  const check = (value: string, where: string): BackendName => {
    if (!(BACKENDS as readonly string[]).includes(value)) throw new UsageError(`${where} '${value}' is not one of ${BACKENDS.join(', ')}`);
    return value as BackendName;
  };
  if (flag !== undefined) return { name: check(flag, '--backend'), source: '--backend' };
  if (envValue !== undefined && envValue !== '') return { name: check(envValue, BACKEND_ENV), source: BACKEND_ENV };
  return { name: 'auto', source: 'default' };
}

/**
 * Environment for TensorFlow's native library, set before it loads (it reads these once, at load).
 * A value the user set is kept. oneDNN's custom operations are off: TensorFlow 2.21 announces them
 * with an info line at load that TF_CPP_MIN_LOG_LEVEL cannot hide (it is logged before the level
 * applies), and they were measured no faster here (docs/backends.md); TF_ENABLE_ONEDNN_OPTS=1 turns
 * them on. Info lines (cpu feature guard) only with `debug`; the computation is the same either way.
 */
export function tensorflowEnv(env: NodeJS.ProcessEnv, debug: boolean): void {
  env.TF_ENABLE_ONEDNN_OPTS ??= '0';
  if (!debug) env.TF_CPP_MIN_LOG_LEVEL ??= '1'; // 1 hides INFO; warnings and errors still show
}

/**
 * tfjs-node 4.22 calls `util.isNullOrUndefined`, which Node 23 removed: on Node 24 every kernel
 * call throws "util_1.isNullOrUndefined is not a function". The fix is merged upstream but not
 * released (tensorflow/tfjs#8425, #8609); until a release has it, the one missing function is put
 * back as Node defined it. It also calls `util.isArray`, which Node 22 and later answer with a
 * deprecation warning on stderr (DEP0044, once per process): that alias is set to what it always
 * was, `Array.isArray`, so the console stays quiet. Neither changes a result.
 */
export function restoreUtilForTfjsNode(util: Record<string, unknown> = nodeUtil as unknown as Record<string, unknown>): void {
  if (typeof util.isNullOrUndefined !== 'function') util.isNullOrUndefined = (v: unknown) => v === null || v === undefined;
  if (util.isArray !== Array.isArray) util.isArray = Array.isArray;
}

async function tryTensorflow(debug: boolean): Promise<string | undefined> {
  tensorflowEnv(process.env, debug);
  restoreUtilForTfjsNode();
  try {
    // Optional dependency: absent where libtensorflow could not be downloaded at install time.
    // Imported only here, after the environment above is set: a static import would load the
    // native library (and print its info lines) before any code of this module runs.
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

function tensorflowVersion(): string | undefined {
  return (tf.backend() as unknown as { binding?: { TF_Version?: string } }).binding?.TF_Version;
}

export interface SelectOptions {
  /** What the backend is for: `auto` picks per job (backend-choice.ts); a function where working it out costs something (only `auto` calls it). */
  job?: Job | (() => Promise<Job>);
  /** MMOE_DEBUG: TensorFlow's and tfjs's info lines and warnings are printed. */
  debug?: boolean;
}

/** Sets the tfjs backend: the requested one, or with `auto` the first that works of the job's order. */
export async function selectBackend(request: BackendName | BackendRequest = 'auto', options: SelectOptions = {}): Promise<BackendInfo> {
  const req = typeof request === 'string' ? { name: request, source: '--backend' as const } : request;
  if (!(BACKENDS as readonly string[]).includes(req.name)) throw new UsageError(`--backend '${req.name}' is not one of ${BACKENDS.join(', ')}`);
  const debug = options.debug ?? false;
  // tfjs's own console warnings (e.g. the cpu backend's advice to install tfjs-node) only when debugging.
  tf.env().set('PROD', !debug);
  const job = typeof options.job === 'function' && req.name === 'auto' ? await options.job() : options.job;
  const choice = req.name === 'auto' ? autoChoice(typeof job === 'object' ? job : { kind: 'any' }) : { order: [req.name], reason: asked(req) };
  const candidates: Record<Engine, () => Promise<string | undefined>> = { tensorflow: () => tryTensorflow(debug), wasm: tryWasm, cpu: tryCpu };
  const skipped: BackendInfo['skipped'] = [];
  for (const name of choice.order) {
    const why = await candidates[name]();
    if (why === undefined) {
      await tf.ready();
      return {
        name: tf.getBackend(),
        requested: req.name,
        source: req.source,
        reason: choiceReason(choice.reason, skipped),
        skipped,
        tfjsVersion: tf.version.tfjs,
        tensorflowVersion: name === 'tensorflow' ? tensorflowVersion() : undefined,
      };
    }
    skipped.push({ name, reason: why });
  }
  throw new UsageError(`${asked(req)}: not available: ${skipped.map((s) => s.reason).join('; ')}`);
}

/**
 * Why this backend, with the ones passed over in a word (the optional one not installed, another
 * unavailable): it is printed on the console; the full reasons stay in `skipped` (metadata.json).
 */
export function choiceReason(why: string, skipped: BackendInfo['skipped']): string {
  const notes = skipped.map((s) => (/not installed/.test(s.reason) ? `the optional ${s.name} backend is not installed` : `${s.name} unavailable`));
  return [why, ...notes].join('; ');
}

/** How a request reads in messages: `--backend wasm`, `MMOE_BACKEND=wasm` or `--backend auto`. */
function asked(req: BackendRequest): string {
  return req.source === BACKEND_ENV ? `${BACKEND_ENV}=${req.name}` : `--backend ${req.name}`;
}

/** One log line: the backend and why. */
export function backendLine(b: Pick<BackendInfo, 'name' | 'reason'>): string {
  return `backend: ${b.name} (${b.reason})`;
}
