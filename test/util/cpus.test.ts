import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { beyondCores, cgroupCpuQuota, usableCores } from '../../src/util/cpus.js';
import { coresUnderQuota, fakeCgroupRoot } from './fake-cgroup.js';

const base = mkdtempSync(join(tmpdir(), 'mmoe-cpus-'));
after(() => rmSync(base, { recursive: true, force: true }));

let n = 0;
const fakeRoot = (files: Record<string, string>) => fakeCgroupRoot(join(base, String(n++)), files);

test('cgroup v2: cpu.max "200000 100000" is 2 CPUs, "max 100000" no limit; the cores are the quota rounded down, at least 1', () => {
  const two = fakeRoot({ 'proc/self/cgroup': '0::/\n', 'sys/fs/cgroup/cpu.max': '200000 100000\n' });
  assert.deepEqual(cgroupCpuQuota({ root: two }), { cpus: 2, file: join(two, 'sys/fs/cgroup/cpu.max') });
  assert.deepEqual(usableCores({ root: two, available: 64 }), {
    cores: 2,
    available: 64,
    quota: { cpus: 2, file: join(two, 'sys/fs/cgroup/cpu.max') },
    source: 'cgroup CPU quota 2.0 of 64 cores',
    reason: '2 cores usable: cgroup CPU quota 2.0 of 64 cores',
  });

  const none = fakeRoot({ 'proc/self/cgroup': '0::/\n', 'sys/fs/cgroup/cpu.max': 'max 100000\n' });
  assert.equal(cgroupCpuQuota({ root: none }), null);
  assert.equal(usableCores({ root: none, available: 64 }).cores, 64);
  assert.equal(usableCores({ root: none, available: 64 }).reason, '64 cores usable: os.availableParallelism(), no cgroup CPU quota');

  const half = fakeRoot({ 'proc/self/cgroup': '0::/\n', 'sys/fs/cgroup/cpu.max': '50000 100000\n' });
  assert.equal(usableCores({ root: half, available: 64 }).cores, 1, 'half a CPU is still one thread');
  assert.equal(usableCores({ root: half, available: 64 }).reason, '1 core usable: cgroup CPU quota 0.5 of 64 cores');
  const fraction = fakeRoot({ 'proc/self/cgroup': '0::/\n', 'sys/fs/cgroup/cpu.max': '250000 100000\n' });
  assert.equal(usableCores({ root: fraction, available: 64 }).cores, 2, '2.5 CPUs: 2 threads');
  assert.equal(usableCores({ root: fraction, available: 64 }).source, 'cgroup CPU quota 2.5 of 64 cores');
});

test('cgroup v2 nested: the process\'s own cgroup from /proc/self/cgroup, and the tightest limit of it and its ancestors', () => {
  const root = fakeRoot({
    'proc/self/cgroup': '0::/kubepods.slice/pod7/ctr\n',
    'sys/fs/cgroup/cpu.max': '800000 100000\n', // the root is an ancestor too: read, looser
    'sys/fs/cgroup/kubepods.slice/cpu.max': 'max 100000\n',
    'sys/fs/cgroup/kubepods.slice/pod7/cpu.max': '150000 100000\n',
    'sys/fs/cgroup/kubepods.slice/pod7/ctr/cpu.max': 'max 100000\n',
    'sys/fs/cgroup/other/cpu.max': '10000 100000\n', // another cgroup's: not read
  });
  assert.deepEqual(cgroupCpuQuota({ root }), { cpus: 1.5, file: join(root, 'sys/fs/cgroup/kubepods.slice/pod7/cpu.max') });
  assert.equal(usableCores({ root, available: 64 }).reason, '1 core usable: cgroup CPU quota 1.5 of 64 cores');
  const own = fakeRoot({
    'proc/self/cgroup': '0::/a/b\n',
    'sys/fs/cgroup/a/cpu.max': '400000 100000\n',
    'sys/fs/cgroup/a/b/cpu.max': '300000 50000\n', // its own period
  });
  assert.equal(cgroupCpuQuota({ root: own })?.cpus, 4, 'the parent (4) is tighter than the child (6)');
});

