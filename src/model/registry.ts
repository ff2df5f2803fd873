// Architectures by name (model.type): the one place that maps a name to a builder.
import { ConfigError } from '../errors.js';
import type { Architecture } from './architecture.js';
import { esmm } from './architectures/esmm.js';
import { mmoe } from './architectures/mmoe.js';
import { moe } from './architectures/moe.js';
import { ple } from './architectures/ple.js';
import { sharedBottom } from './architectures/shared-bottom.js';
import { singleTask } from './architectures/single-task.js';

const architectures: ReadonlyMap<string, Architecture> = new Map([singleTask, sharedBottom, moe, mmoe, ple, esmm].map((a) => [a.name, a]));

export const ARCHITECTURES: readonly string[] = [...architectures.keys()];

export function getArchitecture(name: string): Architecture {
  const a = architectures.get(name);
  if (!a) throw new ConfigError(`model.type "${name}" is not a known architecture; known: ${ARCHITECTURES.join(', ')}`);
  return a;
}
