// model.keras's size limit: the weights go through h5wasm (a 2 GiB heap) and one Node buffer
// (2 GiB), so bigger weights stop the export with that reason before anything is written, not
// with h5wasm's allocation failure or ERR_FS_FILE_TOO_LARGE after a long write.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { UsageError } from '../../src/errors.js';
import { writeKerasArchive } from '../../src/export/keras-archive.js';
import type { KerasModel } from '../../src/export/keras.js';

const root = mkdtempSync(join(tmpdir(), 'mmoe-keras-archive-'));
after(() => rmSync(root, { recursive: true, force: true }));

test('model.keras: weights over 2 GiB stop the export with the limit, and nothing is written', async () => {
  // Only the size is read before the check, so a stand-in for a 2 GiB table is enough.
  const table = { name: 'embeddings', shape: [2 ** 27, 4], values: { byteLength: 2 ** 31 } as Float32Array };
  const k: KerasModel = { config: { config: { name: 'm' } }, weights: [{ layer: 'emb_user', className: 'Embedding', values: [table] }], layerClasses: [{ name: 'emb_user', className: 'Embedding' }] };
  const file = join(root, 'big.keras');
  await assert.rejects(writeKerasArchive(file, k, 'test'), (e: Error) => e instanceof UsageError && /big\.keras: the weights take 2\.00 GiB, over the 2 GiB a \.keras archive written here holds/.test(e.message));
  assert.equal(existsSync(file), false);
  assert.deepEqual(readdirSync(root), [], 'no temporary weights file left');
});
