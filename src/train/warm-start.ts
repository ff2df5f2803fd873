// Choosing the model a run starts from: `none`, `auto` (the newest published model older than
// cur-date, not refused by the promotion gate, whose inputs and architecture match the config;
// damaged ones are skipped) or an explicit model directory.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config/schema.js';
import { featureSpecFromConfig } from '../data/feature-spec.js';
import { MmoeError, ModelError, UsageError } from '../errors.js';
import { checkModelDir, incompatibilities, readArchitecture } from '../model/index.js';
import { isRefused } from '../model-root/promotion-record.js';
import { checkIsDirectory } from '../scoring/model-dir.js';

export type WarmStartChoice = { kind: 'none' } | { kind: 'auto' } | { kind: 'path'; path: string };

export function parseWarmStart(value: string): WarmStartChoice {
  if (value === 'none') return { kind: 'none' };
  if (value === 'auto') return { kind: 'auto' };
  return { kind: 'path', path: value };
}

export interface WarmStartResolution {
  /** Model directory to start from, if any. */
  dir?: string;
  /** A sentence for the log and metadata saying what was chosen and why. */
  reason: string;
}

/** Why the model in `dir` cannot continue training under `cfg` ([] when it can). */
function problemsWith(dir: string, cfg: Config): string[] {
  try {
    return incompatibilities(readArchitecture(dir), { spec: featureSpecFromConfig(cfg), model: cfg.model });
  } catch (err) {
    if (err instanceof MmoeError) return [err.message];
    throw err;
  }
}

/** Why the model in `dir` cannot be loaded at all (the ModelError naming the damaged file), or null. */
function damageOf(dir: string): string | null {
  try {
    checkModelDir(dir);
    return null;
  } catch (err) {
    if (err instanceof ModelError) return err.message;
    throw err;
  }
}

export function resolveWarmStart(choice: WarmStartChoice, modelRoot: string, curDate: string, cfg: Config): WarmStartResolution {
  if (choice.kind === 'none') return { reason: 'fresh start (--warm-start none)' };
  if (choice.kind === 'path') {
    checkIsDirectory(choice.path, '--warm-start');
    checkModelDir(choice.path); // a damaged model is exit 3, naming the file
    const problems = problemsWith(choice.path, cfg);
    if (problems.length) throw new UsageError(`--warm-start ${choice.path}: incompatible model: ${problems.join('; ')}`);
    return { dir: choice.path, reason: `warm start from ${choice.path} (--warm-start path)` };
  }
  const candidates = existsSync(modelRoot)
    ? readdirSync(modelRoot)
        .filter((n) => /^\d{8}$/.test(n) && n < curDate && statSync(join(modelRoot, n)).isDirectory() && !isRefused(join(modelRoot, n)))
        .sort()
        .reverse()
    : [];
  // A damaged model is skipped with its reason (the next older one may load); an incompatible
  // one means a config change, and a fresh start.
  const damaged: string[] = [];
  const skipped = () => (damaged.length ? `; skipped as damaged: ${damaged.join('; ')}` : '');
  for (const name of candidates) {
    const dir = join(modelRoot, name);
    const damage = damageOf(dir);
    if (damage) {
      damaged.push(damage);
      continue;
    }
    const problems = problemsWith(dir, cfg);
    if (problems.length) return { reason: `fresh start: the newest earlier model ${dir} is incompatible (${problems.join('; ')})${skipped()}` };
    return { dir, reason: `warm start from ${dir}, the newest ${damaged.length ? 'loadable ' : ''}published model before ${curDate}${skipped()}` };
  }
  return { reason: `fresh start: no ${damaged.length ? 'loadable ' : ''}published model before ${curDate} in ${modelRoot}${skipped()}` };
}
