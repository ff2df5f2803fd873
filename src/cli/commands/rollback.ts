// `mmoe rollback --model-output-dir <root>`: points latest back at the model it pointed at before
// (`previous`), under the lock, once that model loads and fits the config's feature spec.
import type { Command } from 'commander';
import { backendRequest, selectBackend } from '../../backend.js';
import { loadConfig } from '../../config/load.js';
import type { Repoint } from '../../model-root/links.js';
import { rollbackModel } from '../../model-root/promote.js';
import type { CliEnv } from '../context.js';
import { addSwitchOptions, type SwitchFlags } from './promote.js';

interface RollbackFlags extends SwitchFlags {
  modelOutputDir: string;
}

export async function runRollback(flags: RollbackFlags, env: CliEnv): Promise<Repoint> {
  const config = loadConfig(flags.config);
  await selectBackend(backendRequest(flags.backend, env.backend), { debug: env.debug });
  const moved = await rollbackModel(flags.modelOutputDir, { config, configFile: flags.config }, env.makeLogger({ console: true }));
  env.stdout.write(`latest -> ${moved.latest} (previous -> ${moved.previous ?? 'none'})\n`);
  return moved;
}

export function register(program: Command, env: CliEnv): void {
  addSwitchOptions(
    program
      .command('rollback')
      .description('Point latest back at the model it pointed at before (previous; previous then names the model rolled back from), under the lock.')
      .requiredOption('--model-output-dir <dir>', 'the model root (where latest and previous are)'),
  ).action(async (flags: RollbackFlags) => {
    await runRollback(flags, env);
  });
}
