// Command groups (`mmoe data ...`, `mmoe generate ...`): several command modules add subcommands
// to one parent, whichever registers first creates it.
import type { Command } from 'commander';

/** The program's subcommand `name`, created with `description` if no module created it yet. */
export function parentCommand(program: Command, name: string, description: string): Command {
  return program.commands.find((c) => c.name() === name) ?? program.command(name).description(description);
}