test('cgroup v1: cpu.cfs_quota_us over cpu.cfs_period_us under cpu or cpu,cpuacct, -1 no limit; a host path the container does not see ends at its mount', () => {
  const nested = fakeRoot({
    'proc/self/cgroup': '5:memory:/user.slice\n4:cpu,cpuacct:/user.slice/job\n',
    'sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us': '-1\n',
    'sys/fs/cgroup/cpu,cpuacct/cpu.cfs_period_us': '100000\n',
    'sys/fs/cgroup/cpu,cpuacct/user.slice/job/cpu.cfs_quota_us': '300000\n',
    'sys/fs/cgroup/cpu,cpuacct/user.slice/job/cpu.cfs_period_us': '100000\n',
  });
  assert.equal(cgroupCpuQuota({ root: nested })?.cpus, 3);
  assert.equal(usableCores({ root: nested, available: 16 }).reason, '3 cores usable: cgroup CPU quota 3.0 of 16 cores');

  // Docker on cgroup v1 without a cgroup namespace: /proc/self/cgroup names the host's path, the
  // mount is the container's own cgroup.
  const docker = fakeRoot({
    'proc/self/cgroup': '3:cpu:/docker/0123abcd\n2:cpuacct:/docker/0123abcd\n',
    'sys/fs/cgroup/cpu/cpu.cfs_quota_us': '400000\n',
    'sys/fs/cgroup/cpu/cpu.cfs_period_us': '100000\n',
  });
  assert.equal(cgroupCpuQuota({ root: docker })?.cpus, 4);
  assert.equal(usableCores({ root: docker, available: 2 }).cores, 2, 'fewer CPUs than the quota: the CPUs');
  assert.equal(usableCores({ root: docker, available: 2 }).reason, '2 cores usable: os.availableParallelism(), under the cgroup CPU quota of 4.0');

  const unlimited = fakeRoot({ 'proc/self/cgroup': '3:cpu:/\n', 'sys/fs/cgroup/cpu/cpu.cfs_quota_us': '-1\n', 'sys/fs/cgroup/cpu/cpu.cfs_period_us': '100000\n' });
  assert.equal(cgroupCpuQuota({ root: unlimited }), null);
});

test('no cgroup files (not Linux, no cgroup mounted), or unreadable ones: no quota, the CPUs', () => {
  assert.equal(cgroupCpuQuota({ root: fakeRoot({}) }), null);
  assert.equal(usableCores({ root: fakeRoot({}), available: 3 }).cores, 3);
  const garbled = fakeRoot({ 'proc/self/cgroup': 'garbage\n0::/\n', 'sys/fs/cgroup/cpu.max': 'lots\n', 'sys/fs/cgroup/cpu/cpu.cfs_quota_us': '100000\n' });
  assert.equal(cgroupCpuQuota({ root: garbled }), null, 'a v1 quota without its period is no limit known');
});

test('this machine: between 1 and os.availableParallelism() cores', () => {
  const here = usableCores();
  assert.ok(here.cores >= 1 && here.cores <= availableParallelism(), `${here.cores} cores (${here.reason})`);
  assert.equal(here.available, availableParallelism());
  assert.match(here.reason, /^\d+ cores? usable: /);
});

test('a thread count above the usable cores is named with them; at or below them, or auto, is not', () => {
  const usable = coresUnderQuota(join(base, 'beyond'), 2, 64);
  assert.equal(beyondCores(3, usable, '--threads'), 'threads 3 (--threads) is more than the 2 cores usable (cgroup CPU quota 2.0 of 64 cores)');
  assert.equal(beyondCores(2, usable, '--threads'), null);
  assert.equal(beyondCores('auto', usable, '--threads'), null);
});
