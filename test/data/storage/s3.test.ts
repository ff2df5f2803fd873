// S3 storage against a real S3-compatible server (see s3-server.ts): listing, partitions, streamed
// and resumed reads, and every failure as a DataError naming the object.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { buffer } from 'node:stream/consumers';
import { test } from 'node:test';
import { PutBucketPolicyCommand } from '@aws-sdk/client-s3';
import { findPartitions } from '../../../src/data/partitions.js';
import { S3Storage } from '../../../src/data/storage/s3.js';
import { DataError } from '../../../src/errors.js';
import { tempDir } from '../fixtures.js';
import { awsEnv, newBucket, put, Relay, requireS3, testClient } from './s3-server.js';

Object.assign(process.env, awsEnv());

/** Runs `f` with os.tmpdir() answering `dir`. */
async function withTmpdir<T>(dir: string, f: () => Promise<T>): Promise<T> {
  const before = process.env.TMPDIR;
  process.env.TMPDIR = dir;
  try {
    return await f();
  } finally {
    if (before === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = before;
  }
}

/** How many of this process's open files are (or were, before their unlinking) under `dir`; 0 where /proc is absent. */
function openCopies(dir: string): number {
  if (!existsSync('/proc/self/fd')) return 0;
  const targets = readdirSync('/proc/self/fd').map((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`);
    } catch {
      return ''; // the directory's own descriptor, closed by now
    }
  });
  return targets.filter((target) => target.startsWith(`${dir}/`)).length;
}

const isDataError = (pattern: RegExp, object: string) => (e: unknown) => {
  assert.ok(e instanceof DataError, `a DataError, got ${String(e)}`);
  assert.equal(e.exitCode, 3);
  assert.ok(e.message.includes(object), `names ${object}: ${e.message}`);
  assert.match(e.message, pattern);
  return true;
};

test('S3 partitions: YYYYMMDD and dt= prefixes, data files in name order with sizes, markers seen, other keys ignored', async (t) => {
  const url = requireS3(t);
  if (!url) return;
  const client = testClient();
  const bucket = await newBucket(t, client);
  await put(client, bucket, 'imp/20240101/part-1.csv', 'a\n1\n');
  await put(client, bucket, 'imp/20240101/part-0.csv.gz', 'xx');
  await put(client, bucket, 'imp/20240101/_SUCCESS', '');
  await put(client, bucket, 'imp/20240101/notes.txt', 'no');
  await put(client, bucket, 'imp/20240101/sub/deeper.csv', 'no');
  await put(client, bucket, 'imp/dt=20240102/p.parquet', 'pq');
  const storage = new S3Storage({ endpoint: url });
  t.after(() => storage.close());
  const parts = await findPartitions({ dataDir: `s3://${bucket}/imp`, dates: ['20240101', '20240102'], storage });
  assert.deepEqual(
    parts.map((p) => [p.dir, p.files]),
    [
      [`s3://${bucket}/imp/20240101`, [{ path: `s3://${bucket}/imp/20240101/part-0.csv.gz`, bytes: 2 }, { path: `s3://${bucket}/imp/20240101/part-1.csv`, bytes: 4 }]],
      [`s3://${bucket}/imp/dt=20240102`, [{ path: `s3://${bucket}/imp/dt=20240102/p.parquet`, bytes: 2 }]],
    ],
  );
  assert.equal(storage.relative(`s3://${bucket}/imp/`, parts[0]!.files[0]!.path), '20240101/part-0.csv.gz');
  await findPartitions({ dataDir: `s3://${bucket}/imp`, dates: ['20240101'], requireSuccess: true, storage });
  await assert.rejects(
    findPartitions({ dataDir: `s3://${bucket}/imp`, dates: ['20240102'], requireSuccess: true, storage }),
    isDataError(/no _SUCCESS marker/, `s3://${bucket}/imp/dt=20240102`),
  );
  await assert.rejects(
    findPartitions({ dataDir: `s3://${bucket}/imp`, dates: ['20240103'], storage }),
    isDataError(/missing partition for 20240103/, `s3://${bucket}/imp/20240103/`),
  );
  await assert.rejects(findPartitions({ dataDir: `s3://${bucket}/nothing`, dates: ['20240101'], storage }), isDataError(/no objects under this prefix/, `s3://${bucket}/nothing`));
  await assert.rejects(findPartitions({ dataDir: `s3://${bucket}-gone/imp`, dates: ['20240101'], storage }), isDataError(/bucket does not exist/, `s3://${bucket}-gone/imp`));
  await assert.rejects(storage.stat(`s3://${bucket}/imp/20240101/missing.csv`), isDataError(/object does not exist/, `s3://${bucket}/imp/20240101/missing.csv`));
});

test('S3 reads stream the object whole, from any offset, and into a local copy that release() removes', async (t) => {
  const url = requireS3(t);
  if (!url) return;
  const client = testClient();
  const bucket = await newBucket(t, client);
  const body = randomBytes(3 << 20);
  await put(client, bucket, 'big.bin', body);
  const storage = new S3Storage({ endpoint: url });
  t.after(() => storage.close());
  assert.ok((await buffer(await storage.open(`s3://${bucket}/big.bin`))).equals(body));
  assert.ok((await buffer(await storage.open(`s3://${bucket}/big.bin`, 1000))).equals(body.subarray(1000)));
  const tmp = tempDir(t, 'mmoe-copy-test-');
  const copy = await withTmpdir(tmp, () => storage.localCopy(`s3://${bucket}/big.bin`));
  assert.ok(readFileSync(copy.path).equals(body));
  assert.equal(openCopies(tmp), 1, 'the copy is held open');
  await copy.release();
  assert.deepEqual(readdirSync(tmp), [], 'nothing left in TMPDIR');
  assert.equal(openCopies(tmp), 0, 'release() closed it');
});

test('a process killed while it holds a local copy of an object leaves nothing in TMPDIR', async (t) => {
  const url = requireS3(t);
  if (!url) return;
  const client = testClient();
  const bucket = await newBucket(t, client);
  const body = randomBytes(1 << 20);
  await put(client, bucket, 'p/part-0.parquet', body);
  const tmp = tempDir(t, 'mmoe-copy-test-');
  const s3 = new URL('../../../src/data/storage/s3.js', import.meta.url).href;
  const script = `
    import { readFileSync } from 'node:fs';
    import { S3Storage } from ${JSON.stringify(s3)};
    const copy = await new S3Storage({ endpoint: ${JSON.stringify(url)} }).localCopy(${JSON.stringify(`s3://${bucket}/p/part-0.parquet`)});
    console.log(readFileSync(copy.path).length);
    setInterval(() => {}, 1000);`;
  const env: NodeJS.ProcessEnv = { ...process.env, TMPDIR: tmp };
  delete env.NODE_TEST_CONTEXT; // a plain script, not a test file reporting to this runner
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (b: Buffer) => (err += b.toString()));
  const line = await new Promise<string>((resolve, reject) => {
    child.stdout!.once('data', (b: Buffer) => resolve(b.toString()));
    child.once('exit', (code) => reject(new Error(`the child exited (${code}) before its copy was made: ${err}`)));
  });
  assert.equal(line.trim(), String(body.length), 'the copy is whole and readable');
  child.kill('SIGKILL');
  await once(child, 'exit');
  assert.deepEqual(readdirSync(tmp), [], 'no copy left behind by a killed run');
});

test('a connection dropped mid-read is resumed from the byte reached: the bytes arrive whole and once, however many breaks when each resume gets further', async (t) => {
  const url = requireS3(t);
  if (!url) return;
  const client = testClient();
  const bucket = await newBucket(t, client);
  const body = randomBytes(8 << 20);
  await put(client, bucket, 'big.bin', body);
  const relay = await Relay.start(t, url);
  const storage = new S3Storage({ endpoint: relay.url, retryBaseMs: 10 });
  t.after(() => storage.close());
  let cuts = 0;
  relay.onBytes = (n) => {
    if (n > (cuts + 1) * (1 << 20)) {
      cuts++;
      relay.cut();
    }
  };
  assert.ok((await buffer(await storage.open(`s3://${bucket}/big.bin`))).equals(body));
  assert.ok(cuts >= 6, `broken ${cuts} times, more than the 3 resumes allowed in a row`);
});

test('an object replaced while it is read fails at once, saying so (no resume can succeed)', async (t) => {
  const url = requireS3(t);
  if (!url) return;
  const client = testClient();
  const bucket = await newBucket(t, client);
  await put(client, bucket, 'moving.bin', randomBytes(4 << 20));
  const relay = await Relay.start(t, url);
  // The resume waits a second: time for the (small) new object to land first.
  const storage = new S3Storage({ endpoint: relay.url, retryBaseMs: 1000 });
  t.after(() => storage.close());
  let replaced = false;
  relay.onBytes = (n) => {
    if (n > 1 << 20 && !replaced) {
      replaced = true;
      relay.cut();
      void put(client, bucket, 'moving.bin', 'new');
    }
  };
  await assert.rejects(buffer(await storage.open(`s3://${bucket}/moving.bin`)), (e: unknown) => {
    isDataError(/the object was replaced while it was being read/, `s3://${bucket}/moving.bin`)(e);
    assert.doesNotMatch((e as Error).message, /broke off/, 'no resumes after a final answer');
    return true;
  });
});

test('a server stopped mid-read is a DataError naming the object and the byte reached', async (t) => {
  const url = requireS3(t);
  if (!url) return;
  const client = testClient();
  const bucket = await newBucket(t, client);
  await put(client, bucket, 'big.bin', randomBytes(4 << 20));
  const relay = await Relay.start(t, url);
  const storage = new S3Storage({ endpoint: relay.url, retryBaseMs: 10, maxAttempts: 2 });
  t.after(() => storage.close());
  relay.onBytes = (n) => {
    if (n > 1 << 20) relay.stop();
  };
  await assert.rejects(buffer(await storage.open(`s3://${bucket}/big.bin`)), isDataError(/reading the object broke off at byte \d+ of 4194304/, `s3://${bucket}/big.bin`));
});

test('wrong credentials and a denied read are DataErrors naming the object and what to check', async (t) => {
  const url = requireS3(t);
  if (!url) return;
  const client = testClient();
  const bucket = await newBucket(t, client);
  await put(client, bucket, 'open/a.csv', 'a\n1\n');
  await put(client, bucket, 'secret/a.csv', 'a\n1\n');
  const policy = {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Deny', Principal: '*', Action: 's3:GetObject', Resource: `arn:aws:s3:::${bucket}/secret/*` }],
  };
  await client.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: JSON.stringify(policy) }));
  const storage = new S3Storage({ endpoint: url });
  t.after(() => storage.close());
  await buffer(await storage.open(`s3://${bucket}/open/a.csv`));
  await assert.rejects(storage.open(`s3://${bucket}/secret/a.csv`), isDataError(/access denied \(AccessDenied\)/, `s3://${bucket}/secret/a.csv`));

  const saved = process.env.AWS_SECRET_ACCESS_KEY;
  process.env.AWS_SECRET_ACCESS_KEY = 'not-the-secret';
  t.after(() => {
    process.env.AWS_SECRET_ACCESS_KEY = saved;
  });
  const wrong = new S3Storage({ endpoint: url, maxAttempts: 1 });
  t.after(() => wrong.close());
  await assert.rejects(wrong.open(`s3://${bucket}/open/a.csv`), isDataError(/rejected the credentials \(SignatureDoesNotMatch\)/, `s3://${bucket}/open/a.csv`));
});
