// How many cores this process may use, which is what `--threads auto` sizes thread pools by: the
// CPUs it may run on (os.availableParallelism(): its affinity mask, a cpuset) and, in a container,
// the cgroup's CPU quota (a Kubernetes CPU limit). Node 20's availableParallelism ignores the quota
// (libuv 1.46; libuv reads it itself from 1.49), so a pod limited to 2 CPUs on a 64-core node would
// start 64 threads that take turns on 2 CPUs' worth of time. The memory budget needs no reader of
// its own: process.constrainedMemory() (libuv) reads the cgroup memory limit.
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, posix } from 'node:path';

/** The most threads a `--threads` flag or `training.threads` may ask for. */
export const MAX_THREADS = 256;

export interface CpuQuota {
  /** CPUs' worth of time per period: quota / period (2.5 for `250000 100000`). */
  cpus: number;
  /** The file it was read from. */
  file: string;
}

export interface UsableCores {
  /** min(availableParallelism, the quota rounded down), at least 1. */
  cores: number;
  /** os.availableParallelism(). */
  available: number;
  /** The tightest cgroup CPU quota over this process's cgroup and its ancestors; null: none. */
  quota: CpuQuota | null;
  /** What bounds them, for logs: `cgroup CPU quota 2.0 of 64 cores`. */
  source: string;
  /** For logs: `2 cores usable: cgroup CPU quota 2.0 of 64 cores`. */
  reason: string;
}

/** A thread count and why, for the log: `threads auto: 2 (2 cores usable: cgroup CPU quota 2.0 of 64 cores)`. */
export interface ThreadChoice {
  threads: number;
  message: string;
}

export interface CgroupRoot {
  /** Where `proc/` and `sys/fs/cgroup/` are looked for: `/` but in tests. */
  root?: string;
}

function readText(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return null; // absent (no cgroup, not Linux) or unreadable: no limit known from it
  }
}

/**
 * This process's cgroup in each hierarchy (/proc/self/cgroup: `id:controllers:path`, the cgroup v2
 * line being `0::/path`), by controller; `''` is v2's. Absent file: none.
 */
function ownCgroups(root: string): Map<string, string> {
  const paths = new Map<string, string>();
  for (const line of (readText(join(root, 'proc/self/cgroup')) ?? '').split('\n')) {
    const m = /^\d+:([^:]*):(.+)$/.exec(line);
    if (!m) continue;
    for (const c of m[1]!.split(',')) if (!paths.has(c)) paths.set(c, m[2]!);
  }
  return paths;
}

/**
 * The directories of a cgroup and of its ancestors up to the mount point. A limit on an ancestor
 * binds its descendants too (systemd slices, a pod above its containers), and in a container the
 * mount point is the container's own cgroup while /proc/self/cgroup may name the host's path for
 * it (cgroup v1 without a cgroup namespace): such a path does not exist under the mount and the
 * walk ends at the mount point, which holds the container's limit.
 */
function selfAndAncestors(mount: string, path: string): string[] {
  const dirs: string[] = [];
  for (let p = posix.normalize(`/${path}`); ; p = posix.dirname(p)) {
    dirs.push(join(mount, p));
    if (p === '/') return dirs;
  }
}

/** cgroup v2 `cpu.max`: `max 100000` (no limit) or `200000 100000` (2 CPUs). */
function v2Quota(dir: string): CpuQuota | null {
  const file = join(dir, 'cpu.max');
  const [quota, period] = (readText(file) ?? '').trim().split(/\s+/);
  return quotaOf(Number(quota), Number(period ?? 100000), file);
}

/** cgroup v1 `cpu.cfs_quota_us` (-1: no limit) over `cpu.cfs_period_us`. */
function v1Quota(dir: string): CpuQuota | null {
  const file = join(dir, 'cpu.cfs_quota_us');
  const quota = readText(file);
  return quota === null ? null : quotaOf(Number(quota.trim()), Number(readText(join(dir, 'cpu.cfs_period_us'))?.trim()), file);
}

function quotaOf(quota: number, period: number, file: string): CpuQuota | null {
  return quota > 0 && period > 0 ? { cpus: quota / period, file } : null; // `max`, -1, or unreadable: no limit
}

/**
 * The tightest CPU quota on this process's cgroup and its ancestors, in cgroup v2 (the unified
 * hierarchy at /sys/fs/cgroup) or v1 (the cpu controller at /sys/fs/cgroup/cpu or cpu,cpuacct).
 */
export function cgroupCpuQuota(options: CgroupRoot = {}): CpuQuota | null {
  const root = options.root ?? '/';
  const own = ownCgroups(root);
  const base = join(root, 'sys/fs/cgroup');
  const found = [
    ...selfAndAncestors(base, own.get('') ?? '/').map(v2Quota),
    ...['cpu', 'cpu,cpuacct', 'cpuacct,cpu'].flatMap((m) => selfAndAncestors(join(base, m), own.get('cpu') ?? '/').map(v1Quota)),
  ];
  return found.reduce<CpuQuota | null>((least, q) => (q && (!least || q.cpus < least.cpus) ? q : least), null);
}

export const plural = (n: number, one: string): string => `${n} ${one}${n === 1 ? '' : 's'}`;
const cpusText = (cpus: number) => (Number.isInteger(cpus) ? cpus.toFixed(1) : String(Math.round(cpus * 100) / 100));

/** The cores this process may use: min(availableParallelism(), the cgroup CPU quota rounded down), at least 1. */
export function usableCores(options: CgroupRoot & { available?: number } = {}): UsableCores {
  const available = options.available ?? availableParallelism();
  const quota = cgroupCpuQuota(options);
  const cores = quota ? Math.max(1, Math.min(available, Math.floor(quota.cpus))) : available;
  const source = !quota
    ? 'os.availableParallelism(), no cgroup CPU quota'
    : quota.cpus < available
      ? `cgroup CPU quota ${cpusText(quota.cpus)} of ${plural(available, 'core')}`
      : `os.availableParallelism(), under the cgroup CPU quota of ${cpusText(quota.cpus)}`;
  return { cores, available, quota, source, reason: `${plural(cores, 'core')} usable: ${source}` };
}

/** What the log records beside a thread count. */
export function coresFields(usable: UsableCores): { usableCores: number; availableParallelism: number; cpuQuota: number | null } {
  return { usableCores: usable.cores, availableParallelism: usable.available, cpuQuota: usable.quota?.cpus ?? null };
}

/**
 * `threads 8 (--threads) is more than the 2 cores usable (cgroup CPU quota 2.0 of 64 cores)` for a
 * thread count set above the usable cores, or null. Allowed (what the thread pool costs then is
 * the caller's to say), but worth a warning.
 */
export function beyondCores(threads: number | 'auto', usable: UsableCores, setBy: string): string | null {
  if (threads === 'auto' || threads <= usable.cores) return null;
  return `threads ${threads} (${setBy}) is more than the ${plural(usable.cores, 'core')} usable (${usable.source})`;
}
