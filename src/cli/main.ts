// Builds the commander program, runs it, and maps every error to a documented exit code once.
import { Command, CommanderError } from 'commander';
import { ExitCode, MmoeError } from '../errors.js';
import { type CliEnv, defaultEnv } from './context.js';
import { commands } from './commands/index.js';
import { VERSION } from '../version.js';

export function buildProgram(env: CliEnv): Command {
  const program = new Command('mmoe')
    .description('Train, evaluate and publish multi-task recommendation models (MMoE and family).')
    .version(VERSION)
    .exitOverride()
    .configureOutput({
      writeOut: (s) => env.stdout.write(s),
      writeErr: (s) => env.stderr.write(s),
    })
    .showHelpAfterError('(run with --help for usage)');
  for (const register of commands) register(program, env);
  // Subcommands inherit the exit override and output configuration.
  program.commands.forEach(function inherit(c: Command): void {
    c.exitOverride().configureOutput({ writeOut: (s) => env.stdout.write(s), writeErr: (s) => env.stderr.write(s) });
    c.commands.forEach(inherit);
  });
  return program;
}

/** Runs the CLI on argv (as in process.argv) and resolves to the exit code. */
export async function main(argv: string[], env: CliEnv = defaultEnv()): Promise<number> {
  const program = buildProgram(env);
  try {
    await program.parseAsync(argv);
    return env.exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help, `mmoe help` and --version are successful exits; help shown because no command was
      // given (bare `mmoe`, `mmoe data`: printed on stderr) is a usage error, so a cron line that
      // lost its arguments fails loudly.
      if (err.exitCode === 0 || err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return ExitCode.ok;
      return ExitCode.usage;
    }
    if (err instanceof MmoeError) {
      env.stderr.write(`mmoe: ${err.message}\n`);
      return err.exitCode;
    }
    const e = err as Error;
    env.stderr.write(`mmoe: unexpected error: ${e?.message ?? String(err)}\n`);
    if (process.env.MMOE_DEBUG) env.stderr.write(`${e?.stack ?? ''}\n`);
    return ExitCode.unexpected;
  }
}
