// Mutation testing of the suite (not part of `npm test`): each mutant is a small plausible bug,
// written as one exact text replacement in the built code under dist/ (or, for the hand-written
// WebAssembly kernels, in their .wat source, assembled as scripts/build-wasm.mjs does into the
// built module under dist/; the source itself is not touched); it is applied, the test files that
// should notice it run (each file with a time limit, so a mutant that loops fails instead of
// hanging), and the file is restored. A mutant is caught when those tests fail.
//
//   npm run build && node scripts/mutate.mjs [--only id,id] [--area metrics,data] [--timeout-ms 120000]
//                                            [--doc docs/testing.md] [--no-baseline]
//
// --doc replaces the part of that file between the mutants:start and mutants:end markers with
// the results table. A mutant whose text is not found exactly once is reported as stale (the
// code moved): fix its `from` and rerun. Exit status: 0 when every mutant was caught, 1 otherwise.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { assemble } from './build-wasm.mjs';
import { MUTANTS } from './mutants.mjs';

const { values } = parseArgs({
  options: {
    only: { type: 'string' },
    area: { type: 'string' },
    'timeout-ms': { type: 'string', default: '120000' },
    doc: { type: 'string' },
    'no-baseline': { type: 'boolean', default: false },
  },
});
const timeoutMs = Number(values['timeout-ms']);
const BACKUP = 'dist/.mutate-backup';

if (!existsSync('dist/test')) {
  console.error('dist/ is missing: run `npm run build` first');
  process.exit(2);
}

/** Restores any file a killed earlier run left mutated. */
function restoreBackups() {
  if (!existsSync(BACKUP)) return;
  const walk = (dir) => readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]));
  for (const file of walk(BACKUP)) {
    const target = join('dist', file.slice(BACKUP.length + 1));
    writeFileSync(target, readFileSync(file));
    console.error(`restored ${target} left mutated by an earlier run`);
  }
  rmSync(BACKUP, { recursive: true, force: true });
}
restoreBackups();
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    restoreBackups();
    process.exit(130);
  });
}

const only = values.only?.split(',');
const areas = values.area?.split(',');
const ids = new Set();
for (const m of MUTANTS) {
  if (ids.has(m.id)) throw new Error(`two mutants named ${m.id}`);
  ids.add(m.id);
}
const chosen = MUTANTS.filter((m) => (!only || only.includes(m.id)) && (!areas || areas.includes(m.area)));

/** Runs the test files matching `filters`; returns how it ended. */
function runTests(filters) {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, ['scripts/run-tests.js', ...filters], {
    env: { ...process.env, MMOE_TEST_TIMEOUT_MS: String(timeoutMs) },
    encoding: 'utf8',
    maxBuffer: 256 << 20,
    timeout: timeoutMs * 4, // a last resort: each file already has its own limit
    killSignal: 'SIGKILL',
  });
  const out = `${r.stdout ?? ''}${r.stderr ?? ''}`;
  const failed = (out.match(/^not ok \d+ - (.*)$/gm) ?? []).map((l) => l.replace(/^not ok \d+ - /, ''));
  return {
    passed: r.status === 0,
    timedOut: r.error?.code === 'ETIMEDOUT' || /timed out after \d+ms/.test(out),
    failed,
    seconds: (performance.now() - t0) / 1000,
  };
}

if (!values['no-baseline']) {
  const all = [...new Set(chosen.flatMap((m) => m.tests))];
  console.error(`baseline: the ${all.length} test selections without mutants (${all.join(' ')})`);
  const base = runTests(all);
  if (!base.passed) {
    console.error(`the tests fail without any mutant (${base.failed.join('; ')}): fix them first`);
    process.exit(2);
  }
}

/** `text` with m.from replaced by m.to, or why not (a stale mutant). */
function replaced(text, m) {
  const at = text.indexOf(m.from);
  if (at < 0 || text.indexOf(m.from, at + 1) >= 0) return { stale: at < 0 ? 'text not found' : 'text found more than once' };
  return { text: text.slice(0, at) + m.to + text.slice(at + m.from.length) };
}

/** The mutated content of dist/<m.file>: a replacement in it, or in m.source (a .wat kernel source) assembled into it. */
async function mutated(m, original) {
  if (!m.source) return replaced(original, m);
  const r = replaced(readFileSync(m.source, 'utf8'), m);
  if (r.stale) return { stale: `${r.stale} in ${m.source}` };
  // build-wasm.mjs names the module (and its variants) after the source file.
  const dir = mkdtempSync(join(tmpdir(), 'mmoe-mutant-'));
  try {
    writeFileSync(join(dir, basename(m.source)), r.text);
    return { text: await assemble(join(dir, basename(m.source))) };
  } catch (err) {
    return { stale: `the mutated ${m.source} does not assemble: ${err.message}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const results = [];
for (const m of chosen) {
  const path = join('dist', m.file);
  const original = readFileSync(path, 'utf8');
  const mutant = await mutated(m, original);
  if (mutant.stale) {
    results.push({ m, status: 'stale', detail: mutant.stale });
    console.error(`${m.id}: STALE (${mutant.stale}${m.source ? '' : ` in ${path}`})`);
    continue;
  }
  const backup = join(BACKUP, m.file);
  mkdirSync(dirname(backup), { recursive: true });
  writeFileSync(backup, original);
  let r;
  try {
    writeFileSync(path, mutant.text);
    r = runTests(m.tests);
  } finally {
    writeFileSync(path, original);
    rmSync(BACKUP, { recursive: true, force: true });
  }
  const status = r.passed ? 'NOT CAUGHT' : r.timedOut ? 'caught (time limit)' : 'caught';
  results.push({ m, status, detail: r.failed[0] ?? '', seconds: r.seconds });
  console.error(`${m.id}: ${status} in ${r.seconds.toFixed(0)} s${r.failed[0] ? ` by "${r.failed[0]}"` : ''}`);
}

const cell = (s) => String(s).replaceAll('|', '\\|').replaceAll('\n', ' ');
const caught = results.filter((x) => x.status.startsWith('caught')).length;
const table = [
  `${caught} of ${results.length} mutants caught (time limit per test file ${timeoutMs / 1000} s).`,
  '',
  '| mutant | area | the bug | tests run | result | first failing test |',
  '| --- | --- | --- | --- | --- | --- |',
  ...results.map(({ m, status, detail }) => `| \`${m.id}\` | ${m.area} | ${cell(m.bug)} | ${cell(m.tests.join(', '))} | ${status} | ${cell(detail.slice(0, 90))} |`),
].join('\n');
console.log(table);

if (values.doc) {
  const doc = readFileSync(values.doc, 'utf8');
  const start = '<!-- mutants:start -->';
  const end = '<!-- mutants:end -->';
  const i = doc.indexOf(start);
  const j = doc.indexOf(end);
  if (i < 0 || j < i) throw new Error(`${values.doc} has no ${start} ... ${end} section`);
  writeFileSync(values.doc, `${doc.slice(0, i + start.length)}\n${table}\n${doc.slice(j)}`);
  console.error(`wrote the table into ${values.doc}`);
}
process.exit(results.every((x) => x.status.startsWith('caught')) ? 0 : 1);
