// train, eval, predict and data stats read from a real S3-compatible server (see
// test/data/storage/s3-server.ts) give the same rows, model and reports as from a local copy of the
// same partitions, for CSV.gz and Parquet; and every way the store can fail ends with exit 3 and a
// message naming the object.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer, type Socket } from 'node:net';
import { join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { after, before, test, type TestContext } from 'node:test';
import { generateCtr } from '../../src/data/generate-ctr.js';
import { awsEnv, newBucket, Relay, requireS3, testClient, uploadDir } from '../data/storage/s3-server.js';
import { writeParquet } from '../data/parquet-fixtures.js';
import { mmoe, saveUntrained, TINY_CONFIG } from '../eval/fixtures.js';

Object.assign(process.env, awsEnv());

const root = mkdtempSync(join(tmpdir(), 'mmoe-s3-e2e-'));
const csvDir = join(root, 'csv');
const pqDir = join(root, 'pq');
const config = join(root, 'config.json');
const untrained = join(root, 'untrained');
const INTS = { click: 'INTEGER', conversion: 'INTEGER', hour: 'INTEGER', device_type: 'INTEGER', device_conn_type: 'INTEGER' };

after(() => rmSync(root, { recursive: true, force: true }));
before(async () => {
  await generateCtr({ out: csvDir, startDate: '20260101', days: 3, rowsPerDay: 2500, seed: 5, gzip: true, files: 2 });
  for (const day of ['20260101', '20260102', '20260103']) {
    mkdirSync(join(pqDir, `dt=${day}`), { recursive: true });
    for (const f of readdirSync(join(csvDir, day)).filter((n) => n.endsWith('.csv.gz')))
      await writeParquet(join(pqDir, `dt=${day}`, f.replace('.csv.gz', '.parquet')), gunzipSync(readFileSync(join(csvDir, day, f))).toString(), INTS, 2048);
    writeFileSync(join(pqDir, `dt=${day}`, '_SUCCESS'), '');
  }
  writeFileSync(config, JSON.stringify({ ...TINY_CONFIG, training: { ...TINY_CONFIG.training, epochs: 1 } }));
  await saveUntrained(untrained, TINY_CONFIG);
});

/** A bucket holding csv/ and pq/ copies of the local partitions; undefined when the test is skipped. */
async function bucketWithData(t: TestContext): Promise<{ url: string; bucket: string } | undefined> {
  const url = requireS3(t);
  if (!url) return undefined;
  const client = testClient();
  const bucket = await newBucket(t, client);
  await uploadDir(client, csvDir, bucket, 'csv');
  await uploadDir(client, pqDir, bucket, 'pq');
  return { url, bucket };
}

async function train(dataDir: string, name: string, ...extra: string[]) {
  const models = join(root, `models-${name}`);
  const r = await mmoe('train', '--train-data-dir', dataDir, '--cur-date', '20260102', '--config', config, '--model-output-dir', models, '--log-dir', join(root, `logs-${name}`), '--quiet', ...extra);
  assert.equal(r.code, 0, r.err);
  const dir = join(models, '20260102');
  const meta = JSON.parse(readFileSync(join(dir, 'metadata.json'), 'utf8'));
  const weights = readdirSync(dir).filter((f) => f.endsWith('.bin') && f.startsWith('group')).map((f) => readFileSync(join(dir, f)));
  return { dir, meta, weights };
}

/** A report without what differs between two runs on two copies: the data location, times. */
const comparable = (json: string): unknown =>
  JSON.parse(json, (key, value: unknown) => (key === 'dataDir' || key === 'generatedAt' || key === 'timings' || key === 'seconds' ? undefined : value));

test('train, eval, predict and data stats from S3 equal the same from the local copy (CSV.gz and Parquet)', async (t) => {
  const s3 = await bucketWithData(t);
  if (!s3) return;
  const endpoint = ['--s3-endpoint', s3.url];
  const copies: [string, string][] = [
    [csvDir, 'csv'],
    [pqDir, 'pq'],
  ];
  for (const [local, prefix] of copies) {
    const remote: string = `s3://${s3.bucket}/${prefix}`;
    const a = await train(local, `local-${prefix}`);
    const b = await train(remote, `s3-${prefix}`, ...endpoint, '--require-success');
    assert.deepEqual(b.meta.rows, a.meta.rows);
    assert.equal(a.meta.rows.train + a.meta.rows.valid, 5000);
    assert.deepEqual(b.meta.data.files, a.meta.data.files, 'same files, relative paths, sizes and rows');
    assert.equal(b.meta.data.dataDir, remote);
    assert.deepEqual(b.meta.bestValidation, a.meta.bestValidation);
    assert.ok(b.weights.length > 0 && b.weights.every((w, i) => w.equals(a.weights[i]!)), `${prefix}: the same weights`);

    const evalArgs = ['--model', a.dir, '--dates', '20260103', '--format', 'json'];
    const ea = await mmoe('eval', '--data-dir', local, ...evalArgs);
    const eb = await mmoe('eval', '--data-dir', remote, ...evalArgs, ...endpoint);
    assert.equal(eb.code, 0, eb.err);
    assert.deepEqual(comparable(eb.out), comparable(ea.out));

    const pa = join(root, `scores-local-${prefix}.csv`);
    const pb = join(root, `scores-s3-${prefix}.csv`);
    assert.equal((await mmoe('predict', '--model', a.dir, '--data-dir', local, '--dates', '20260103', '--output', pa, '--keep', 'adid')).code, 0);
    const rp = await mmoe('predict', '--model', a.dir, '--data-dir', remote, '--dates', '20260103', '--output', pb, '--keep', 'adid', ...endpoint);
    assert.equal(rp.code, 0, rp.err);
    assert.equal(readFileSync(pb, 'utf8'), readFileSync(pa, 'utf8'));
    assert.equal(readFileSync(pa, 'utf8').trim().split('\n').length, 2501);

    const statsArgs = ['--cur-date', '20260103', '--days', '3', '--config', config, '--format', 'json'];
    const sa = await mmoe('data', 'stats', '--train-data-dir', local, ...statsArgs);
    const sb = await mmoe('data', 'stats', '--train-data-dir', remote, ...statsArgs, ...endpoint);
    assert.equal(sb.code, 0, sb.err);
    assert.deepEqual(comparable(sb.out), comparable(sa.out));
  }
  const one = join(root, 'scores-one.csv');
  const r = await mmoe('predict', '--model', untrained, '--input', `s3://${s3.bucket}/pq/dt=20260103/part-00001.parquet`, '--output', one, ...endpoint);
  assert.equal(r.code, 0, r.err);
  assert.match(r.err, /wrote 1250 of 1250 rows/);
});

test('from S3, a missing partition, object or _SUCCESS, wrong credentials and a server stopped mid-read exit 3 naming the object', async (t) => {
  const s3 = await bucketWithData(t);
  if (!s3) return;
  const endpoint = ['--s3-endpoint', s3.url];
  const stats = (dir: string, ...extra: string[]) => mmoe('data', 'stats', '--train-data-dir', dir, '--cur-date', '20260103', '--days', '3', '--config', config, ...extra);

  let r = await stats(`s3://${s3.bucket}/csv`, '--days', '4', ...endpoint);
  assert.equal(r.code, 3, r.err);
  assert.match(r.err, new RegExp(`missing partition for 20251231: neither s3://${s3.bucket}/csv/20251231/ nor s3://${s3.bucket}/csv/dt=20251231/ exists`));

  const client = testClient();
  const { DeleteObjectCommand } = await import('@aws-sdk/client-s3');
  await client.send(new DeleteObjectCommand({ Bucket: s3.bucket, Key: 'pq/dt=20260102/_SUCCESS' }));
  r = await stats(`s3://${s3.bucket}/pq`, '--require-success', ...endpoint);
  assert.equal(r.code, 3);
  assert.ok(r.err.includes(`s3://${s3.bucket}/pq/dt=20260102: partition has no _SUCCESS marker`), r.err);

  r = await mmoe('predict', '--model', untrained, '--input', `s3://${s3.bucket}/pq/gone.parquet`, '--output', join(root, 'x.csv'), ...endpoint);
  assert.equal(r.code, 3);
  assert.ok(r.err.includes(`s3://${s3.bucket}/pq/gone.parquet: object does not exist`), r.err);

  const secret = process.env.AWS_SECRET_ACCESS_KEY;
  process.env.AWS_SECRET_ACCESS_KEY = 'wrong';
  try {
    r = await stats(`s3://${s3.bucket}/csv`, ...endpoint);
  } finally {
    process.env.AWS_SECRET_ACCESS_KEY = secret;
  }
  assert.equal(r.code, 3);
  assert.ok(r.err.includes(`s3://${s3.bucket}/csv: the object store rejected the credentials (SignatureDoesNotMatch)`), r.err);

  // The relay passes the listing, then stops relaying (as a stopped server) once data flows.
  const relay = await Relay.start(t, s3.url);
  relay.onBytes = (n) => {
    if (n > 30_000) relay.stop();
  };
  const attempts = process.env.AWS_MAX_ATTEMPTS;
  process.env.AWS_MAX_ATTEMPTS = '2';
  try {
    r = await stats(`s3://${s3.bucket}/csv`, '--s3-endpoint', relay.url);
  } finally {
    if (attempts === undefined) delete process.env.AWS_MAX_ATTEMPTS;
    else process.env.AWS_MAX_ATTEMPTS = attempts;
  }
  assert.equal(r.code, 3, r.err);
  assert.match(
    r.err,
    new RegExp(`s3://${s3.bucket}/csv/20260101/part-0000[01]\\.csv\\.gz: (reading the object broke off at byte \\d+ of \\d+ and 3 attempts in a row to resume it failed|the object store at ${relay.url} did not answer \\(ECONNREFUSED)`),
  );
});

/**
 * bin/mmoe.js in a child process (the SDK writes its warnings to the process's own stderr) with the
 * test process's environment minus every AWS_ variable, plus `aws`.
 */
async function mmoeProcess(args: string[], aws: Record<string, string>): Promise<{ code: number | null; err: string }> {
  const env: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('AWS_')));
  delete env.NODE_TEST_CONTEXT;
  const child = spawn(process.execPath, [resolve('bin/mmoe.js'), ...args], { env: { ...env, ...aws }, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr.on('data', (b: Buffer) => (err += b.toString()));
  const [code] = (await once(child, 'close')) as [number | null];
  return { code, err };
}

/** A TCP endpoint that accepts connections and never answers (an unreachable metadata service), counting them. */
async function silentEndpoint(t: TestContext): Promise<{ url: string; connections: () => number }> {
  const sockets: Socket[] = [];
  const server = createServer((s) => void sockets.push(s));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    for (const s of sockets) s.destroy();
    server.close();
  });
  const a = server.address();
  return { url: `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`, connections: () => sockets.length };
}

