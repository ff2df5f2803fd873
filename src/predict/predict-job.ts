// `mmoe predict` core: streams rows through a model's own feature spec and writes one score column
// per task (plus passed-through columns) in input order. Memory is flat on any input: rows go in
// batches to the model and out to the file, whose writes the read waits on. Rows that cannot be
// encoded are counted with file and line and written nowhere.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { FileAccount } from '../data/account.js';
import type { BadRowSummary } from '../data/bad-rows.js';
import { encodeRows, newAccounting } from '../data/encode-rows.js';
import { type FeatureSpec, inverseLabel } from '../data/feature-spec.js';
import { DATA_FILE_PATTERNS, type DataSource, isDataFile, type Partition } from '../data/partitions.js';
import { type Storage, storageFor } from '../data/storage/index.js';
import { DataError, InterruptedError, UsageError } from '../errors.js';
import type { OpenedModel } from '../scoring/model-dir.js';
import { InOrder } from '../scoring/batch-scorer.js';
import { RowBatcher, SCORING_BATCH_ROWS } from '../scoring/row-batcher.js';
import type { Logger } from '../logger.js';
import { AtomicFile, sweepTemporaries, writeTarget } from '../util/atomic-file.js';
import { csvField, formatScore } from './csv-out.js';

export type PredictInput = { source: DataSource } | { file: string; storage?: Storage };

export interface PredictJob {
  model: OpenedModel;
  input: PredictInput;
  output: string;
  /** Input columns copied to the output before the scores (ids, labels). */
  keep: string[];
  maxBadRows: number;
  batchSize?: number;
  /** Aborted on SIGINT/SIGTERM: the read stops at its next chunk and the partial output is removed (exit 130). */
  signal?: AbortSignal;
}

export interface PredictOutcome {
  output: string;
  rowsRead: number;
  rowsWritten: number;
  badRows: BadRowSummary;
  files: FileAccount[];
  seconds: number;
}

/** Scoring needs features only: no label columns, no row weight column. */
function featuresOnly(spec: FeatureSpec): FeatureSpec {
  const { rowWeight: _unused, ...rest } = spec;
  return rest;
}

/** A single --input file read as a one-file partition. */
async function inputPartition(file: string, storage: Storage): Promise<{ source: DataSource; partitions: Partition[] }> {
  if (!isDataFile(file.slice(file.lastIndexOf('/') + 1))) throw new UsageError(`--input ${file}: expected a ${DATA_FILE_PATTERNS} file`);
  if (storage.kind === 'local' && !existsSync(file)) throw new UsageError(`--input ${file}: no such file`);
  const stored = await storage.stat(file);
  const dir = storage.kind === 'local' ? dirname(file) : file.slice(0, file.lastIndexOf('/'));
  return { source: { dataDir: dir, dates: [], storage }, partitions: [{ date: '', dir, files: [stored], storage }] };
}

const NO_KEPT: string[] = [];

export async function runPredict(job: PredictJob, logger: Logger): Promise<PredictOutcome> {
  const start = performance.now();
  const { spec, scorer } = job.model;
  const tasks = spec.tasks;
  const clash = job.keep.find((c) => tasks.some((t) => t.name === c));
  if (clash) throw new UsageError(`--keep column '${clash}' has the name of a task's score column; the output would hold two '${clash}' columns`);
  const where = 'file' in job.input ? await inputPartition(job.input.file, job.input.storage ?? storageFor(job.input.file)) : { source: job.input.source, partitions: undefined };
  const account = newAccounting(where.source, logger);
  const encodeSpec = featuresOnly(spec);
  const batcher = new RowBatcher<string[]>(encodeSpec, job.batchSize ?? SCORING_BATCH_ROWS);
  // What a predict killed outright (SIGKILL, OOM) left next to the output goes first.
  const swept = sweepTemporaries(dirname(writeTarget(job.output)) || '.');
  if (swept.length) logger.warn({ swept }, `removed temporary output left by a killed run: ${swept.join(', ')}`);
  const out = new AtomicFile(job.output);
  let written = 0;

  // Batches in scoring, oldest first, written in that order: reading goes on meanwhile.
  const pending = new InOrder<{ size: number; tags: string[][]; byTask: Record<string, Float32Array> }>(Math.max(1, 32 * scorer.threads), async (q) => {
    const scores = tasks.map((t) => q.byTask[t.name]!);
    const kept = job.keep.length > 0;
    let text = '';
    for (let i = 0; i < q.size; i++) {
      let line = kept ? `${q.tags[i]!.map(csvField).join(',')},` : '';
      for (let j = 0; j < tasks.length; j++) {
        const t = tasks[j]!;
        const s = scores[j]![i]!;
        line += `${j > 0 ? ',' : ''}${formatScore(t.type === 'regression' ? inverseLabel(t, s) : s)}`;
      }
      text += `${line}\n`;
    }
    written += q.size;
    await out.write(text);
  });
  const flush = async (): Promise<void> => {
    const { batch, tags } = batcher.take();
    const size = batch.size;
    await pending.push(scorer.score(batch, false).then((s) => ({ size, tags, byTask: s.scores })));
  };

  try {
    await out.write(`${[...job.keep, ...tasks.map((t) => t.name)].map(csvField).join(',')}\n`);
    let fileIndex = -1;
    let keepIndex: number[] = [];
    const blocks = encodeRows(encodeSpec, where.source, { maxBadRows: job.maxBadRows, logger, account, encoder: { labels: false }, partitions: where.partitions, signal: job.signal });
    for await (const block of blocks) {
      if (block.fileIndex !== fileIndex) {
        fileIndex = block.fileIndex;
        keepIndex = job.keep.map((c) => block.header.indexOf(c));
        const missing = job.keep.filter((_, i) => keepIndex[i]! < 0);
        if (missing.length)
          throw new DataError(`--keep column${missing.length > 1 ? 's' : ''} ${missing.map((c) => `'${c}'`).join(', ')} not in the header (${block.header.join(', ')})`, {
            file: join(where.source.dataDir, account.files[fileIndex]!.path),
            line: 1,
            column: missing[0],
          });
      }
      for (let r = 0; r < block.size; r++) {
        batcher.copyFrom(block, r);
        const record = block.records[block.recordIndex[r]!]!;
        if (batcher.commit(keepIndex.length ? keepIndex.map((k) => record[k]!) : NO_KEPT)) await flush();
      }
    }
    if (batcher.size > 0) await flush();
    await pending.drain();
    await job.model.ready(); // a scoring thread that failed to start fails the run even with no rows
    await out.commit();
  } catch (err) {
    await out.abort();
    if (err instanceof InterruptedError) throw new InterruptedError(`${err.message}; the partial output was removed and ${job.output} was not written`);
    throw err;
  }
  const data = account.toJSON();
  return { output: job.output, rowsRead: data.rowsRead, rowsWritten: written, badRows: data.badRows, files: data.files, seconds: (performance.now() - start) / 1000 };
}
