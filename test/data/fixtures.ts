// Builders for small on-disk partitions in a temp dir, and a small feature spec, for data tests.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { TestContext } from 'node:test';
import { parseConfig } from '../../src/config/load.js';
import { type FeatureSpec, featureSpecFromConfig } from '../../src/data/feature-spec.js';

/** A fresh temp directory removed when the test ends. */
export function tempDir(t: TestContext, prefix = 'mmoe-data-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Writes one day partition: file name -> content (.gz names are gzipped unless given as a Buffer). */
export function writePartition(dataDir: string, dir: string, files: Record<string, string | Buffer>, success = true): string {
  const p = join(dataDir, dir);
  mkdirSync(p, { recursive: true });
  for (const [name, content] of Object.entries(files))
    writeFileSync(join(p, name), typeof content === 'string' && name.endsWith('.gz') ? gzipSync(content) : content);
  if (success) writeFileSync(join(p, '_SUCCESS'), '');
  return p;
}

/** Config fragment for a small spec: two categoricals, one numeric, binary click + regression watch. */
export function smallConfig(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    features: {
      categorical: [
        { name: 'ad', buckets: 100, embeddingDim: 4 },
        { name: 'site', buckets: 50, embeddingDim: 4 },
      ],
      numeric: [{ name: 'price', transform: 'none' }],
    },
    tasks: [
      { name: 'ctr', label: 'click', type: 'binary' },
      { name: 'watch', label: 'watch', type: 'regression', labelTransform: 'log1p' },
    ],
    ...extra,
  };
}

export function smallSpec(extra: Record<string, unknown> = {}): FeatureSpec {
  return featureSpecFromConfig(parseConfig(smallConfig(extra)));
}

export const HEADER = 'click,watch,ad,site,price';

/** `n` good rows for the small spec, deterministic. */
export function goodRows(n: number, offset = 0): string {
  const rows: string[] = [];
  for (let i = offset; i < offset + n; i++) rows.push(`${i % 3 === 0 ? 1 : 0},${(i * 7) % 11},a${i % 13},s${i % 5},${(i % 17) * 0.5}`);
  return `${rows.join('\n')}\n`;
}
