// Objects in S3 or an S3-compatible store (s3://bucket/prefix), through @aws-sdk/client-s3 with the
// usual AWS configuration (environment, shared config and credentials files, AWS_PROFILE).
//
// Reads stream: a GET's body goes straight to the consumer, never buffered whole. The SDK retries
// failed requests with backoff; a body that breaks off mid-read (a dropped connection, a restarted
// server) is resumed here with a ranged GET from the byte reached, pinned to the object's ETag so
// a replaced object is never stitched onto the old one. Every failure is a DataError naming the
// object.
import { type FileHandle, mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { createWriteStream, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { DataError } from '../../errors.js';
import { byName, type Listing, type LocalCopy, type Storage, type StoredFile } from './storage.js';

/** How to reach the store; whatever is absent comes from the usual AWS configuration. */
export interface S3Settings {
  /** An S3-compatible endpoint (--s3-endpoint, AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL); path-style addressing then. */
  endpoint?: string;
  /** Region (AWS_REGION); an explicit endpoint without one uses us-east-1. */
  region?: string;
  /** Attempts per request, the first included (AWS_MAX_ATTEMPTS; default 5). */
  maxAttempts?: number;
  /** Delay before the first retry of a broken read, doubled for each further one (default 200 ms). */
  retryBaseMs?: number;
  /**
   * Whether the SDK asks EC2's instance metadata service for credentials (AWS_EC2_METADATA_DISABLED,
   * which the SDK reads itself): only says what to do when no credentials are found.
   */
  instanceMetadata?: boolean;
}

export function isS3Url(location: string): boolean {
  return location.startsWith('s3://');
}

/** `s3://bucket/a/b` -> { bucket, key: 'a/b' }. */
export function parseS3Url(url: string): { bucket: string; key: string } {
  const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(url);
  if (!m) throw new DataError(`not an S3 URL: expected s3://bucket/prefix`, { file: url });
  return { bucket: m[1]!, key: m[2]! };
}

const DEFAULT_ATTEMPTS = 5;
/** Times a broken body is resumed (each resume is a request the SDK retries in turn). */
const RESUMES = 3;

export class S3Storage implements Storage {
  readonly kind = 's3' as const;
  private readonly client: S3Client;
  private readonly attempts: number;
  private readonly retryBaseMs: number;
  private readonly where: string;
  private readonly instanceMetadata: boolean | undefined;

  constructor(settings: S3Settings = {}) {
    this.attempts = settings.maxAttempts ?? DEFAULT_ATTEMPTS;
    this.instanceMetadata = settings.instanceMetadata;
    this.retryBaseMs = settings.retryBaseMs ?? 200;
    this.where = settings.endpoint ?? 'AWS S3';
    const config: S3ClientConfig = {
      maxAttempts: this.attempts,
      requestHandler: { connectionTimeout: 10_000, requestTimeout: 60_000 },
    };
    if (settings.endpoint) {
      config.endpoint = settings.endpoint;
      config.forcePathStyle = true;
      config.region = settings.region ?? 'us-east-1';
    } else if (settings.region) config.region = settings.region;
    this.client = new S3Client(config);
  }

  /** Closes the client's connections. */
  close(): void {
    this.client.destroy();
  }

  join(dir: string, name: string): string {
    return `${dir.replace(/\/+$/, '')}/${name}`;
  }

  relative(dir: string, path: string): string {
    const base = `${dir.replace(/\/+$/, '')}/`;
    return path.startsWith(base) ? path.slice(base.length) : path;
  }

  async list(dir: string): Promise<Listing | null> {
    const { bucket, key } = parseS3Url(dir);
    const prefix = key === '' ? '' : `${key.replace(/\/+$/, '')}/`;
    const files: StoredFile[] = [];
    const names: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.send(dir, () =>
        this.client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, Delimiter: '/', ContinuationToken: token })),
      );
      for (const o of page.Contents ?? []) {
        const name = o.Key!.slice(prefix.length);
        if (name === '') continue; // a "directory marker" object some tools write
        names.push(name);
        files.push({ path: `s3://${bucket}/${o.Key!}`, bytes: o.Size ?? 0 });
      }
      for (const p of page.CommonPrefixes ?? []) names.push(p.Prefix!.slice(prefix.length).replace(/\/$/, ''));
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    if (names.length === 0) return null;
    return { files: files.sort(byName((f) => f.path)), names: names.sort() };
  }

  async stat(path: string): Promise<StoredFile> {
    const { bucket, key } = parseS3Url(path);
    const head = await this.send(path, () => this.client.send(new HeadObjectCommand({ Bucket: bucket, Key: key })));
    return { path, bytes: head.ContentLength ?? 0 };
  }

  async open(path: string, start = 0): Promise<Readable> {
    const stream = new ObjectStream(this, path, start);
    await stream.connect();
    return stream;
  }

  /**
   * Where /proc/self/fd exists (Linux) the copy has no name while it is used: its file is unlinked
   * as soon as it is opened and read through /proc/self/fd/N, so nothing (SIGKILL, the OOM killer,
   * a second Ctrl-C, Node's default SIGINT) can leave a copy of a large object on the disk.
   */
  async localCopy(path: string): Promise<LocalCopy> {
    const dir = await mkdtemp(join(tmpdir(), 'mmoe-s3-'));
    let handle: FileHandle | null = null;
    const release = async (): Promise<void> => {
      await handle?.close();
      handle = null;
      await rm(dir, { recursive: true, force: true });
    };
    try {
      const local = join(dir, path.slice(path.lastIndexOf('/') + 1) || 'object');
      if (!existsSync('/proc/self/fd')) {
        await pipeline(await this.open(path), createWriteStream(local));
        return { path: local, release };
      }
      handle = await open(local, 'w+');
      await rm(dir, { recursive: true, force: true });
      // writeFile, not handle.createWriteStream({ autoClose: false }): such a stream keeps a
      // reference on the handle that its close() waits for, forever.
      await writeFile(handle, await this.open(path));
      return { path: `/proc/self/fd/${handle.fd}`, release };
    } catch (err) {
      await release();
      if (err instanceof DataError) throw err;
      throw new DataError(`cannot copy the object to a temporary file in ${tmpdir()}: ${(err as Error).message}`, { file: path }, { cause: err });
    }
  }

  /** One GET of `path` from byte `start` (pinned to `etag` when given): its body, length and ETag. */
  async get(path: string, start: number, etag?: string): Promise<{ body: Readable; end: number; etag?: string }> {
    const { bucket, key } = parseS3Url(path);
    const r = await this.send(path, () =>
      this.client.send(new GetObjectCommand({ Bucket: bucket, Key: key, Range: start > 0 ? `bytes=${start}-` : undefined, IfMatch: etag })),
    );
    return { body: r.Body as Readable, end: start + (r.ContentLength ?? 0), etag: r.ETag };
  }

  /** Sends a request (the SDK retries it), mapping whatever fails to a DataError naming the object. */
  async send<T>(path: string, request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (err) {
      throw s3Problem(err, path, this.where, this.instanceMetadata);
    }
  }

  /** Waits before retry `attempt` (1-based) of a broken read: base x 2^(attempt-1). */
  backoff(attempt: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, this.retryBaseMs * 2 ** (attempt - 1)));
  }

}

