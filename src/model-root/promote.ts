// `mmoe promote` and `mmoe rollback`: move `latest` by hand, under the model root's lock, only to a
// model that loads and fits the config's feature spec. Each move records what latest pointed at
// before in `previous`, so a rollback can be rolled back, and refreshes status.json's links; a
// rollback marks the model it leaves as rolled back from (warm starts skip it).
import { existsSync, lstatSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { Config } from '../config/schema.js';
import { UsageError } from '../errors.js';
import type { Logger } from '../logger.js';
import { checkModelRoot } from '../train/publish.js';
import { latestName, readLink, type Repoint, repoint } from './links.js';
import { acquireLock } from './lock.js';
import { readPromotion, recordPromotion } from './promotion-record.js';
import { checkServable } from './servable.js';
import { checkIsDirectory } from '../scoring/model-dir.js';
import { refreshLinks } from './status.js';

export interface SwitchJob {
  config: Config;
  configFile: string;
}

/** Points latest at `modelDir` (a directory directly inside its model root). */
export async function promoteModel(modelDir: string, job: SwitchJob, logger: Logger): Promise<Repoint> {
  const dir = resolve(modelDir);
  const root = dirname(dir);
  const name = basename(dir);
  if (name === 'latest' || name === 'previous' || name.startsWith('.'))
    throw new UsageError(`mmoe promote ${modelDir}: name a model directory such as ${join(modelDir, '..', '<YYYYMMDD>')}, not a link or a temporary directory`);
  if (lstatSync(dir, { throwIfNoEntry: false })?.isSymbolicLink()) throw new UsageError(`mmoe promote ${modelDir}: a symlink; name the model directory itself`);
  checkIsDirectory(modelDir, 'mmoe promote');
  checkModelRoot(root);
  const lock = acquireLock(root, `mmoe promote ${name}`);
  try {
    await checkServable(dir, job.config, job.configFile, 'mmoe promote');
    if (latestName(root) === name) throw new UsageError(`mmoe promote ${modelDir}: latest already points at ${name}`);
    const moved = repoint(root, name);
    recordPromotion(dir, { status: 'promoted', reason: 'promoted by hand (mmoe promote)', decidedAt: new Date().toISOString(), replaced: moved.previous ?? null });
    refreshLinks(root);
    logger.info(moved, `latest -> ${name} (previous -> ${moved.previous ?? 'none'})`);
    return moved;
  } finally {
    lock.release();
  }
}

/** Points latest back at what it pointed at before (`previous`); previous then names the model rolled back from. */
export async function rollbackModel(modelRoot: string, job: SwitchJob, logger: Logger): Promise<Repoint> {
  checkModelRoot(modelRoot);
  const lock = acquireLock(modelRoot, 'mmoe rollback');
  try {
    const current = latestName(modelRoot);
    const target = readLink(modelRoot, 'previous');
    if (target === undefined || target === current)
      throw new UsageError(`mmoe rollback: ${modelRoot} records no earlier model (previous is set each time latest moves); promote one by name with mmoe promote ${join(modelRoot, '<YYYYMMDD>')}`);
    const dir = join(modelRoot, target);
    if (!existsSync(dir)) throw new UsageError(`mmoe rollback: previous points at ${target}, which no longer exists in ${modelRoot}; promote another model by name with mmoe promote`);
    await checkServable(dir, job.config, job.configFile, 'mmoe rollback');
    const moved = repoint(modelRoot, target);
    // The model rolled back from is marked, so `--warm-start auto` does not continue from it; a
    // rollback of that rollback (back to a marked model) serves it again and clears the mark.
    const decidedAt = new Date().toISOString();
    if (readPromotion(dir)?.status === 'rolled-back') recordPromotion(dir, { status: 'promoted', reason: 'served again by mmoe rollback', decidedAt, replaced: current ?? null });
    else if (current !== undefined && existsSync(join(modelRoot, current)))
      recordPromotion(join(modelRoot, current), { status: 'rolled-back', reason: `rolled back from (mmoe rollback): latest -> ${target}`, decidedAt });
    refreshLinks(modelRoot);
    logger.info(moved, `rolled back: latest -> ${target} (previous -> ${moved.previous ?? 'none'})`);
    return moved;
  } finally {
    lock.release();
  }
}
