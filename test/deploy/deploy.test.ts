// The deploy files (cron, systemd, Kubernetes) and docs/operations.md cannot drift from the CLI:
// the three run `mmoe train` with the same flags (but for how the metrics leave: a textfile on the
// host, a Pushgateway from the CronJob), every flag and value goes through the real parser of
// `mmoe train`, the systemd units pass `systemd-analyze verify`, the Kubernetes YAML is parsed with
// a YAML parser (the CronJob's claim is shipped), and the page shows each file as it is.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { OptionValues } from 'commander';
import { parse as parseYaml } from 'yaml';
import { buildProgram } from '../../src/cli/main.js';
import { ExitCode } from '../../src/errors.js';
import { fakeEnv } from '../cli/fake-env.js';

const read = (p: string) => readFileSync(p, 'utf8');
const CRON = 'deploy/cron/mmoe';
const SERVICE = 'deploy/systemd/mmoe-train.service';
const TIMER = 'deploy/systemd/mmoe-train.timer';
const CRONJOB = 'deploy/kubernetes/cronjob.yaml';
const PVC = 'deploy/kubernetes/pvc.yaml';
const DOC = 'docs/operations.md';

/** The arguments after `bin/mmoe.js` in a command line (no quoting in these files), up to a redirection. */
function mmoeArgs(line: string): string[] {
  const tokens = line.trim().split(/\s+/);
  const at = tokens.findIndex((t) => t.endsWith('bin/mmoe.js') || t === 'mmoe');
  assert.ok(at >= 0, `no mmoe command in: ${line}`);
  const rest = tokens.slice(at + 1);
  const end = rest.findIndex((t) => t === '|' || t.startsWith('>') || t.startsWith('2>'));
  return end < 0 ? rest : rest.slice(0, end);
}

function cronArgs(): string[] {
  const lines = read(CRON).split('\n').filter((l) => l.trim() && !l.startsWith('#') && !/^[A-Z_]+=/.test(l));
  assert.equal(lines.length, 1, 'one job line');
  const fields = lines[0]!.trim().split(/\s+/);
  assert.match(fields.slice(0, 5).join(' '), /^[\d*/,-]+( [\d*/,-]+){4}$/, 'five schedule fields');
  assert.equal(fields[5], 'mmoe', 'a /etc/cron.d line names its user');
  return mmoeArgs(fields.slice(6).join(' '));
}

function serviceArgs(): string[] {
  const exec = read(SERVICE).split('\n').filter((l) => l.startsWith('ExecStart='));
  assert.equal(exec.length, 1);
  return mmoeArgs(exec[0]!.slice('ExecStart='.length));
}

interface CronJob {
  apiVersion: string;
  kind: string;
  spec: {
    concurrencyPolicy: string;
    jobTemplate: {
      spec: {
        template: {
          spec: {
            restartPolicy: string;
            containers: { command: string[]; args: string[]; volumeMounts: { name: string; mountPath: string }[]; resources: { requests: { cpu?: string }; limits: { cpu?: string } } }[];
            volumes: { name: string; persistentVolumeClaim?: { claimName: string }; hostPath?: unknown }[];
          };
        };
      };
    };
  };
}

function cronJob(): CronJob {
  return parseYaml(read(CRONJOB)) as CronJob;
}

function cronJobArgs(): string[] {
  const c = cronJob().spec.jobTemplate.spec.template.spec.containers[0]!;
  return [...mmoeArgs(c.command.join(' ')), ...c.args];
}

/** How the metrics leave, the one documented difference between the three: [the other flags, the metrics flags]. */
function splitMetrics(args: string[]): [string[], string[]] {
  const metrics = new Set(['--metrics-file', '--pushgateway', '--metrics-instance']);
  const rest: string[] = [];
  const delivery: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (metrics.has(args[i]!)) delivery.push(args[i]!, args[++i]!);
    else rest.push(args[i]!);
  }
  return [rest, delivery];
}

test('cron, systemd and the Kubernetes CronJob run mmoe train with the same flags, but for how the metrics leave', () => {
  const cron = cronArgs();
  assert.deepEqual(serviceArgs(), cron);
  const [cronRest, cronMetrics] = splitMetrics(cron);
  const [jobRest, jobMetrics] = splitMetrics(cronJobArgs());
  assert.deepEqual(jobRest, cronRest);
  assert.equal(cron[0], 'train');
  // A host has node_exporter's textfile collector; a pod lands on any node, so it pushes.
  assert.deepEqual(cronMetrics.filter((_, i) => i % 2 === 0), ['--metrics-file']);
  assert.deepEqual(jobMetrics.filter((_, i) => i % 2 === 0), ['--pushgateway', '--metrics-instance']);
});

/** mmoe train's options after parsing `args` (after `train`) with its own parser. */
function parsedTrain(args: string[]): OptionValues {
  const train = buildProgram(fakeEnv()).commands.find((c) => c.name() === 'train')!;
  const { operands, unknown } = train.parseOptions(args.slice(1));
  assert.deepEqual(unknown, [], 'no unknown flag');
  assert.deepEqual(operands, [], 'no stray argument');
  return train.opts();
}