/**
 * An object's bytes from `start` to its end. A body that errors or ends short is resumed from the
 * byte reached, each time after a doubling delay; the read fails after RESUMES breaks in a row
 * with no byte in between (a long object over a flaky network may break more often than that in
 * all). A resume the store answers with a final no (the object replaced, gone or denied) fails at
 * once with that answer.
 */
class ObjectStream extends Readable {
  private body: Readable | null = null;
  private offset: number;
  private end = 0;
  private etag: string | undefined;
  /** Breaks since the last byte arrived. */
  private failures = 0;

  constructor(
    private readonly storage: S3Storage,
    private readonly path: string,
    start: number,
  ) {
    super({ highWaterMark: 1 << 16 });
    this.offset = start;
  }

  /** Opens (or reopens) the body at the current offset. */
  async connect(): Promise<void> {
    const r = await this.storage.get(this.path, this.offset, this.etag);
    this.etag ??= r.etag;
    this.end = r.end;
    this.attach(r.body);
  }

  private attach(body: Readable): void {
    this.body = body;
    body.on('data', (chunk: Buffer) => {
      this.failures = 0;
      this.offset += chunk.length;
      if (!this.push(chunk)) body.pause();
    });
    body.on('end', () => {
      if (this.offset >= this.end) this.push(null);
      else void this.resume_(new Error(`the body ended at byte ${this.offset} of ${this.end}`));
    });
    body.on('error', (err) => void this.resume_(err));
  }

