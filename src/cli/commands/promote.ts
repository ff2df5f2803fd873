// `mmoe promote <model dir>`: points latest at a model by hand (e.g. one the gate refused), under
// the model root's lock, once it loads and fits the config's feature spec.
import { type Command, Option } from 'commander';
import { type BackendName, backendRequest, selectBackend } from '../../backend.js';
import { loadConfig } from '../../config/load.js';
import type { Repoint } from '../../model-root/links.js';
import { promoteModel } from '../../model-root/promote.js';
import { DEFAULT_CONFIG } from '../../paths.js';
import type { CliEnv } from '../context.js';
import { addBackendOption } from '../options.js';

export interface SwitchFlags {
  config: string;
  /** --backend; unset: MMOE_BACKEND, else auto. */
  backend?: BackendName;
}

/** Flags of promote and rollback: the config whose feature spec the model must fit, and the backend that loads it. */
export function addSwitchOptions(cmd: Command): Command {
  return addBackendOption(
    cmd.addOption(new Option('--config <file>', "the nightly job's config: the model must take its inputs and give its tasks").default(DEFAULT_CONFIG, "mmoe's own configs/default.json, whatever the working directory")),
  );
}

export async function runPromote(modelDir: string, flags: SwitchFlags, env: CliEnv): Promise<Repoint> {
  const config = loadConfig(flags.config);
  await selectBackend(backendRequest(flags.backend, env.backend), { debug: env.debug });
  const moved = await promoteModel(modelDir, { config, configFile: flags.config }, env.makeLogger({ console: true }));
  env.stdout.write(`latest -> ${moved.latest} (previous -> ${moved.previous ?? 'none'})\n`);
  return moved;
}

export function register(program: Command, env: CliEnv): void {
  addSwitchOptions(
    program
      .command('promote')
      .description('Point <model root>/latest at this model directory (the one before becomes previous), under the lock; refuses a model that does not load or does not fit the config.')
      .argument('<model-dir>', 'a model directory inside a model root, e.g. models/20240102'),
  ).action(async (modelDir: string, flags: SwitchFlags) => {
    await runPromote(modelDir, flags, env);
  });
}
