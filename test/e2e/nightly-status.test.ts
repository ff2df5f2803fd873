// status.json and the Prometheus metrics file after each way a night can end: a success, a data
// error, a config error and a model refused by the gate; the .prom file is read back with a
// Prometheus text-format parser (parse-prometheus-text-format), not with the code that wrote it;
// and a metrics file on a full disk.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import parsePrometheus from 'parse-prometheus-text-format';
import { acquireLock } from '../../src/model-root/lock.js';
import { mmoe } from '../eval/fixtures.js';
import { type Nights, nights } from './nightly-fixtures.js';

let n: Nights;
before(async () => {
  n = await nights('nightly-status');
});
after(() => n.cleanup());

/** The gauges of a .prom file: name -> [{labels, value}], checked to be gauges labelled with the model root. */
function gauges(file: string, root: string): Map<string, { labels: Record<string, string>; value: number }[]> {
  const out = new Map<string, { labels: Record<string, string>; value: number }[]>();
  for (const f of parsePrometheus(readFileSync(file, 'utf8'))) {
    assert.equal(f.type, 'GAUGE', f.name);
    assert.ok(f.help.length > 0, `${f.name} has help`);
    out.set(
      f.name,
      f.metrics.map((m) => {
        assert.equal(m.labels?.model_root, root, `${f.name} is labelled with the model root`);
        return { labels: m.labels ?? {}, value: Number(m.value) };
      }),
    );
  }
  return out;
}

const one = (g: Map<string, { value: number }[]>, name: string) => {
  const s = g.get(name);
  assert.ok(s && s.length === 1, `${name}: ${JSON.stringify(s)}`);
  return s[0]!.value;
};