  private async resume_(cause: Error): Promise<void> {
    const body = this.body;
    this.body = null;
    body?.removeAllListeners();
    body?.on('error', () => {});
    body?.destroy();
    if (this.destroyed) return;
    if (++this.failures > RESUMES) {
      this.destroy(
        new DataError(`reading the object broke off at byte ${this.offset} of ${this.end} and ${RESUMES} attempts in a row to resume it failed: ${cause.message}`, { file: this.path }, { cause }),
      );
      return;
    }
    await this.storage.backoff(this.failures);
    try {
      await this.connect();
    } catch (err) {
      if (isFinalAnswer(err)) this.destroy(err as Error);
      else void this.resume_(err as Error);
    }
  }

  override _read(): void {
    this.body?.resume();
  }

  override _destroy(err: Error | null, callback: (error?: Error | null) => void): void {
    const body = this.body;
    this.body = null;
    body?.removeAllListeners();
    body?.on('error', () => {});
    body?.destroy();
    callback(err);
  }
}

interface SdkError {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  $fault?: string;
}

/**
 * A request the store answered with a client error (replaced object, missing object, denied read):
 * the SDK retried what was transient, and asking again cannot help.
 */
function isFinalAnswer(err: unknown): boolean {
  const status = ((err as { cause?: SdkError }).cause ?? (err as SdkError)).$metadata?.httpStatusCode;
  return status !== undefined && status >= 400 && status < 500 && status !== 408 && status !== 429;
}

const CREDENTIAL_ERRORS = new Set(['InvalidAccessKeyId', 'SignatureDoesNotMatch', 'InvalidToken', 'ExpiredToken', 'TokenRefreshRequired']);

/** Where credentials can come from, and what to do about the instance metadata service when it was (not) asked. */
function credentialAdvice(instanceMetadata: boolean | undefined): string {
  const sources = 'set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE (a profile of ~/.aws/config or ~/.aws/credentials), or AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN';
  if (instanceMetadata === false) return `${sources}; to use this EC2 instance's role, set AWS_EC2_METADATA_DISABLED=false`;
  if (instanceMetadata === true) return `${sources}; the EC2 instance metadata service was asked too and gave none (off EC2, or no role attached to the instance)`;
  return sources;
}

/** What went wrong with one request, as a DataError naming the object and what to check. */
export function s3Problem(err: unknown, path: string, where: string, instanceMetadata?: boolean): DataError {
  if (err instanceof DataError) return err;
  const e = err as SdkError;
  const name = e.name ?? e.code ?? 'Error';
  const status = e.$metadata?.httpStatusCode;
  let message: string;
  if (name === 'NoSuchKey' || name === 'NotFound' || (status === 404 && name !== 'NoSuchBucket')) message = 'object does not exist';
  else if (name === 'NoSuchBucket') message = 'bucket does not exist';
  else if (CREDENTIAL_ERRORS.has(name))
    message = `the object store rejected the credentials (${name}); check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE and its credentials file`;
  else if (name === 'AccessDenied' || status === 403)
    message = `access denied (${name}): the credentials in use may not read this; check the bucket policy and the user's permissions`;
  else if (name === 'CredentialsProviderError')
    // The SDK's last word is 'Could not load credentials from any providers': said already.
    message = `no AWS credentials found${/any providers/.test(e.message ?? '') ? '' : ` (${e.message})`}; ${credentialAdvice(instanceMetadata)}`;
  else if (name === 'PreconditionFailed' || status === 412) message = 'the object was replaced while it was being read; rerun once its producer has finished';
  else if (/Region is missing/i.test(e.message ?? '')) message = 'no AWS region configured; set AWS_REGION (or give --s3-endpoint for an S3-compatible store)';
  else if (status === undefined && (e.code !== undefined || name === 'TimeoutError' || /socket hang up|ECONN|EPIPE|ETIMEDOUT/.test(e.message ?? '')))
    message = `the object store at ${where} did not answer (${e.code ?? name}: ${e.message ?? 'no message'}) after the SDK's retries; check that it is up and reachable`;
  else message = `cannot read from ${where} (${name}${status ? `, HTTP ${status}` : ''}: ${e.message ?? 'no message'})`;
  return new DataError(message, { file: path }, { cause: err });
}
