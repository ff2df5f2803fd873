// The promotion record in a model's metadata.json: promoted or refused by the gate, promoted by
// hand, or rolled back from. Warm starts skip refused and rolled-back models; `mmoe promote` and
// `mmoe rollback` rewrite the record (atomically).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../util/atomic-file.js';

/** The promotion record in a model's metadata.json, if any. */
export function readPromotion(dir: string): { status?: string } | undefined {
  const file = join(dir, 'metadata.json');
  if (!existsSync(file)) return undefined;
  try {
    const m = JSON.parse(readFileSync(file, 'utf8')) as { promotion?: { status?: string } };
    return m.promotion;
  } catch {
    return undefined;
  }
}

/**
 * True when the model in `dir` was judged unfit to serve and nobody promoted it since: refused by the
 * gate, or rolled back from by an operator. A warm start does not continue from it.
 */
export function isRefused(dir: string): boolean {
  const status = readPromotion(dir)?.status;
  return status === 'refused' || status === 'rolled-back';
}

/** Rewrites the promotion record of metadata.json atomically, keeping what it said before under `earlier`. */
export function recordPromotion(dir: string, promotion: Record<string, unknown>): void {
  const file = join(dir, 'metadata.json');
  let meta: Record<string, unknown> = {};
  try {
    meta = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch {
    // no readable metadata: the record starts one
  }
  const earlier = meta.promotion;
  writeFileAtomic(file, `${JSON.stringify({ ...meta, promotion: { ...promotion, ...(earlier ? { earlier } : {}) } }, null, 2)}\n`);
}