test('status.json and the .prom file after a success, a data error, a config error and a refused model', async () => {
  const models = join(n.root, 'status', 'models');
  const prom = join(n.root, 'status', 'textfile', 'mmoe.prom');
  const readStatus = () => JSON.parse(readFileSync(join(models, 'status.json'), 'utf8'));

  const ok = await n.night(models, '20260101', {}, '--metrics-file', prom);
  assert.equal(ok.code, 0, ok.err);
  const root = resolve(models);
  let s = readStatus();
  assert.equal(s.format, 'mmoe-status');
  assert.equal(s.latest, '20260101');
  assert.equal(s.lastAttempt.exitCode, 0);
  assert.equal(s.lastAttempt.outcome, 'promoted');
  assert.deepEqual(s.lastAttempt.dates, ['20260101']);
  assert.deepEqual(s.lastAttempt.rows, { read: 6000, train: s.lastAttempt.rows.train, valid: 6000 - s.lastAttempt.rows.train, bad: 0 });
  assert.ok(s.lastAttempt.metrics.ctr.auc > 0.55, JSON.stringify(s.lastAttempt.metrics));
  assert.ok(s.lastAttempt.durationSeconds > 0 && s.lastAttempt.timings.trainSeconds > 0);
  assert.deepEqual(s.lastSuccess, s.lastAttempt);
  let g = gauges(prom, root);
  assert.equal(one(g, 'mmoe_last_run_exit_code'), 0);
  assert.equal(one(g, 'mmoe_last_success_timestamp_seconds'), Date.parse(s.lastSuccess.finishedAt) / 1000);
  assert.equal(one(g, 'mmoe_last_run_rows_read'), 6000);
  assert.equal(one(g, 'mmoe_last_run_bad_rows'), 0);
  assert.equal(one(g, 'mmoe_last_run_promoted'), 1);
  assert.ok(one(g, 'mmoe_run_duration_seconds') > 0);
  assert.deepEqual(g.get('mmoe_validation_auc')!.map((x) => [x.labels.task, x.value]), [['ctr', s.lastAttempt.metrics.ctr.auc], ['ctcvr', s.lastAttempt.metrics.ctcvr.auc]]);
  assert.deepEqual(g.get('mmoe_latest_info')!.map((x) => [x.labels.latest, x.value]), [['20260101', 1]]);
  const success = s.lastSuccess;

  const missing = await n.night(models, '20260109', {}, '--metrics-file', prom);
  assert.equal(missing.code, 3, missing.err);
  s = readStatus();
  assert.equal(s.lastAttempt.exitCode, 3);
  assert.equal(s.lastAttempt.outcome, 'failed');
  assert.match(s.lastAttempt.reason, /missing partition for 20260109/);
  assert.equal(s.lastAttempt.rows, null);
  assert.deepEqual(s.lastSuccess, success, 'the last success is kept');
  g = gauges(prom, root);
  assert.equal(one(g, 'mmoe_last_run_exit_code'), 3);
  assert.equal(one(g, 'mmoe_last_success_timestamp_seconds'), Date.parse(success.finishedAt) / 1000);
  assert.equal(one(g, 'mmoe_last_run_promoted'), 0);
  assert.ok(!g.has('mmoe_last_run_rows_read'), 'no row counts for a run that read nothing');

  const badConfig = await n.night(models, '20260102', {}, '--metrics-file', prom, '--config', join(n.root, 'missing.json'));
  assert.equal(badConfig.code, 2);
  assert.equal(readStatus().lastAttempt.exitCode, 2);
  assert.match(readStatus().lastAttempt.reason, /cannot read config .*missing\.json/);

  const refused = await n.night(models, '20260102', { untrained: true }, '--metrics-file', prom, '--gate', 'max-auc-drop=0.005');
  assert.equal(refused.code, 4, refused.err);
  s = readStatus();
  assert.equal(s.lastAttempt.exitCode, 4);
  assert.equal(s.lastAttempt.outcome, 'refused');
  assert.equal(s.lastAttempt.modelDir, join(models, '20260102'));
  assert.equal(s.lastAttempt.gate.passed, false);
  assert.equal(s.lastAttempt.gate.against, '20260101');
  assert.match(s.lastAttempt.reason, /refused by the promotion gate/);
  assert.equal(s.latest, '20260101');
  assert.deepEqual(s.lastSuccess, success);
  g = gauges(prom, root);
  assert.equal(one(g, 'mmoe_last_run_exit_code'), 4);
  assert.equal(one(g, 'mmoe_gate_passed'), 0);
  assert.equal(one(g, 'mmoe_last_run_promoted'), 0);
  assert.equal(one(g, 'mmoe_last_run_rows_read'), 6000);
  const ctrDrop = g.get('mmoe_gate_auc_drop')!.find((x) => x.labels.task === 'ctr')!.value;
  assert.ok(ctrDrop > 0.005, `ctr AUC drop ${ctrDrop}`);

  // Promoting by hand refreshes what status.json says serves.
  const p = await mmoe('promote', join(models, '20260102'), '--config', n.config);
  assert.equal(p.code, 0, p.err);
  s = readStatus();
  assert.deepEqual([s.latest, s.previous, s.lastAttempt.exitCode], ['20260102', '20260101', 4]);
});

test('a run that fails while mmoe promote holds the lock waits for it, then records its failure', async () => {
  const models = join(n.root, 'busy', 'models');
  assert.equal((await n.night(models, '20260101', {}, '--epochs', '1')).code, 0);
  const promote = acquireLock(models, 'mmoe promote 20260101');
  const t0 = Date.now();
  setTimeout(() => promote.release(), 1500);
  // A --gate-dates day that is missing fails the run before it takes the lock (exit 3).
  const r = await n.night(models, '20260102', {}, '--gate', 'max-auc-drop=0.005', '--gate-dates', '20260109');
  assert.equal(r.code, 3, r.err);
  assert.ok(Date.now() - t0 >= 1500, 'it waited for the lock');
  const s = JSON.parse(readFileSync(join(models, 'status.json'), 'utf8'));
  assert.equal(s.lastAttempt.exitCode, 3);
  assert.equal(s.lastAttempt.curDate, '20260102');
  assert.match(s.lastAttempt.reason, /missing partition for 20260109/);
});

