// The backend engine-neutral tests run on: MMOE_BACKEND when set (CI runs the whole suite once per
// engine, see .ci/run), else wasm, which installs everywhere. Tests tied to one engine pass it
// explicitly and say why next to it.
import { BACKEND_ENV, type Engine, ENGINES } from '../src/backend.js';

function fromEnv(value: string | undefined): Engine {
  if (value === undefined || value === '') return 'wasm';
  if (!(ENGINES as readonly string[]).includes(value))
    throw new Error(`${BACKEND_ENV}=${value}: the suite runs on one engine, set ${BACKEND_ENV} to one of ${ENGINES.join(', ')} (or leave it unset for wasm)`);
  return value as Engine;
}

export const TEST_BACKEND: Engine = fromEnv(process.env[BACKEND_ENV]);

/** The environment for a child `mmoe` process: the suite's backend, whatever the parent's MMOE_BACKEND says. */
export const childEnv = (): NodeJS.ProcessEnv => ({ ...process.env, [BACKEND_ENV]: TEST_BACKEND });
