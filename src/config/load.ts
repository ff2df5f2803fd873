// Reads a config file, validates it and returns a typed Config; every message names key, value, allowed.
import { readFileSync } from 'node:fs';
import type { ZodIssue } from 'zod';
import { ConfigError } from '../errors.js';
import { type Config, configSchema } from './schema.js';

function keyPath(path: (string | number)[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('') || '(root)';
}

function valueAt(raw: unknown, path: (string | number)[]): unknown {
  let v: unknown = raw;
  for (const p of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string | number, unknown>)[p];
  }
  return v;
}

function describeIssue(issue: ZodIssue, raw: unknown): string {
  const key = keyPath(issue.path);
  const value = valueAt(raw, issue.path);
  const shown = value === undefined ? 'missing' : JSON.stringify(value);
  switch (issue.code) {
    case 'invalid_enum_value':
      return `key '${key}': value ${shown} is not allowed; allowed: ${issue.options.join(', ')}`;
    case 'unrecognized_keys':
      return `key '${key}': unknown key(s) ${issue.keys.map((k) => `'${k}'`).join(', ')}; see docs/config.md for the allowed keys`;
    case 'invalid_type':
      return `key '${key}': value ${shown} ${value === undefined ? 'is required' : `must be ${issue.expected}`}`;
    default:
      return `key '${key}': value ${shown}: ${issue.message}`;
  }
}

/** Cross-field rules zod's per-field schema cannot express. */
function checkConsistency(cfg: Config): string[] {
  const errs: string[] = [];
  const cats = new Map(cfg.features.categorical.map((c) => [c.name, c]));
  const seen = new Set<string>();
  for (const f of [...cfg.features.categorical, ...cfg.features.numeric]) {
    if (seen.has(f.name)) errs.push(`key 'features': feature '${f.name}' is declared twice; give one of them another name (and "column": "${f.column ?? f.name}" to read the same column)`);
    seen.add(f.name);
  }
  const columns = new Set([...cfg.features.categorical, ...cfg.features.numeric].map((f) => f.column ?? f.name));
  cfg.features.categorical.forEach((c, i) => {
    const key = `key 'features.categorical[${i}]`;
    if ((c.buckets === undefined) === (c.boundaries === undefined))
      errs.push(`${key}': '${c.name}' needs exactly one of "buckets" (hashed values) and "boundaries" (bucketized numbers)`);
    const b = c.boundaries ?? [];
    const j = b.findIndex((x, k) => !Number.isFinite(x) || (k > 0 && x <= b[k - 1]!));
    if (j >= 0) errs.push(`${key}.boundaries[${j}]': value ${b[j]} must be a finite number above the previous boundary (boundaries are sorted, strictly increasing)`);
  });
  const tables = new Map<string, { buckets: number; embeddingDim: number; field: string }>();
  for (const c of cfg.features.categorical) {
    if (!c.table) continue;
    const buckets = c.boundaries ? c.boundaries.length + 1 : (c.buckets ?? 0);
    const t = tables.get(c.table);
    if (!t) tables.set(c.table, { buckets, embeddingDim: c.embeddingDim, field: c.name });
    else if (t.buckets !== buckets || t.embeddingDim !== c.embeddingDim)
      errs.push(`key 'features.categorical': '${c.name}' shares table '${c.table}' with '${t.field}' but buckets/embeddingDim differ`);
  }
  const crossNames = new Set<string>();
  cfg.features.crosses.forEach((x, i) => {
    if (crossNames.has(x.name)) errs.push(`key 'features.crosses[${i}].name': value "${x.name}" is used by two crosses`);
    crossNames.add(x.name);
    const [a, b] = x.fields.map((f) => cats.get(f));
    x.fields.forEach((f, j) => {
      if (!cats.has(f)) errs.push(`key 'features.crosses[${i}].fields[${j}]': value "${f}" is not a categorical feature; allowed: ${[...cats.keys()].join(', ')}`);
    });
    if (a && b && a.embeddingDim !== b.embeddingDim)
      errs.push(`key 'features.crosses[${i}]': '${a.name}' and '${b.name}' need the same embeddingDim to be multiplied (${a.embeddingDim} vs ${b.embeddingDim})`);
  });
  const taskNames = new Set<string>();
  cfg.tasks.forEach((t, i) => {
    if (taskNames.has(t.name)) errs.push(`key 'tasks[${i}].name': value "${t.name}" is used by two tasks`);
    taskNames.add(t.name);
    if (columns.has(t.label)) errs.push(`key 'tasks[${i}].label': value "${t.label}" is also read by an input feature`);
    if (t.type === 'binary' && t.labelTransform !== 'none')
      errs.push(`key 'tasks[${i}].labelTransform': value "${t.labelTransform}" applies to regression tasks only`);
  });
  const es = cfg.training.earlyStopping.task;
  if (es !== undefined) {
    const t = cfg.tasks.find((x) => x.name === es);
    if (!t) errs.push(`key 'training.earlyStopping.task': value "${es}" is not a task; allowed: ${[...taskNames].join(', ')}`);
  }
  const ns = cfg.training.negativeSampling;
  if (ns !== undefined) {
    const t = cfg.tasks.find((x) => x.name === ns.task);
    const binary = cfg.tasks.filter((x) => x.type === 'binary').map((x) => x.name);
    if (!t || t.type !== 'binary') errs.push(`key 'training.negativeSampling.task': value "${ns.task}" must name a binary task; allowed: ${binary.join(', ')}`);
    else if (cfg.model.type === 'esmm' && cfg.model.esmm && ns.task !== cfg.model.esmm.ctrTask)
      errs.push(
        `key 'training.negativeSampling.task': value "${ns.task}" is ESMM's CTCVR product, which has no logit to correct; sample on the CTR task "${cfg.model.esmm.ctrTask}" (its correction carries into CTCVR)`,
      );
  }
  if (cfg.model.type === 'esmm') {
    const m = cfg.model.esmm;
    if (!m) errs.push(`key 'model.esmm': required when model.type is "esmm" ({"ctrTask": ..., "ctcvrTask": ...})`);
    else
      for (const k of ['ctrTask', 'ctcvrTask'] as const) {
        const t = cfg.tasks.find((x) => x.name === m[k]);
        if (!t || t.type !== 'binary')
          errs.push(`key 'model.esmm.${k}': value "${m[k]}" must name a binary task; allowed: ${cfg.tasks.filter((x) => x.type === 'binary').map((x) => x.name).join(', ')}`);
      }
  }
  if (cfg.features.categorical.length + cfg.features.numeric.length === 0)
    errs.push(`key 'features': no input features declared`);
  return errs;
}

/** Validates an already-parsed object; `source` names it in messages. */
export function parseConfig(raw: unknown, source = 'config'): Config {
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${describeIssue(i, raw)}`);
    throw new ConfigError(`invalid config ${source}:\n${lines.join('\n')}`);
  }
  const errs = checkConsistency(parsed.data);
  if (errs.length) throw new ConfigError(`invalid config ${source}:\n${errs.map((e) => `  ${e}`).join('\n')}`);
  return parsed.data;
}

export function loadConfig(file: string): Config {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read config ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`config ${file} is not valid JSON: ${(err as Error).message}`);
  }
  return parseConfig(raw, file);
}