test("a run from S3 keeps stderr free of the SDK's NodeVersionSupportWarning (shown if the user sets AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=false)", async (t) => {
  const s3 = await bucketWithData(t);
  if (!s3) return;
  const stats = ['data', 'stats', '--train-data-dir', `s3://${s3.bucket}/pq`, '--cur-date', '20260103', '--days', '3', '--config', config, '--s3-endpoint', s3.url];
  const creds = { AWS_ACCESS_KEY_ID: awsEnv().AWS_ACCESS_KEY_ID!, AWS_SECRET_ACCESS_KEY: awsEnv().AWS_SECRET_ACCESS_KEY! };
  const quiet = await mmoeProcess(stats, creds);
  assert.equal(quiet.code, 0, quiet.err);
  assert.doesNotMatch(quiet.err, /Warning/);
  if (Number(process.versions.node.split('.')[0]) < 22) {
    const asked = await mmoeProcess(stats, { ...creds, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'false' });
    assert.equal(asked.code, 0, asked.err);
    assert.match(asked.err, /NodeVersionSupportWarning: The AWS SDK for JavaScript/);
  }
});

test('without credentials a run from S3 fails naming what to set; the EC2 instance metadata service (an instance role) is asked unless AWS_EC2_METADATA_DISABLED=true', async (t) => {
  const s3 = await bucketWithData(t);
  if (!s3) return;
  const stats = ['data', 'stats', '--train-data-dir', `s3://${s3.bucket}/csv`, '--cur-date', '20260103', '--days', '3', '--config', config, '--s3-endpoint', s3.url];
  const imds = await silentEndpoint(t);
  const none = join(root, 'no-such-aws-file');
  const noCredentials = { AWS_SHARED_CREDENTIALS_FILE: none, AWS_CONFIG_FILE: none, AWS_EC2_METADATA_SERVICE_ENDPOINT: imds.url };
  const sources = 'set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE (a profile of ~/.aws/config or ~/.aws/credentials), or AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN';

  const role = await mmoeProcess(stats, noCredentials);
  assert.equal(role.code, 3, role.err);
  assert.ok(role.err.includes(`no AWS credentials found; ${sources}; the EC2 instance metadata service was asked too and gave none`), role.err);
  assert.ok(imds.connections() > 0, 'the metadata service was asked (an instance role works without settings)');

  const asked = imds.connections();
  const r = await mmoeProcess(stats, { ...noCredentials, AWS_EC2_METADATA_DISABLED: 'true' });
  assert.equal(r.code, 3, r.err);
  assert.equal(r.err, `mmoe: s3://${s3.bucket}/csv: no AWS credentials found; ${sources}; to use this EC2 instance's role, set AWS_EC2_METADATA_DISABLED=false\n`);
  assert.equal(imds.connections(), asked, 'the metadata service was not asked');
});
