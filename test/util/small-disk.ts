// A directory on a nearly full disk, for tests of what a full disk does: a small tmpfs mounted
// there where this process may mount one (root on Linux), else an injected failure: writes to
// files under the directory past a byte budget fail with ENOSPC (node:fs patched, and the patch
// synced into ESM imports). `how` says which; tests put it in their names and diagnostics.
// MMOE_TEST_DISK=injected forces the fallback (to test it where mounting works).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve, sep } from 'node:path';

export type DiskKind = 'tmpfs' | 'injected';

function tryMount(dir: string, bytes: number): boolean {
  if (process.env.MMOE_TEST_DISK === 'injected') return false;
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${bytes}`, 'tmpfs', dir], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Whether small tmpfs disks can be mounted here (decided once, with a probe mount). */
export const diskKind: DiskKind = (() => {
  const probe = fs.mkdtempSync(join(tmpdir(), 'mmoe-probe-'));
  const ok = tryMount(probe, 64 * 1024);
  if (ok) execFileSync('umount', [probe]);
  fs.rmSync(probe, { recursive: true, force: true });
  return ok ? 'tmpfs' : 'injected';
})();

export interface SmallDisk {
  dir: string;
  how: DiskKind;
  /** Leaves about `bytes` free for new files under `dir` (a filler file on tmpfs, a budget when injected). */
  leave(bytes: number): void;
  /** Unmounts the tmpfs, or restores node:fs. */
  release(): void;
}

export interface InjectedDisk extends SmallDisk {
  /** The disk is full from the first write whose text matches `when` on (an exact moment, e.g. one log line); until then it has room. */
  fullFrom(when: RegExp): void;
}

function enospc(): NodeJS.ErrnoException {
  return Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28, syscall: 'write' });
}

/** A nearly full disk of `size` bytes at a new directory under `parent`. */
export function smallDisk(parent: string, size = 4 << 20): SmallDisk {
  const dir = fs.mkdtempSync(join(parent, 'disk-'));
  if (diskKind === 'tmpfs' && tryMount(dir, size)) {
    const filler = join(dir, '.filler');
    return {
      dir,
      how: 'tmpfs',
      leave(bytes) {
        fs.rmSync(filler, { force: true });
        const st = fs.statfsSync(dir);
        const fill = Math.max(0, st.bavail * st.bsize - bytes);
        const fd = fs.openSync(filler, 'w');
        const chunk = Buffer.alloc(1 << 16);
        try {
          for (let done = 0; done < fill; ) done += fs.writeSync(fd, chunk, 0, Math.min(chunk.length, fill - done));
        } finally {
          fs.closeSync(fd);
        }
      },
      release() {
        execFileSync('umount', ['-l', dir]);
        fs.rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  return injectedDisk(parent, dir);
}

/** Always the injected kind: for a failure at an exact moment, which no real disk can time. */
export function injectedDisk(parent: string, dir = fs.mkdtempSync(join(parent, 'disk-'))): InjectedDisk {
  const root = resolve(dir) + sep;
  const under = (p: unknown): boolean => typeof p === 'string' && resolve(p).startsWith(root);
  let budget = Number.POSITIVE_INFINITY;
  let trigger: RegExp | null = null;
  const fds = new Set<number>();
  const spend = (n: number, data?: unknown): boolean => {
    if (trigger && data !== undefined && trigger.test(typeof data === 'string' ? data : Buffer.from(data as Uint8Array).toString('latin1'))) budget = 0;
    return budget >= n ? ((budget -= n), true) : ((budget = 0), false);
  };
  const patched = ['openSync', 'open', 'closeSync', 'close', 'writeSync', 'write', 'writev', 'writeFileSync', 'appendFileSync'] as const;
  const real = Object.fromEntries(patched.map((k) => [k, fs[k]])) as Pick<typeof fs, (typeof patched)[number]>;
  const f = fs as unknown as Record<string, (...a: unknown[]) => unknown>;
  const sizeOf = (data: unknown): number => (typeof data === 'string' ? Buffer.byteLength(data) : (data as ArrayBufferView).byteLength);
  f.openSync = (...a) => {
    const fd = (real.openSync as (...x: unknown[]) => number)(...a);
    if (under(a[0])) fds.add(fd);
    return fd;
  };
  f.open = (...a) => {
    const cb = a.pop() as (e: unknown, fd?: number) => void;
    (real.open as (...x: unknown[]) => void)(...a, (e: unknown, fd?: number) => {
      if (!e && under(a[0])) fds.add(fd!);
      cb(e, fd);
    });
  };
  f.closeSync = (fd) => {
    fds.delete(fd as number);
    return real.closeSync(fd as number);
  };
  f.close = (fd, cb) => {
    fds.delete(fd as number);
    return (real.close as (...x: unknown[]) => void)(fd, cb);
  };
  f.writeSync = (...a) => {
    const fd = a[0] as number;
    if (fds.has(fd)) {
      const n = typeof a[1] === 'string' ? Buffer.byteLength(a[1]) : typeof a[3] === 'number' ? (a[3] as number) : sizeOf(a[1]);
      if (!spend(n, a[1])) throw enospc();
    }
    return (real.writeSync as (...x: unknown[]) => number)(...a);
  };
  f.write = (...a) => {
    const fd = a[0] as number;
    const cb = a[a.length - 1] as (e: unknown) => void;
    if (fds.has(fd)) {
      const n = typeof a[1] === 'string' ? Buffer.byteLength(a[1]) : typeof a[3] === 'number' ? (a[3] as number) : sizeOf(a[1]);
      if (!spend(n, a[1])) return void process.nextTick(cb, enospc());
    }
    return (real.write as (...x: unknown[]) => void)(...a);
  };
  f.writev = (...a) => {
    const fd = a[0] as number;
    const cb = a[a.length - 1] as (e: unknown) => void;
    if (fds.has(fd) && !spend((a[1] as ArrayBufferView[]).reduce((s, b) => s + b.byteLength, 0))) return void process.nextTick(cb, enospc());
    return (real.writev as (...x: unknown[]) => void)(...a);
  };
  for (const name of ['writeFileSync', 'appendFileSync'] as const) {
    f[name] = (...a) => {
      if (under(a[0]) && !spend(sizeOf(a[1]), a[1])) throw enospc();
      return (real[name] as (...x: unknown[]) => unknown)(...a);
    };
  }
  syncBuiltinESMExports();
  return {
    dir,
    how: 'injected',
    leave(bytes) {
      budget = bytes;
    },
    fullFrom(when) {
      trigger = when;
      budget = Number.POSITIVE_INFINITY;
    },
    release() {
      Object.assign(fs, real);
      syncBuiltinESMExports();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
