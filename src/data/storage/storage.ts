// Where input files live: one small interface over a local directory tree and an object store
// (s3://bucket/prefix), so partitions, readers and statistics never ask which one it is.
import type { Readable } from 'node:stream';

/** One input file: where it is (a local path or an s3:// URL) and its size in bytes. */
export interface StoredFile {
  path: string;
  bytes: number;
}

/** What a directory (or key prefix) holds directly: files in name order and sub-directory names. */
export interface Listing {
  files: StoredFile[];
  /** Names (not paths) of every entry, files and directories, markers such as `_SUCCESS` included. */
  names: string[];
}

/** A whole file on local disk: the file itself, or a temporary copy removed by release(). */
export interface LocalCopy {
  path: string;
  release(): Promise<void>;
}

export interface Storage {
  /** `local` or `s3`: for messages and metadata. */
  readonly kind: 'local' | 's3';
  /** `dir` + `/` + `name`. */
  join(dir: string, name: string): string;
  /** `path` relative to `dir`, '/'-separated (the hold-out and sampling hashes use it). */
  relative(dir: string, path: string): string;
  /** What `dir` holds directly, or null when there is no such directory (no key under the prefix). */
  list(dir: string): Promise<Listing | null>;
  /** Size of one file; a missing file is a DataError naming it. */
  stat(path: string): Promise<StoredFile>;
  /** The file's bytes as a stream, from `start` (default 0) to the end. */
  open(path: string, start?: number): Promise<Readable>;
  /** The whole file as a local path (readers that need random access, e.g. Parquet). */
  localCopy(path: string): Promise<LocalCopy>;
}

/** Sorted as JavaScript compares strings, on every storage: one stable order for files. */
export function byName<T>(key: (t: T) => string): (a: T, b: T) => number {
  return (a, b) => {
    const x = key(a);
    const y = key(b);
    return x < y ? -1 : x > y ? 1 : 0;
  };
}
