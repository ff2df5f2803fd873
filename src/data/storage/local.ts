// Files on a local (or mounted) file system.
import { createReadStream, type Dirent, readdirSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { DataError } from '../../errors.js';
import { byName, type Listing, type LocalCopy, type Storage, type StoredFile } from './storage.js';

const CHUNK_BYTES = 1 << 16;

export class LocalStorage implements Storage {
  readonly kind = 'local' as const;

  join(dir: string, name: string): string {
    return join(dir, name);
  }

  relative(dir: string, path: string): string {
    return relative(dir, path).split(sep).join('/');
  }

  async list(dir: string): Promise<Listing | null> {
    const st = statSync(dir, { throwIfNoEntry: false });
    if (!st?.isDirectory()) return null;
    const entries: Dirent[] = readdirSync(dir, { withFileTypes: true });
    const files: StoredFile[] = [];
    for (const e of entries) {
      const path = join(dir, e.name);
      // Symbolic links count as what they point to; one pointing nowhere may hide a missing file.
      const target = e.isSymbolicLink() ? statSync(path, { throwIfNoEntry: false }) : e;
      if (!target && !e.name.startsWith('.') && !e.name.startsWith('_'))
        throw new DataError('symbolic link to a file that does not exist; restore the file or remove the link', { file: path });
      if (target?.isFile()) files.push({ path, bytes: statSync(path).size });
    }
    return { files: files.sort(byName((f) => f.path)), names: entries.map((e) => e.name).sort() };
  }

  async stat(path: string): Promise<StoredFile> {
    const st = statSync(path, { throwIfNoEntry: false });
    if (!st?.isFile()) throw new DataError(st ? 'not a file' : 'file does not exist', { file: path });
    return { path, bytes: st.size };
  }

  async open(path: string, start = 0): Promise<Readable> {
    return createReadStream(path, { highWaterMark: CHUNK_BYTES, start });
  }

  async localCopy(path: string): Promise<LocalCopy> {
    return { path, release: async () => {} };
  }
}
