// --pushgateway through the CLI against a real Prometheus Pushgateway: each night's gauges scraped
// back from the gateway and read with a Prometheus text-format parser; grouped by the model root or
// --metrics-instance; a push replaces its group (no stale gauge); a push that fails is a warning;
// with --metrics-file too, a status or metrics file that cannot be written after publishing makes
// the process exit 1, and the pushed gauges, both files and mmoe.log say exit 1 as well.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, readlinkSync, renameSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import parsePrometheus from 'parse-prometheus-text-format';
import { type Nights, nights } from './nightly-fixtures.js';
import { type Gateway, PUSHGATEWAY, startPushgateway } from './pushgateway-server.js';
import { diskKind, smallDisk } from '../util/small-disk.js';

let n: Nights;
let gateway: Gateway | undefined;
before(async () => {
  n = await nights('nightly-push');
});
after(async () => {
  await gateway?.stop();
  n.cleanup();
});

/** The value of `name` in the group whose labels include `group`, from a scrape of the gateway. */
async function pushed(name: string, group: Record<string, string>, from: Gateway = gateway!): Promise<number | undefined> {
  const family = parsePrometheus(await from.scrape()).find((f) => f.name === name);
  const series = family?.metrics.filter((m) => Object.entries(group).every(([k, v]) => m.labels?.[k] === v)) ?? [];
  assert.ok(series.length <= 1, `${name}: ${JSON.stringify(series)}`);
  if (family) assert.equal(family.type, 'GAUGE', name);
  return series[0] ? Number(series[0].value) : undefined;
}

const skip = !PUSHGATEWAY && !process.env.CI ? 'the Pushgateway is not installed (Debian package prometheus-pushgateway; .ci/run installs it)' : false;

test('each night pushes its status to the Pushgateway, grouped by the model root or --metrics-instance', { skip }, async () => {
  gateway = await startPushgateway();
  const models = join(n.root, 'push', 'models');
  const byRoot = { job: 'mmoe', model_root: resolve(models) };
  const push = ['--pushgateway', gateway.url];

  const ok = await n.night(models, '20260101', {}, '--epochs', '1', ...push);
  assert.equal(ok.code, 0, ok.err);
  const s = JSON.parse(readFileSync(join(models, 'status.json'), 'utf8'));
  assert.equal(await pushed('mmoe_last_run_exit_code', byRoot), 0);
  assert.equal(await pushed('mmoe_last_run_promoted', byRoot), 1);
  assert.equal(await pushed('mmoe_last_success_timestamp_seconds', byRoot), Date.parse(s.lastSuccess.finishedAt) / 1000);
  assert.equal(await pushed('mmoe_last_run_rows_read', byRoot), 6000);
  assert.equal(await pushed('mmoe_validation_auc', { ...byRoot, task: 'ctr' }), s.lastAttempt.metrics.ctr.auc);
  assert.deepEqual(s.lastAttempt.warnings, []);

  // Another job's group: --metrics-instance. A refused night, then a failed one: the second push
  // replaces the group, so the gate's gauges of the refused night are gone.
  const ctr = { job: 'mmoe', instance: 'ctr-model' };
  const refused = await n.night(models, '20260102', { untrained: true }, ...push, '--metrics-instance', 'ctr-model', '--gate', 'max-auc-drop=0.005');
  assert.equal(refused.code, 4, refused.err);
  assert.equal(await pushed('mmoe_last_run_exit_code', ctr), 4);
  assert.equal(await pushed('mmoe_gate_passed', ctr), 0);
  const missing = await n.night(models, '20260109', {}, ...push, '--metrics-instance', 'ctr-model');
  assert.equal(missing.code, 3, missing.err);
  assert.equal(await pushed('mmoe_last_run_exit_code', ctr), 3);
  assert.equal(await pushed('mmoe_gate_passed', ctr), undefined, 'replaced, not merged');
  assert.equal(await pushed('mmoe_last_run_exit_code', { ...byRoot, instance: '' }), 0, 'the model root\'s group is untouched');
});

test('a push that fails (no Pushgateway listening) is a warning: the night still promotes and exits 0', { skip }, async () => {
  const down = await startPushgateway();
  await down.stop();
  const models = join(n.root, 'push-down', 'models');
  const r = await n.night(models, '20260101', {}, '--epochs', '1', '--pushgateway', down.url);
  assert.equal(r.code, 0, r.err);
  assert.equal(readlinkSync(join(models, 'latest')), '20260101');
  const warning = new RegExp(`could not push the metrics to the Pushgateway ${down.url}: .*ECONNREFUSED`);
  assert.match(r.err, warning);
  const s = JSON.parse(readFileSync(join(models, 'status.json'), 'utf8'));
  assert.equal(s.lastAttempt.outcome, 'promoted');
  assert.ok(s.lastAttempt.warnings.some((w: string) => warning.test(w)), JSON.stringify(s.lastAttempt.warnings));
});

test('push flags are checked before any work', async () => {
  const models = join(n.root, 'push-flags', 'models');
  const notUrl = await n.night(models, '20260101', {}, '--pushgateway', 'pushgateway:9091');
  assert.equal(notUrl.code, 2);
  assert.match(notUrl.err, /'pushgateway:9091' is not an http or https URL/);
  const alone = await n.night(models, '20260101', {}, '--metrics-instance', 'ctr');
  assert.equal(alone.code, 2);
  assert.match(alone.err, /--metrics-instance names the group of the pushed gauges: add --pushgateway/);
  const empty = await n.night(models, '20260101', {}, '--pushgateway', 'http://127.0.0.1:9', '--metrics-instance', '');
  assert.equal(empty.code, 2);
  assert.match(empty.err, /give a non-empty name/);
});

