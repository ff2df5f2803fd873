// The nightly job through the CLI, left alone for several nights: retention keeps the disk bounded
// without ever deleting what serves or what can be rolled back to; late data is waited for.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { main } from '../../src/cli/main.js';
import { acquireLock } from '../../src/model-root/lock.js';
import { runName } from '../../src/train/run-log.js';
import { fakeEnv } from '../cli/fake-env.js';
import { childEnv } from '../test-backend.js';
import { type Nights, nights } from './nightly-fixtures.js';

let n: Nights;
before(async () => {
  n = await nights('nightly-ops');
});
after(() => n.cleanup());

const dirs = (d: string) => readdirSync(d).filter((x) => lstatSync(join(d, x)).isDirectory()).sort();

test('retention with N = 2 over five nights keeps the newest two, and latest and its predecessor though older', async () => {
  const models = join(n.root, 'retention', 'models');
  const logs = join(n.root, 'retention', 'logs');
  const keep = ['--keep-models', '2', '--keep-logs', '2'];
  for (const date of ['20260101', '20260102']) assert.equal((await n.night(models, date, {}, ...keep)).code, 0);
  // Three bad nights in a row: each is refused by the gate, so latest and previous stay on the oldest two.
  for (const date of ['20260103', '20260104', '20260105']) {
    const r = await n.night(models, date, { untrained: true }, ...keep, '--gate', 'max-auc-drop=0.005');
    assert.equal(r.code, 4, r.err);
  }
  assert.deepEqual([readlinkSync(join(models, 'latest')), readlinkSync(join(models, 'previous'))], ['20260102', '20260101']);
  assert.deepEqual(dirs(models), ['20260101', '20260102', '20260104', '20260105']);
  for (const d of dirs(models)) assert.ok(existsSync(join(models, d, 'model.json')), d);
  assert.deepEqual(dirs(logs).map((d) => d.slice(0, 8)), ['20260104', '20260105']);
});

/**
 * Makes `dir` undeletable for this process: immutable (chattr +i) as root, else a subdirectory it
 * may not write (EACCES deep inside, after retention renamed it away). Returns the undo.
 */
function undeletable(dir: string): () => void {
  if (process.getuid?.() === 0) {
    const r = spawnSync('chattr', ['+i', dir], { encoding: 'utf8' });
    assert.equal(r.status, 0, `chattr +i ${dir} (the file system of the temporary directory must support it): ${r.stderr}`);
    return () => spawnSync('chattr', ['-i', dir]);
  }
  mkdirSync(join(dir, 'sealed'));
  writeFileSync(join(dir, 'sealed', 'file'), '');
  chmodSync(join(dir, 'sealed'), 0o555);
  const parent = dirname(dir);
  return () => {
    for (const d of readdirSync(parent).filter((x) => x === basename(dir) || x.startsWith(`.del-${basename(dir)}-`)))
      if (existsSync(join(parent, d, 'sealed'))) chmodSync(join(parent, d, 'sealed'), 0o755);
  };
}

test('a directory retention cannot delete is a warning in the log, status.json and the gauges, never a failed night', async () => {
  const models = join(n.root, 'stuck', 'models');
  const logs = join(n.root, 'stuck', 'logs');
  const prom = join(n.root, 'stuck', 'mmoe.prom');
  for (const date of ['20260101', '20260102', '20260103']) assert.equal((await n.night(models, date, {}, '--epochs', '1')).code, 0);
  const stuckRun = dirs(logs)[1]!;
  const undo = [undeletable(join(models, '20260102')), undeletable(join(logs, stuckRun))];
  try {
    for (const date of ['20260104', '20260105']) {
      const r = await n.night(models, date, {}, '--epochs', '1', '--keep-models', '1', '--keep-logs', '1', '--metrics-file', prom);
      assert.equal(r.code, 0, r.err);
      assert.equal(readlinkSync(join(models, 'latest')), date, 'promoted');
      assert.match(r.log, /"level":40.*retention could not delete .*20260102.*(EPERM|EACCES)/);
      assert.match(r.log, new RegExp(`"level":40.*retention could not delete .*${stuckRun}`));
      const s = JSON.parse(readFileSync(join(models, 'status.json'), 'utf8'));
      assert.equal(s.lastAttempt.exitCode, 0);
      assert.equal(s.lastAttempt.outcome, 'promoted');
      assert.deepEqual(s.lastSuccess, s.lastAttempt);
      const failed = s.lastAttempt.retention.failed as { path: string; error: string }[];
      assert.equal(failed.length, 2, JSON.stringify(failed));
      assert.match(failed[0]!.path, /models\/(\.del-)?20260102/);
      assert.match(failed[0]!.error, /EPERM|EACCES/);
      assert.match(failed[1]!.path, new RegExp(stuckRun));
      assert.equal(s.lastAttempt.warnings.filter((w: string) => /retention could not delete/.test(w)).length, 2);
      assert.match(readFileSync(prom, 'utf8'), /^mmoe_retention_failures\{[^}]*\} 2$/m);
    }
    // Every other directory beyond the retention went.
    assert.deepEqual(dirs(models).filter((d) => !d.startsWith('.')), process.getuid?.() === 0 ? ['20260102', '20260104', '20260105'] : ['20260104', '20260105']);
    assert.equal(dirs(logs).filter((d) => !d.startsWith('.') && d !== stuckRun).length, 1);
  } finally {
    for (const u of undo) u();
  }
});

