// Writes the models TensorFlow scores for test/fixtures/serving/tf-scores.json: every
// architecture's seeded model (test/export/fixtures.ts), and an MMoE trained on sampled negatives
// (its ctr corrected in the graph), exported as model.keras and model.onnx with gates, under
// OUT/<name>/. Run: node dist/test/export/make-tf-fixture.js OUT (the whole command is in
// test/fixtures/serving/README.md).
import { join } from 'node:path';
import { selectBackend } from '../../src/backend.js';
import type { ModelSection } from '../../src/config/schema.js';
import { writeExports } from '../../src/export/index.js';
import { ARCHITECTURES, SAMPLED_TRAINING, saveSeededModel } from './fixtures.js';

export const FIXTURE_EXPORT = { gates: true, version: 'fixture' };

/** The fixture's models by directory name: architecture and training section. */
export const FIXTURE_MODELS: Record<string, { type: ModelSection['type']; training: Record<string, unknown> }> = {
  ...Object.fromEntries(ARCHITECTURES.map((type) => [type, { type: type as ModelSection['type'], training: {} }])),
  mmoe_sampled: { type: 'mmoe', training: SAMPLED_TRAINING },
};

export async function writeFixtureModels(out: string): Promise<void> {
  for (const [name, { type, training }] of Object.entries(FIXTURE_MODELS)) {
    const dir = join(out, name);
    const m = await saveSeededModel(type, dir, 15, training);
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
