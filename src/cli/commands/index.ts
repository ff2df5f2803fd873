// The registry of commands: one module per command, each adds itself to the program.
import type { Command } from 'commander';
import type { CliEnv } from '../context.js';
import { register as dataStats } from './data-stats.js';
import { register as generateCtr } from './generate-ctr.js';
import { register as train } from './train.js';
import { register as generateSynthetic } from './generate-synthetic.js';
import { register as evaluate } from './eval.js';
import { register as predict } from './predict.js';
import { register as promote } from './promote.js';
import { register as rollback } from './rollback.js';
import { register as exportModel } from './export.js';

export type RegisterCommand = (program: Command, env: CliEnv) => void;

export const commands: RegisterCommand[] = [train, dataStats, generateCtr, generateSynthetic, evaluate, predict, promote, rollback, exportModel];
