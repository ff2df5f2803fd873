// The reading thread of read-ahead.ts: reads, decompresses, parses and encodes the training days
// (the costly part of a read) and posts the encoded rows, split into training and validation rows
// by the hold-out rule, block by block. Bad-row warnings go to the main thread's log.
import { Writable } from 'node:stream';
import { parentPort, workerData } from 'node:worker_threads';
import pino from 'pino';
import { toFailure } from '../util/thread-failure.js';
import { encodeRows, newAccounting } from './encode-rows.js';
import { fileHoldoutKey, holdoutDraw } from './holdout.js';
import type { ReadAheadInit, ReadAheadMessage, RowsPart } from './read-ahead.js';

const init = workerData as ReadAheadInit;
const post = (m: ReadAheadMessage, transfer: ArrayBuffer[] = []) => parentPort!.postMessage(m, transfer);
const logger = pino({ level: 'debug', base: undefined }, new Writable({ write: (chunk, _e, done) => (post({ type: 'log', line: String(chunk) }), done()) }));
const { spec } = init;
const dims = { nCat: spec.categorical.length, nNum: spec.numeric.length, nTasks: spec.tasks.length, weighted: spec.rowWeight !== undefined };

function part(capacity: number): RowsPart {
  return {
    size: 0,
    lines: new Int32Array(capacity),
    cat: new Int32Array(capacity * dims.nCat),
    num: new Float32Array(capacity * dims.nNum),
    labels: new Float32Array(capacity * dims.nTasks),
    weights: dims.weighted ? new Float32Array(capacity) : null,
  };
}

function buffers(p: RowsPart): ArrayBuffer[] {
  return [p.lines.buffer, p.cat.buffer, p.num.buffer, p.labels.buffer, ...(p.weights ? [p.weights.buffer] : [])] as ArrayBuffer[];
}

try {
  const account = newAccounting(init.source, logger);
  let keyOf = -1;
  let fileKey = 0;
  for await (const block of encodeRows(spec, init.source, { account, logger, maxBadRows: init.maxBadRows, negativeSampling: init.negativeSampling })) {
    if (block.fileIndex !== keyOf) {
      keyOf = block.fileIndex;
      fileKey = fileHoldoutKey(block.file.path, init.seed);
    }
    const parts = { train: part(block.size), valid: part(block.size) };
    for (let r = 0; r < block.size; r++) {
      const to = init.validRatio > 0 && holdoutDraw(fileKey, block.lines[r]!) < init.validRatio ? parts.valid : parts.train;
      const k = to.size++;
      to.lines[k] = block.lines[r]!;
      to.cat.set(block.cat.subarray(r * dims.nCat, (r + 1) * dims.nCat), k * dims.nCat);
      to.num.set(block.num.subarray(r * dims.nNum, (r + 1) * dims.nNum), k * dims.nNum);
      to.labels.set(block.labels.subarray(r * dims.nTasks, (r + 1) * dims.nTasks), k * dims.nTasks);
      if (to.weights) to.weights[k] = block.weights![r]!;
    }
    post({ type: 'rows', file: block.file.path, ...parts }, [...buffers(parts.train), ...buffers(parts.valid)]);
  }
  post({ type: 'done', account: account.toJSON() });
} catch (err) {
  post({ type: 'failed', failure: toFailure(err) });
}
