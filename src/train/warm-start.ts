// Choosing the model a run starts from: `none`, `auto` (the newest published model older than
// cur-date whose config is compatible) or an explicit model directory.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config/schema.js';
import { UsageError } from '../errors.js';

export type WarmStartChoice = { kind: 'none' } | { kind: 'auto' } | { kind: 'path'; path: string };

export function parseWarmStart(value: string): WarmStartChoice {
  if (value === 'none') return { kind: 'none' };
  if (value === 'auto') return { kind: 'auto' };
  return { kind: 'path', path: value };
}

/** What must match for a model's weights to be reused: inputs, tables and architecture. */
export function compatibilityKey(cfg: Config): string {
  return JSON.stringify({
    categorical: cfg.features.categorical.map((c) => [c.name, c.buckets, c.embeddingDim, c.table ?? c.name]),
    numeric: cfg.features.numeric.map((n) => n.name),
    crosses: cfg.features.crosses.map((x) => [x.name, ...x.fields]),
    tasks: cfg.tasks.map((t) => [t.name, t.type]),
    model: cfg.model,
  });
}

/** Why `previous` cannot warm-start `current`, or undefined when it can. */
export function incompatibility(current: Config, previous: Config): string | undefined {
  const a = JSON.parse(compatibilityKey(current)) as Record<string, unknown>;
  const b = JSON.parse(compatibilityKey(previous)) as Record<string, unknown>;
  const differs = Object.keys(a).filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k]));
  return differs.length ? `its ${differs.join(', ')} differ from the current config` : undefined;
}

export interface WarmStartResolution {
  /** Model directory to start from, if any. */
  dir?: string;
  /** A sentence for the log and metadata saying what was chosen and why. */
  reason: string;
}

function readSavedConfig(dir: string): Config | undefined {
  const f = join(dir, 'config.json');
  if (!existsSync(f)) return undefined;
  try {
    return JSON.parse(readFileSync(f, 'utf8')) as Config;
  } catch {
    return undefined;
  }
}

export function resolveWarmStart(choice: WarmStartChoice, modelRoot: string, curDate: string, cfg: Config): WarmStartResolution {
  if (choice.kind === 'none') return { reason: 'fresh start (--warm-start none)' };
  if (choice.kind === 'path') {
    const saved = readSavedConfig(choice.path);
    if (!saved) throw new UsageError(`--warm-start ${choice.path}: not a published model directory (no readable config.json)`);
    const why = incompatibility(cfg, saved);
    if (why) throw new UsageError(`--warm-start ${choice.path}: incompatible model: ${why}`);
    return { dir: choice.path, reason: `warm start from ${choice.path} (--warm-start path)` };
  }
  const candidates = existsSync(modelRoot)
    ? readdirSync(modelRoot)
        .filter((n) => /^\d{8}$/.test(n) && n < curDate && statSync(join(modelRoot, n)).isDirectory())
        .sort()
        .reverse()
    : [];
  for (const name of candidates) {
    const dir = join(modelRoot, name);
    const saved = readSavedConfig(dir);
    if (!saved) continue;
    const why = incompatibility(cfg, saved);
    if (why) return { reason: `fresh start: newest earlier model ${dir} is incompatible (${why})` };
    return { dir, reason: `warm start from ${dir}, the newest published model before ${curDate}` };
  }
  return { reason: `fresh start: no published model before ${curDate} in ${modelRoot}` };
}
