// Transparent huge pages for embedding tables. At 10^6 buckets per field the tables of a wide
// model are gigabytes, and every row a step gathers or updates is a TLB miss whose page walk also
// misses the cache; with 2 MiB pages the whole table fits the TLB's reach. Most Linux kernels give
// anonymous memory huge pages only where it was asked for (transparent_hugepage/enabled =
// madvise), which JavaScript cannot ask: native/huge-pages.c (built by `npm ci` where a compiler
// is, optional elsewhere) calls madvise(MADV_HUGEPAGE) before the table's pages are first written.
// Without it training is the same, only slower on tables far beyond the cache.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../paths.js';

/**
 * Tables smaller than this stay in ordinary pages: the TLB's reach covers much of them, and 32 MiB
 * is glibc's largest mmap threshold, so a table this large is always a fresh mapping of its own
 * (never heap memory already written, whose advice would outlive the table).
 */
export const HUGE_PAGE_MIN_BYTES = 32 << 20;

/** The addon's path in the package (what `npm ci` builds). */
export const ADDON_PATH = join(PACKAGE_ROOT, 'native', 'build', 'Release', 'huge_pages.node');

interface Addon {
  /** madvise(MADV_HUGEPAGE) over the array's whole pages: bytes advised, or -errno. */
  advise(a: ArrayBufferView): number;
  /** The first page-aligned address inside the array (tests find its mapping in /proc/self/smaps). */
  address(a: ArrayBufferView): bigint;
}

/** Whether tables get huge pages here, and why not when they do not. */
export interface HugePageSupport {
  /** Tables are advised (or the kernel gives every mapping huge pages). */
  on: boolean;
  /** The kernel's policy: always, madvise, never, or none (no transparent huge pages). */
  policy: string;
  /** Why tables stay in 4 KiB pages (null when on). */
  reason: string | null;
}

let loaded: { addon: Addon | null; support: HugePageSupport } | undefined;
/** Set by benchmarks that compare both kinds of pages in one process (setHugePages). */
let disabled = false;
/** Why the last advice was refused by the kernel, if it was. */
let adviseFailure: string | null = null;

function kernelPolicy(): string {
  try {
    return /\[(\w+)\]/.exec(readFileSync('/sys/kernel/mm/transparent_hugepage/enabled', 'utf8'))?.[1] ?? 'none';
  } catch {
    return 'none';
  }
}

/**
 * Whether a process whose /proc/<pid>/status reads `status` may have huge pages at all (prctl
 * PR_SET_THP_DISABLE, set by some service managers and container runtimes, makes THP_enabled 0).
 */
export function thpAllowed(status: string): boolean {
  return !/^THP_enabled:\s*0\s*$/m.test(status);
}

function processAllows(): boolean {
  try {
    return thpAllowed(readFileSync('/proc/self/status', 'utf8'));
  } catch {
    return true;
  }
}

function load(): { addon: Addon | null; support: HugePageSupport } {
  if (loaded) return loaded;
  const policy = process.platform === 'linux' ? kernelPolicy() : 'none';
  const off = (reason: string) => ({ addon: null, support: { on: false, policy, reason } });
  if (process.env.MMOE_HUGE_PAGES === '0') loaded = off('MMOE_HUGE_PAGES=0');
  else if (policy !== 'none' && !processAllows()) loaded = off('transparent huge pages are disabled for this process (THP_enabled 0 in /proc/self/status: prctl PR_SET_THP_DISABLE)');
  else if (policy === 'always') loaded = { addon: null, support: { on: true, policy, reason: null } };
  else if (policy !== 'madvise') loaded = off(policy === 'none' ? 'this system has no transparent huge pages' : `the kernel's transparent huge pages are '${policy}'`);
  else {
    try {
      loaded = { addon: createRequire(import.meta.url)(ADDON_PATH) as Addon, support: { on: true, policy, reason: null } };
    } catch (err) {
      const first = (err as Error).message.split('\n')[0];
      loaded = off(`the huge-page addon does not load (${first}); build it with a C compiler: npm run build:native`);
    }
  }
  return loaded;
}

/** Whether tables get huge pages in this process. */
export function hugePageSupport(): HugePageSupport {
  return load().support;
}

/**
 * Asks for huge pages over a freshly allocated table, before its pages are first written. True
 * when the table is in huge pages (advised, or the kernel's policy is always); small tables and
 * unsupported systems get false and keep working in ordinary pages.
 */
export function adviseHugePages(table: Float32Array): boolean {
  if (table.byteLength < HUGE_PAGE_MIN_BYTES || disabled) return false;
  const { addon, support } = load();
  if (!support.on) return false;
  if (addon === null) return true;
  const advised = addon.advise(table);
  if (advised < 0) adviseFailure = `madvise(MADV_HUGEPAGE) failed with errno ${-advised}`;
  return advised > 0;
}

/** Off: tables allocated from now on stay in ordinary pages (benchmarks compare both in one process). */
export function setHugePages(on: boolean): void {
  disabled = !on;
}

/** The loaded addon, for tests that read the kernel's own account of a table's pages. */
export function hugePageAddon(): Addon | null {
  return load().addon;
}

/** What a run's metadata says of its tables' pages. */
export interface TablePages {
  /** Bytes of the embedding tables with their optimizer slots. */
  bytes: number;
  /** Of those, bytes asked to be in transparent huge pages (the kernel gives them where it has 2 MiB pages free: /proc/<pid>/smaps tells). */
  hugePageBytes: number;
  /** Why the rest are in ordinary pages (null when none is of a size that gains from huge pages). */
  ordinaryPagesReason: string | null;
}

/** The account of `EmbeddingTables.pages` for metadata and the run log. */
export function tablePages(pages: { bytes: number; hugeBytes: number }): TablePages {
  const support = hugePageSupport();
  const rest = pages.bytes - pages.hugeBytes;
  return {
    bytes: pages.bytes,
    hugePageBytes: pages.hugeBytes,
    ordinaryPagesReason: rest < HUGE_PAGE_MIN_BYTES ? null : (support.reason ?? adviseFailure ?? 'tables below 32 MiB stay in ordinary pages'),
  };
}