test('every flag and value of the deploy commands goes through mmoe train\'s own parser', () => {
  const o = parsedTrain(cronArgs());
  assert.equal(o.trainDataDir, '/data/impressions');
  assert.match(o.curDate, /^\d{8}$/, '--cur-date yesterday is a day');
  assert.deepEqual(o.gate, { maxAucDrop: 0.005 });
  assert.equal(o.waitForData, 3 * 3600 * 1000);
  assert.equal(o.keepModels, 14);
  assert.equal(o.keepLogs, 30);
  assert.equal(o.requireSuccess, true);
  assert.match(o.metricsFile, /\.prom$/);
  const k = parsedTrain(cronJobArgs());
  assert.match(String(k.pushgateway), /^http:\/\/[\w.-]+:9091$/);
  assert.equal(k.metricsInstance, 'mmoe-train', 'grouped by the CronJob\'s name');
});

test('the CronJob forbids overlapping runs, keeps the model root and the logs on the shipped persistent volume claim, and uses no host path', () => {
  const job = cronJob();
  assert.equal(job.apiVersion, 'batch/v1');
  assert.equal(job.kind, 'CronJob');
  assert.equal(job.spec.concurrencyPolicy, 'Forbid');
  const pod = job.spec.jobTemplate.spec.template.spec;
  assert.equal(pod.restartPolicy, 'Never');
  const args = pod.containers[0]!.args;
  const flag = (name: string) => args[args.indexOf(name) + 1]!;
  for (const dir of [flag('--model-output-dir'), flag('--log-dir')]) {
    const mount = pod.containers[0]!.volumeMounts.find((m) => dir.startsWith(`${m.mountPath}/`));
    assert.ok(mount, `${dir} is on a mounted volume`);
    const claim = pod.volumes.find((v) => v.name === mount.name)?.persistentVolumeClaim?.claimName;
    const pvc = parseYaml(read(PVC)) as { apiVersion: string; kind: string; metadata: { name: string }; spec: { accessModes: string[]; resources: { requests: { storage: string } } } };
    assert.deepEqual([pvc.apiVersion, pvc.kind, pvc.metadata.name], ['v1', 'PersistentVolumeClaim', claim], `${dir} is on the claim ${PVC} ships`);
    assert.match(pvc.spec.resources.requests.storage, /^\d+Gi$/);
  }
  // A hostPath is the node's: other nodes keep stale files, and kubelet makes it root's (EACCES for uid 1000).
  assert.deepEqual(pod.volumes.filter((v) => v.hostPath).map((v) => v.name), []);
});

test('the CronJob limits its CPUs to what it requests: --threads auto trains on that many threads (the cgroup CPU quota), not one per core of the node', () => {
  const { resources } = cronJob().spec.jobTemplate.spec.template.spec.containers[0]!;
  assert.match(String(resources.requests.cpu), /^\d+$/, 'whole CPUs: a fraction is rounded down');
  assert.equal(resources.limits.cpu, resources.requests.cpu);
});

const analyze = spawnSync('systemd-analyze', ['--version'], { encoding: 'utf8' });
test('the systemd units pass systemd-analyze verify with no warning', { skip: analyze.status !== 0 && 'systemd-analyze is not installed (Debian package systemd; .ci/run installs it)' }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'mmoe-units-'));
  try {
    copyFileSync(TIMER, join(dir, 'mmoe-train.timer'));
    // verify checks that ExecStart's program exists: where node is elsewhere, point it there.
    const unit = read(SERVICE);
    writeFileSync(join(dir, 'mmoe-train.service'), existsSync('/usr/bin/node') ? unit : unit.replace('/usr/bin/node', process.execPath));
    const r = spawnSync('systemd-analyze', ['verify', '--man=no', join(dir, 'mmoe-train.service'), join(dir, 'mmoe-train.timer')], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr.trim(), '', 'no warning (an unknown key is only a warning)');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('docs/operations.md shows each deploy file as it is, and the same command', () => {
  const doc = read(DOC);
  for (const f of [CRON, SERVICE, TIMER, CRONJOB, PVC]) {
    const m = new RegExp(`<!-- file: ${f.replace(/[.]/g, '\\.')} -->\\n\`\`\`\\w*\\n([\\s\\S]*?)\`\`\`\\n`).exec(doc);
    assert.ok(m, `${DOC} shows ${f}`);
    assert.equal(m[1], read(f), `${DOC} shows ${f} as it is`);
  }
  const night = /## One night\n\n```sh\n([\s\S]*?)```/.exec(doc);
  assert.ok(night);
  assert.deepEqual(mmoeArgs(night[1]!.replace(/\\\n/g, ' ')), cronArgs());
});

test('docs/operations.md and the README document every exit code', () => {
  for (const file of [DOC, 'README.md']) {
    const rows = new Set([...read(file).matchAll(/^\| (\d+) \|/gm)].map((m) => Number(m[1])));
    for (const code of Object.values(ExitCode)) assert.ok(rows.has(code), `${file} documents exit code ${code}`);
  }
});