const promtool = spawnSync('promtool', ['--version'], { encoding: 'utf8' }).status === 0;
test('the .prom file passes promtool check metrics (Prometheus\'s own linter)', { skip: !promtool && !process.env.CI ? 'promtool is not installed (Debian package prometheus; .ci/run installs it)' : false }, async () => {
  const models = join(n.root, 'promtool', 'models');
  const prom = join(n.root, 'promtool', 'mmoe.prom');
  const check = () => {
    const r = spawnSync('promtool', ['check', 'metrics'], { input: readFileSync(prom), encoding: 'utf8' });
    assert.equal(r.status, 0, `promtool check metrics: ${r.stdout}${r.stderr}`);
    assert.equal(`${r.stdout}${r.stderr}`.trim(), '', 'no lint finding');
  };
  assert.equal((await n.night(models, '20260101', {}, '--epochs', '1', '--metrics-file', prom)).code, 0);
  check();
  // Every gauge at once: rows, AUCs, the gate's, retention's.
  const r = await n.night(models, '20260102', {}, '--epochs', '1', '--metrics-file', prom, '--gate', 'max-auc-drop=1', '--keep-models', '1');
  assert.equal(r.code, 0, r.err);
  const names = parsePrometheus(readFileSync(prom, 'utf8')).map((f) => f.name);
  for (const name of ['mmoe_last_run_rows_read', 'mmoe_last_run_bad_rows', 'mmoe_last_run_train_rows', 'mmoe_gate_auc_drop', 'mmoe_retention_failures']) assert.ok(names.includes(name), name);
  check();
});

/** A 64 KiB tmpfs filled to the last byte, or (where mounting is not allowed) null. */
function fullDisk(dir: string): { dir: string; unmount(): void } | null {
  mkdirSync(dir, { recursive: true });
  if (spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir]).status !== 0) return null;
  try {
    writeFileSync(join(dir, 'filler'), Buffer.alloc(1 << 20));
  } catch {
    // ENOSPC: full, as wanted
  }
  return { dir, unmount: () => spawnSync('umount', [dir]) };
}

test('a metrics file that cannot be written (ENOSPC on a full tmpfs) fails the run with exit 1 naming it; nothing half written, both models still load', async () => {
  const models = join(n.root, 'enospc', 'models');
  assert.equal((await n.night(models, '20260101', { untrained: true })).code, 0);
  const disk = fullDisk(join(n.root, 'enospc', 'textfile'));
  // Where no tmpfs can be mounted, a path under a regular file fails the same write.
  const prom = disk ? join(disk.dir, 'mmoe.prom') : join(models, 'status.json', 'mmoe.prom');
  try {
    const r = await n.night(models, '20260102', { untrained: true }, '--metrics-file', prom);
    assert.equal(r.code, 1, r.err);
    assert.match(r.err, disk ? /cannot write .*mmoe\.prom: no space left on the device \(ENOSPC\)/ : /cannot write .*mmoe\.prom: .*\((EEXIST|ENOTDIR)\)/);
    // Exit 1, but the model of the night serves: the message must not let anyone think otherwise.
    assert.ok(r.err.includes(`; the run itself succeeded and its model was published all the same: latest points at ${join(models, '20260102')}`), r.err);
    assert.equal(readlinkSync(join(models, 'latest')), '20260102');
    if (disk) assert.deepEqual(readdirSync(disk.dir), ['filler'], 'no temporary file left');
    // status.json says what the process exited with, and why (it said exit 0); the model is promoted all the same.
    const s = JSON.parse(readFileSync(join(models, 'status.json'), 'utf8'));
    assert.equal(s.lastAttempt.exitCode, 1);
    assert.equal(s.lastAttempt.reason, r.err.replace(/^mmoe: /, '').trimEnd());
    assert.equal(s.lastAttempt.outcome, 'promoted');
    assert.equal(s.latest, '20260102');
    assert.equal(s.lastSuccess.curDate, '20260101', 'the last run that exited 0');
  } finally {
    disk?.unmount();
  }
  for (const link of ['latest', 'previous']) {
    const e = await mmoe('eval', '--model', join(models, link), '--data-dir', n.data, '--dates', '20260103', '--format', 'json');
    assert.equal(e.code, 0, `${link}: ${e.err}`);
  }
});
