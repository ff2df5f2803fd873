// Fake roots for util/cpus.ts's cgroup readers: proc/self/cgroup and sys/fs/cgroup files written
// under a directory, as they would be under `/`.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { type UsableCores, usableCores } from '../../src/util/cpus.js';

/** Writes `files` (paths relative to `root`) and returns `root`. */
export function fakeCgroupRoot(root: string, files: Record<string, string>): string {
  mkdirSync(root, { recursive: true });
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

/** The cores of a process limited by a cgroup v2 CPU quota of `cpus` on a machine of `available` cores (a fake root at `root`). */
export function coresUnderQuota(root: string, cpus: number, available: number): UsableCores {
  fakeCgroupRoot(root, { 'proc/self/cgroup': '0::/\n', 'sys/fs/cgroup/cpu.max': `${Math.round(cpus * 100000)} 100000\n` });
  return usableCores({ root, available });
}