test('two nightly jobs sharing --log-dir, started in the same second, each get a run directory and both run', async () => {
  const logs = join(n.root, 'shared-logs');
  // The other job (another model root, same --log-dir and --cur-date) started this second and is
  // still running: it holds the run directory of this second (and of the next few, for a slow start).
  const t0 = Date.now();
  const other = [0, 1, 2, 3].map((s) => acquireLock(join(logs, runName('20260101', new Date(t0 + 1000 * s))), 'mmoe train 20260101'));
  try {
    const models = join(n.root, 'shared-logs-models');
    const env = fakeEnv({ logFiles: true });
    const code = await main(['node', 'mmoe', 'train', '--train-data-dir', n.data, '--cur-date', '20260101', '--days', '1', '--config', n.config,
      '--model-output-dir', models, '--log-dir', logs, '--quiet', '--epochs', '1'], env);
    assert.equal(code, 0, env.err());
    assert.equal(readlinkSync(join(models, 'latest')), '20260101');
    const own = readdirSync(logs).filter((d) => /-2$/.test(d));
    assert.equal(own.length, 1, readdirSync(logs).join(', '));
    assert.match(readFileSync(join(logs, own[0]!, 'mmoe.log'), 'utf8'), /published/);
  } finally {
    for (const l of other) l.release();
  }
});

/** A data directory with the first day only; the second day's files and its _SUCCESS are laid down on request. */
function lateData(name: string): { dir: string; files(): void; success(): void } {
  const dir = join(n.root, name);
  const copyDay = (date: string) => {
    mkdirSync(join(dir, date), { recursive: true });
    for (const f of readdirSync(join(n.data, date)).filter((f) => f.endsWith('.csv'))) copyFileSync(join(n.data, date, f), join(dir, date, f));
  };
  copyDay('20260101');
  writeFileSync(join(dir, '20260101', '_SUCCESS'), '');
  return { dir, files: () => copyDay('20260102'), success: () => writeFileSync(join(dir, '20260102', '_SUCCESS'), '') };
}

function trainArgs(dataDir: string, root: string, ...extra: string[]): string[] {
  return ['train', '--train-data-dir', dataDir, '--cur-date', '20260102', '--days', '2', '--config', n.config, '--model-output-dir', join(root, 'models'),
    '--log-dir', join(root, 'logs'), '--epochs', '1', '--require-success', ...extra];
}

test('--wait-for-data: a partition that appears after a few seconds is waited for, and the run goes on', async () => {
  const late = lateData('late-data');
  const root = join(n.root, 'wait');
  const env = fakeEnv({ logFiles: true });
  const t0 = Date.now();
  // The producer writes the CSV files once the run says it waits for them, and _SUCCESS once the
  // run says it waits for the marker.
  const said = (): string => {
    const logs = join(root, 'logs');
    const file = existsSync(logs) ? readdirSync(logs).map((r) => join(logs, r, 'mmoe.log')).find(existsSync) : undefined;
    return file ? readFileSync(file, 'utf8') : '';
  };
  const producer = setInterval(() => {
    const log = said();
    if (/missing partition for 20260102/.test(log) && !existsSync(join(late.dir, '20260102'))) late.files();
    if (/20260102: partition has no _SUCCESS marker/.test(log)) late.success();
  }, 100);
  const code = await main(['node', 'mmoe', ...trainArgs(late.dir, root, '--quiet', '--wait-for-data', '60s')], env);
  clearInterval(producer);
  assert.equal(code, 0, env.err());
  assert.ok(Date.now() - t0 >= 4000, 'it waited two polls of 2 s');
  assert.equal(readlinkSync(join(root, 'models', 'latest')), '20260102');
  const run = readdirSync(join(root, 'logs'))[0]!;
  const log = readFileSync(join(root, 'logs', run, 'mmoe.log'), 'utf8');
  assert.match(log, /waiting for the data \(0s of 1m\): .*missing partition for 20260102/);
  assert.match(log, /waiting for the data \(\ds of 1m\): .*20260102: partition has no _SUCCESS marker/);
  assert.match(log, /the data is there after \d+s/);
});

test('--wait-for-data: a partition that never appears fails at the deadline with exit 3, naming it', async () => {
  const late = lateData('never-data');
  const root = join(n.root, 'never');
  const t0 = Date.now();
  const env = fakeEnv();
  const code = await main(['node', 'mmoe', ...trainArgs(late.dir, root, '--quiet', '--wait-for-data', '2s')], env);
  assert.equal(code, 3, env.err());
  assert.ok(Date.now() - t0 >= 2000);
  assert.match(env.err(), /waited 2s \(--wait-for-data\) and the data is still missing: .*never-data: missing partition for 20260102/);
  assert.ok(!existsSync(join(root, 'models', 'latest')));
});

test('--wait-for-data: Ctrl-C while waiting exits 130 at once', async () => {
  const late = lateData('interrupted-data');
  const root = join(n.root, 'interrupted');
  const child = spawn(process.execPath, ['bin/mmoe.js', ...trainArgs(late.dir, root, '--wait-for-data', '1h')], { stdio: ['ignore', 'ignore', 'pipe'], env: childEnv() });
  let err = '';
  let sent = 0;
  child.stderr.on('data', (d) => {
    err += d;
    if (/waiting for the data/.test(err) && !sent) {
      sent = Date.now();
      child.kill('SIGINT');
    }
  });
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  assert.equal(code, 130, err.slice(-2000));
  assert.ok(sent > 0, 'SIGINT was sent while it waited');
  assert.match(err, /interrupted while waiting for the data; nothing was read or published/);
});
