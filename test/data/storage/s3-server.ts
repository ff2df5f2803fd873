// The real S3-compatible server the S3 tests run against (.ci/run starts one: Ceph's radosgw from
// /work/shared/s3/start-s3.sh) and helpers to put fixtures into it. No mocks of S3 anywhere.
//
// MMOE_TEST_S3_ENDPOINT names the endpoint (e.g. http://127.0.0.1:7480); MMOE_TEST_S3_ACCESS_KEY
// and MMOE_TEST_S3_SECRET_KEY the user (default: the start script's test user). Without the
// endpoint the tests fail under CI (CI=true) and are skipped, saying why, elsewhere.
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer, type Server, type Socket, connect } from 'node:net';
import { join, relative, sep } from 'node:path';
import type { TestContext } from 'node:test';
import { CreateBucketCommand, DeleteObjectsCommand, DeleteBucketCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';

export const ENDPOINT_VAR = 'MMOE_TEST_S3_ENDPOINT';

export const endpoint = process.env[ENDPOINT_VAR];
export const accessKey = process.env.MMOE_TEST_S3_ACCESS_KEY ?? 'TESTACCESSKEY';
export const secretKey = process.env.MMOE_TEST_S3_SECRET_KEY ?? 'TESTSECRETKEY0123456789';

/** Environment for code under test: the test user's credentials through the usual AWS variables. */
export function awsEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { ...process.env, AWS_ACCESS_KEY_ID: accessKey, AWS_SECRET_ACCESS_KEY: secretKey, AWS_REGION: 'us-east-1', ...extra };
}

/**
 * The endpoint, or: under CI a failed test (the server must be there), elsewhere a skipped one
 * with the reason. Call first in every test that needs the server.
 */
export function requireS3(t: TestContext): string | undefined {
  if (endpoint) return endpoint;
  if (process.env.CI) throw new Error(`${ENDPOINT_VAR} is not set: .ci/run starts the S3 server (/work/shared/s3/start-s3.sh) and sets it; the S3 tests cannot run without it`);
  t.skip(`no S3 server: set ${ENDPOINT_VAR} (start one with /work/shared/s3/start-s3.sh DIR PORT)`);
  return undefined;
}

export function testClient(url = endpoint!): S3Client {
  return new S3Client({ endpoint: url, forcePathStyle: true, region: 'us-east-1', credentials: { accessKeyId: accessKey, secretAccessKey: secretKey } });
}

/** A fresh bucket, emptied and removed when the test ends. */
export async function newBucket(t: TestContext, client: S3Client): Promise<string> {
  const bucket = `mmoe-test-${randomBytes(5).toString('hex')}`;
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  t.after(async () => {
    const listed = await client.send(new ListObjectsV2Command({ Bucket: bucket }));
    const keys = (listed.Contents ?? []).map((o) => ({ Key: o.Key! }));
    if (keys.length) await client.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys } }));
    await client.send(new DeleteBucketCommand({ Bucket: bucket }));
  });
  return bucket;
}

export async function put(client: S3Client, bucket: string, key: string, body: string | Buffer): Promise<void> {
  await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
}

/** Uploads every file under `dir` to bucket/prefix/<relative path>. */
export async function uploadDir(client: S3Client, dir: string, bucket: string, prefix: string): Promise<void> {
  const walk = (d: string): string[] => readdirSync(d).flatMap((n) => (statSync(join(d, n)).isDirectory() ? walk(join(d, n)) : [join(d, n)]));
  for (const f of walk(dir)) await put(client, bucket, `${prefix}/${relative(dir, f).split(sep).join('/')}`, readFileSync(f));
}

/**
 * A TCP relay in front of the server: `cut()` drops every open connection; `stop()` also stops
 * listening, so new connections are refused as by a stopped server.
 */
export class Relay {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private stopped = false;
  /** Bytes relayed from the server to clients. */
  bytesDown = 0;
  /** Called with the running byte count as server bytes go by (to cut mid-read). */
  onBytes: ((total: number) => void) | null = null;

  private constructor(private readonly target: URL) {
    this.server = createServer((client) => {
      const upstream = connect(Number(this.target.port), this.target.hostname);
      this.sockets.add(client).add(upstream);
      client.pipe(upstream);
      upstream.on('data', (b: Buffer) => {
        this.bytesDown += b.length;
        client.write(b);
        this.onBytes?.(this.bytesDown);
      });
      const drop = () => {
        client.destroy();
        upstream.destroy();
        this.sockets.delete(client);
        this.sockets.delete(upstream);
      };
      client.on('error', drop).on('close', drop);
      upstream.on('error', drop).on('close', drop);
    });
  }

  static async start(t: TestContext, url = endpoint!): Promise<Relay> {
    const relay = new Relay(new URL(url));
    await new Promise<void>((resolve) => relay.server.listen(0, '127.0.0.1', resolve));
    const a = relay.server.address();
    relay.url = `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
    t.after(() => relay.close());
    return relay;
  }

  /** Where clients connect. */
  url = '';

  cut(): void {
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
  }

  get down(): boolean {
    return this.stopped;
  }

  /** Drops every connection and refuses new ones. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.server.close();
    this.cut();
  }

  close(): Promise<void> {
    this.cut();
    if (this.stopped) return Promise.resolve();
    this.stopped = true;
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
