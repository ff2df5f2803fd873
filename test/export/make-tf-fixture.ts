// Writes the models TensorFlow scores for test/fixtures/serving/tf-scores.json: every
// architecture's seeded model (test/export/fixtures.ts) exported as model.keras and model.onnx with
// gates, under OUT/<type>/. Run: node dist/test/export/make-tf-fixture.js OUT (the whole command is
// in test/fixtures/serving/README.md).
import { join } from 'node:path';
import { selectBackend } from '../../src/backend.js';
import type { ModelSection } from '../../src/config/schema.js';
import { writeExports } from '../../src/export/index.js';
import { ARCHITECTURES, saveSeededModel } from './fixtures.js';

export const FIXTURE_EXPORT = { gates: true, version: 'fixture' };

export async function writeFixtureModels(out: string): Promise<void> {
  for (const type of ARCHITECTURES) {
    const dir = join(out, type);
    const m = await saveSeededModel(type as ModelSection['type'], dir);
    await writeExports(m, dir, ['onnx', 'keras'], FIXTURE_EXPORT);
    m.dispose();
  }
}

if (process.argv[1]?.endsWith('make-tf-fixture.js')) {
  const out = process.argv[2];
  if (!out) throw new Error('usage: node dist/test/export/make-tf-fixture.js OUT');
  await selectBackend('cpu');
  await writeFixtureModels(out);
}
