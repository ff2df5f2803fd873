// Huge pages for large embedding tables: the kernel's own account (/proc/self/smaps) of a table
// the addon advised, and what a training run reports of its tables' pages.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { main } from '../../src/cli/main.js';
import { generateCtr } from '../../src/data/generate-ctr.js';
import { adviseHugePages, HUGE_PAGE_MIN_BYTES, hugePageAddon, hugePageSupport, thpAllowed } from '../../src/model/huge-pages.js';
import { fakeEnv } from '../cli/fake-env.js';
import { tinyConfig } from '../e2e/tiny-config.js';
import { childEnv } from '../test-backend.js';

const root = mkdtempSync(join(tmpdir(), 'mmoe-huge-pages-'));
const data = join(root, 'data');
after(() => rmSync(root, { recursive: true, force: true }));
before(async () => {
  await generateCtr({ out: data, startDate: '20260101', days: 2, rowsPerDay: 1000, seed: 4 });
});

/** The smaps record of the mapping that holds `address`. */
function mapping(address: bigint): Record<string, string> {
  for (const block of readFileSync('/proc/self/smaps', 'utf8').split(/\n(?=[0-9a-f]+-[0-9a-f]+ )/)) {
    const [lo, hi] = block.split(' ')[0]!.split('-').map((x) => BigInt(`0x${x}`));
    if (address >= lo! && address < hi!) return Object.fromEntries(block.split('\n').slice(1).map((l) => [l.split(':')[0]!, l.slice(l.indexOf(':') + 1).trim()]));
  }
  throw new Error(`no mapping holds 0x${address.toString(16)}`);
}

const policy = hugePageSupport().policy;

test('where the kernel gives huge pages on request, the addon loads and an advised table is in huge pages', () => {
  if (policy !== 'madvise') {
    // Nothing to ask for here: the reason says why tables stay as they are.
    assert.equal(hugePageSupport().on, policy === 'always');
    return;
  }
  // npm ci builds the addon wherever fs-ext builds (the same compiler): on Linux it must load.
  assert.equal(hugePageSupport().reason, null, `${hugePageSupport().reason}`);
  const table = new Float32Array(64 << 18); // 64 MiB
  assert.equal(adviseHugePages(table), true);
  table.fill(0.5); // first written after the advice
  const m = mapping(hugePageAddon()!.address(table));
  assert.match(m.VmFlags!, /\bhg\b/, 'the mapping is marked for huge pages');
  assert.ok(Number.parseInt(m.AnonHugePages!, 10) > 0, `AnonHugePages ${m.AnonHugePages}`);
});

test('small tables are not advised (the TLB reaches them); shared tables are, as their threads see them', () => {
  assert.equal(adviseHugePages(new Float32Array(HUGE_PAGE_MIN_BYTES / 4 - 1)), false);
  if (policy !== 'madvise') return;
  const shared = new Float32Array(new SharedArrayBuffer(HUGE_PAGE_MIN_BYTES * 2));
  assert.equal(adviseHugePages(shared), true);
  assert.match(mapping(hugePageAddon()!.address(shared)).VmFlags!, /\bhg\b/);
});

/** Trains on the generated days with `adid` at 10^6 buckets (48 MB of weights and Adam slots). */
async function trainBig(name: string) {
  const cfg = join(root, `${name}.json`);
  const categorical = tinyConfig.features.categorical.map((c) => (c.name === 'adid' ? { ...c, buckets: 1_000_000 } : c));
  writeFileSync(cfg, JSON.stringify({ ...tinyConfig, features: { ...tinyConfig.features, categorical }, training: { ...tinyConfig.training, epochs: 1 } }));
  return { cfg, args: ['train', '--train-data-dir', data, '--cur-date', '20260102', '--config', cfg, '--model-output-dir', join(root, name), '--log-dir', join(root, `${name}-logs`), '--quiet'] };
}

const read = (root_: string, name: string) => ({
  meta: JSON.parse(readFileSync(join(root_, name, '20260102', 'metadata.json'), 'utf8')),
  log: readFileSync(join(root_, `${name}-logs`, readdirSync(join(root_, `${name}-logs`))[0]!, 'mmoe.log'), 'utf8'),
});

test('a training run says how large its tables are and whether they are in huge pages (metadata and log)', async () => {
  const { args } = await trainBig('big');
  const env = fakeEnv({ logFiles: true });
  assert.equal(await main(['node', 'mmoe', ...args], env), 0, env.err());
  const { meta, log } = read(root, 'big');
  const t = meta.resources.tables;
  assert.ok(t.bytes >= 48e6 && t.bytes < 50e6, `${t.bytes}`);
  if (hugePageSupport().on) {
    assert.ok(t.hugePageBytes >= 48e6, `${t.hugePageBytes}`); // adid's table; the 500-bucket ones are too small to ask
    assert.equal(t.ordinaryPagesReason, null);
    assert.match(log, /embedding tables: 48 MB with optimizer slots, 48 MB in transparent huge pages/);
  } else {
    assert.equal(t.hugePageBytes, 0);
    assert.equal(t.ordinaryPagesReason, hugePageSupport().reason);
  }
});

test('MMOE_HUGE_PAGES=0 keeps tables in ordinary pages and says so', async () => {
  const { args } = await trainBig('off');
  const r = spawnSync(process.execPath, ['bin/mmoe.js', ...args], { env: { ...childEnv(), MMOE_HUGE_PAGES: '0' }, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const { meta, log } = read(root, 'off');
  assert.equal(meta.resources.tables.hugePageBytes, 0);
  assert.equal(meta.resources.tables.ordinaryPagesReason, 'MMOE_HUGE_PAGES=0');
  assert.match(log, /embedding tables: 48 MB with optimizer slots in ordinary pages \(MMOE_HUGE_PAGES=0\)/);
});

test('the addon advises only whole pages inside the array, whatever its element type', () => {
  const addon = hugePageAddon();
  if (!addon) return;
  for (const T of [Uint8Array, Int16Array, Float32Array, Float64Array, BigInt64Array]) {
    const a = new T(HUGE_PAGE_MIN_BYTES / T.BYTES_PER_ELEMENT);
    const advised = addon.advise(a);
    assert.ok(advised <= a.byteLength && advised > a.byteLength - 2 * 4096 * 16, `${T.name}: ${advised} of ${a.byteLength}`);
  }
  assert.equal(addon.advise(new Float32Array(0)), 0);
});

test('a process with transparent huge pages disabled (prctl PR_SET_THP_DISABLE: THP_enabled 0 in its status) is not asked to use them', () => {
  assert.equal(thpAllowed('Name:\tnode\nTHP_enabled:\t0\nThreads:\t7\n'), false);
  assert.equal(thpAllowed('Name:\tnode\nTHP_enabled:\t1\nThreads:\t7\n'), true);
  assert.equal(thpAllowed('Name:\tnode\nThreads:\t7\n'), true, 'older kernels do not say: allowed');
  // This process: the support says THP_enabled 0 exactly when its own status does.
  if (process.platform === 'linux') assert.equal(thpAllowed(readFileSync('/proc/self/status', 'utf8')), !/THP_enabled 0/.test(hugePageSupport().reason ?? ''));
});
