// Which storage a location lives on: s3:// URLs on the object store, anything else on local disk.
import { LocalStorage } from './local.js';
import { isS3Url, S3Storage, type S3Settings } from './s3.js';
import type { Storage } from './storage.js';

export type { Listing, LocalCopy, Storage, StoredFile } from './storage.js';
export { isS3Url, type S3Settings } from './s3.js';

export const localStorage: Storage = new LocalStorage();

/** The storage of `location`; S3 settings apply to s3:// locations (one client per call). */
export function storageFor(location: string, s3: S3Settings = {}): Storage {
  return isS3Url(location) ? new S3Storage(s3) : localStorage;
}
