// Runs every compiled test file under dist/test with node's test runner (Node 20 has no globs).
// Every test file runs in its own process with a time limit (--test-timeout applies to each file
// and to each test in it): a regression that loops fails that file in minutes instead of hanging
// CI. MMOE_TEST_TIMEOUT_MS overrides the limit (the mutation script uses a shorter one).
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

/** Far above the slowest file on a loaded 2-core machine (about 30 s), far below CI's job limit. */
const DEFAULT_TIMEOUT_MS = 240_000;

function find(dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? find(p) : p.endsWith('.test.js') ? [p] : [];
  });
}
const timeout = Number(process.env.MMOE_TEST_TIMEOUT_MS ?? DEFAULT_TIMEOUT_MS);
if (!(Number.isInteger(timeout) && timeout > 0)) {
  console.error(`MMOE_TEST_TIMEOUT_MS must be a positive whole number of milliseconds, got ${JSON.stringify(process.env.MMOE_TEST_TIMEOUT_MS)}`);
  process.exit(2);
}
const filter = process.argv.slice(2);
const files = find('dist/test').filter((f) => filter.length === 0 || filter.some((s) => f.includes(s))).sort();
const r = spawnSync(process.execPath, ['--test', '--test-concurrency=2', `--test-timeout=${timeout}`, ...files], { stdio: 'inherit' });
process.exit(r.status ?? 1);