/** The gauge `name` of a .prom file (one series). */
function fromFile(file: string, name: string): number {
  const series = parsePrometheus(readFileSync(file, 'utf8')).find((f) => f.name === name)?.metrics ?? [];
  assert.equal(series.length, 1, `${name}: ${JSON.stringify(series)}`);
  return Number(series[0]!.value);
}

/** The last line of a run's mmoe.log, parsed. */
const lastLine = (log: string) => JSON.parse(log.trim().split('\n').at(-1)!) as { level: number; exitCode: number; msg: string };

test(`with --pushgateway and --metrics-file, a record that cannot be written after publishing (a full ${diskKind === 'tmpfs' ? 'tmpfs' : 'disk: a path under a file here'}, status.json a directory) makes a real process exit 1, and the push, status.json, the .prom file and mmoe.log all say exit 1`, { skip }, async (t) => {
  const gw = await startPushgateway();
  t.after(() => gw.stop());
  const models = join(n.root, 'agree', 'models');
  const prom = join(n.root, 'agree', 'textfile', 'mmoe.prom');
  mkdirSync(join(n.root, 'agree', 'textfile'), { recursive: true });
  const group = { job: 'mmoe', instance: 'agree' };
  const flags = ['--pushgateway', gw.url, '--metrics-instance', 'agree'];
  const first = await n.night(models, '20260101', { untrained: true }, ...flags, '--metrics-file', prom);
  assert.equal(first.code, 0, first.err);
  const success = JSON.parse(readFileSync(join(models, 'status.json'), 'utf8')).lastSuccess;
  const successAt = Date.parse(success.finishedAt) / 1000;

  // 1. The metrics file cannot be written (after the model was published).
  const disk = diskKind === 'tmpfs' ? smallDisk(join(n.root, 'agree'), 64 * 1024) : undefined;
  t.after(() => disk?.release());
  disk?.leave(0);
  const full = disk ? join(disk.dir, 'mmoe.prom') : join(models, '20260101', 'metadata.json', 'mmoe.prom');
  const r = await n.nightProcess(models, '20260102', { untrained: true }, ...flags, '--metrics-file', full);
  assert.equal(r.code, 1, r.err);
  const cause = disk ? /cannot write .*mmoe\.prom: no space left on the device \(ENOSPC\)/ : /cannot create the directory .*metadata\.json: .*\(EEXIST\)/;
  assert.match(r.err, new RegExp(`${cause.source}; the run itself succeeded and its model was published all the same: latest points at ${join(models, '20260102')}\n$`));
  assert.equal(readlinkSync(join(models, 'latest')), '20260102');
  assert.equal(await pushed('mmoe_last_run_exit_code', group, gw), 1, 'the Pushgateway says what the process exited with');
  assert.equal(await pushed('mmoe_last_success_timestamp_seconds', group, gw), successAt, 'a run that exits 1 is no success');
  assert.equal(await pushed('mmoe_last_run_promoted', group, gw), 1, 'latest moved');
  const s = JSON.parse(readFileSync(join(models, 'status.json'), 'utf8'));
  assert.deepEqual([s.lastAttempt.curDate, s.lastAttempt.exitCode, s.lastSuccess.curDate], ['20260102', 1, '20260101']);
  assert.equal(s.lastAttempt.reason, r.err.replace(/^mmoe: /, '').trimEnd());
  let last = lastLine(r.log);
  assert.deepEqual([last.level, last.exitCode], [50, 1], JSON.stringify(last));
  assert.equal(last.msg, `mmoe train failed (exit 1): ${s.lastAttempt.reason}`);
  assert.doesNotMatch(r.log, /"exitCode":0/, 'no line of the log says exit 0');

  // 2. status.json cannot be written (a directory in its place): the .prom file and the push say exit 1 too.
  mkdirSync(join(models, 'status.json.d'));
  renameSync(join(models, 'status.json'), join(models, 'status.json.d', 'status.json'));
  renameSync(join(models, 'status.json.d'), join(models, 'status.json'));
  const noStatus = await n.nightProcess(models, '20260103', { untrained: true }, ...flags, '--metrics-file', prom);
  assert.equal(noStatus.code, 1, noStatus.err);
  assert.ok(noStatus.err.includes(`cannot write ${join(models, 'status.json')}`), noStatus.err);
  assert.equal(readlinkSync(join(models, 'latest')), '20260103');
  assert.equal(fromFile(prom, 'mmoe_last_run_exit_code'), 1);
  assert.equal(fromFile(prom, 'mmoe_last_run_timestamp_seconds') > successAt, true, 'the .prom file is this run\'s');
  assert.equal(await pushed('mmoe_last_run_exit_code', group, gw), 1);
  last = lastLine(noStatus.log);
  assert.deepEqual([last.level, last.exitCode], [50, 1], JSON.stringify(last));
  assert.match(last.msg, /^mmoe train failed \(exit 1\): cannot write .*status\.json/);
});
