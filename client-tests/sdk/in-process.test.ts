// SDK v3 clients that reach iamlocal without a socket (local.requestHandler(), clientConfig(p, { inProcess: true }),
// startIamlocal({ listen: false })), and the aws-sdk-client-mock bridge that routes chosen commands through iamlocal.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import http from 'node:http';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { CreateRoleCommand, CreateUserCommand, GetRoleCommand, IAMClient, ListRolesCommand, PutRolePolicyCommand, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import {
  CreateBucketCommand, DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, ListBucketsCommand, ListObjectsV2Command, PutObjectCommand, S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { mockClient } from 'aws-sdk-client-mock';
import { startIamlocal, type Iamlocal } from '../../server/src/in-process.ts';
import { InProcessHttpHandler } from '../../server/src/testing/http-handler.ts';
import { socketPair } from '../../server/src/testing/socket-pair.ts';
import { routeThroughIamlocal } from '../../server/src/index.ts';
import { rejection } from './support.ts';

const ACCOUNT = '123456789012';
const BUCKET = 'in-process-bucket';
const TRUST = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'sts:AssumeRole' }] });
const READ_REPORTS = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: `arn:aws:s3:::${BUCKET}/reports/*` }],
});

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

async function createReader(iam: IAMClient, name: string): Promise<void> {
  await iam.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: TRUST }));
  await iam.send(new PutRolePolicyCommand({ RoleName: name, PolicyName: 'read-reports', PolicyDocument: READ_REPORTS }));
}

describe('listen: false — no port at all', () => {
  let local: Iamlocal;
  before(async () => {
    local = await startIamlocal({ listen: false, fixtures: ['db/fixtures/seed-story.yaml'] });
  });
  after(async () => {
    await local.stop();
  });

  test('the synthetic endpoint, and clientConfig() is in-process by default', async () => {
    assert.equal(local.endpoint, 'http://iamlocal.internal');
    assert.equal(local.listening, false);
    assert.ok(local.clientConfig().requestHandler instanceof InProcessHttpHandler);
    const sts = new STSClient(local.clientConfig());
    const me = await sts.send(new GetCallerIdentityCommand({}));
    assert.equal(me.Arn, `arn:aws:iam::${ACCOUNT}:root`);
  });

  test('STS and IAM as root, a user and a role session; bad signatures are still refused', async () => {
    const iam = new IAMClient(local.clientConfig());
    await createReader(iam, 'in-process-reader');
    const role = await iam.send(new GetRoleCommand({ RoleName: 'in-process-reader' }));
    assert.equal(role.Role?.Arn, `arn:aws:iam::${ACCOUNT}:role/in-process-reader`);
    const roles = await iam.send(new ListRolesCommand({}));
    assert.ok(roles.Roles?.some((r) => r.RoleName === 'in-process-reader'));

    const asRole = new STSClient(local.clientConfig({ role: 'in-process-reader', session: 'unit' }));
    assert.equal((await asRole.send(new GetCallerIdentityCommand({}))).Arn, `arn:aws:sts::${ACCOUNT}:assumed-role/in-process-reader/unit`);
    // The role may not call IAM at all.
    const denied = await rejection(new IAMClient(local.clientConfig({ role: 'in-process-reader' })).send(new ListRolesCommand({})));
    assert.equal(denied.name, 'AccessDenied');
    assert.equal(denied.status, 403);

    const forged = new STSClient({ ...local.clientConfig(), credentials: { accessKeyId: local.credentials().accessKeyId, secretAccessKey: 'wrong' } });
    const refused = await rejection(forged.send(new GetCallerIdentityCommand({})));
    assert.equal(refused.name, 'SignatureDoesNotMatch');
  });

  test('S3: stream bodies in (aws-chunked) and out, HEAD, errors, policy decisions', async () => {
    const s3 = new S3Client(local.clientConfig('root', { inProcess: true }));
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    // A stream body: the SDK sends it aws-chunked with a trailing checksum (it needs the length up front).
    const parts = Array.from({ length: 64 }, (_, i) => Buffer.alloc(16 * 1024, i));
    const whole = Buffer.concat(parts);
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'reports/stream.bin', Body: Readable.from(parts), ContentLength: whole.length }));
    const got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'reports/stream.bin' }));
    assert.equal(got.ContentLength, whole.length);
    assert.equal(sha256(await got.Body!.transformToByteArray()), sha256(whole));

    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'reports/q3.csv', Body: 'region,total\neu,42\n', ContentType: 'text/csv', Metadata: { owner: 'finance' } }));
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'private/salaries.csv', Body: 'secret' }));
    const text = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'reports/q3.csv' }));
    assert.equal(await text.Body!.transformToString(), 'region,total\neu,42\n');
    const head = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'reports/q3.csv' }));
    assert.equal(head.ContentType, 'text/csv');
    assert.equal(head.Metadata?.owner, 'finance');
    assert.equal(head.ContentLength, 19);

    const missingHead = await rejection(s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'nope' })));
    assert.equal(missingHead.name, 'NotFound');
    assert.equal(missingHead.status, 404);
    const missing = await rejection(s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'nope' })));
    assert.equal(missing.name, 'NoSuchKey');

    const reader = new S3Client(local.clientConfig({ role: 'in-process-reader', session: 'unit' }));
    const allowed = await reader.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'reports/q3.csv' }));
    assert.equal(await allowed.Body!.transformToString(), 'region,total\neu,42\n');
    const denied = await rejection(reader.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'private/salaries.csv' })));
    assert.equal(denied.name, 'AccessDenied');
    assert.equal(denied.status, 403);
    assert.equal(denied.message, `User: arn:aws:sts::${ACCOUNT}:assumed-role/in-process-reader/unit is not authorized to perform: s3:GetObject on resource: "arn:aws:s3:::${BUCKET}/private/salaries.csv" because no identity-based policy allows the s3:GetObject action`);
    const deniedHead = await rejection(reader.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'private/salaries.csv' })));
    assert.equal(deniedHead.status, 403);
    const deniedPut = await rejection(reader.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'reports/new.csv', Body: Readable.from([Buffer.alloc(300_000)]), ContentLength: 300_000 })));
    assert.equal(deniedPut.name, 'AccessDenied');
    // The connection state survived the refused upload: the next call works.
    assert.equal((await reader.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'reports/q3.csv' }))).$metadata.httpStatusCode, 200);
  });

  test('lib-storage multipart upload (Expect: 100-continue parts) and a large streamed download', async () => {
    const s3 = new S3Client(local.clientConfig());
    const body = Buffer.alloc(12 * 1024 * 1024);
    for (let i = 0; i < body.length; i += 4096) body.writeUInt32BE(i, i);
    const done = await new Upload({ client: s3, params: { Bucket: BUCKET, Key: 'big/object.bin', Body: Readable.from([body]) }, partSize: 5 * 1024 * 1024 }).done();
    assert.match(done.ETag ?? '', /^"[0-9a-f]{32}-3"$/);
    const got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'big/object.bin' }));
    // Read as a Node stream, slowly enough for backpressure to matter.
    let hash = createHash('sha256');
    let length = 0;
    for await (const chunk of got.Body as Readable) {
      hash = hash.update(chunk as Buffer);
      length += (chunk as Buffer).length;
    }
    assert.equal(length, body.length);
    assert.equal(hash.digest('hex'), sha256(body));
  });

  test('large uploads wait for 100 Continue; aws-chunked streams; refused ones do not hang', async () => {
    const seen: Array<Record<string, string>> = [];
    const watched = (config: ReturnType<Iamlocal['clientConfig']>): S3Client => {
      const handler = config.requestHandler!;
      const handle = handler.handle.bind(handler);
      handler.handle = (request, options) => {
        seen.push(request.headers);
        return handle(request, options);
      };
      return new S3Client(config);
    };
    const big = Buffer.alloc(3 * 1024 * 1024, 7);
    const root = watched(local.clientConfig());
    await root.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'reports/big.bin', Body: big }));
    await root.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'reports/big-stream.bin', Body: Readable.from([big.subarray(0, 1 << 20), big.subarray(1 << 20)]), ContentLength: big.length }));
    assert.equal(seen[0]?.Expect, '100-continue');
    assert.equal(seen[1]?.Expect, '100-continue');
    assert.equal(seen[1]?.['content-encoding'], 'aws-chunked');
    assert.equal(seen[1]?.['transfer-encoding'], 'chunked');
    for (const key of ['reports/big.bin', 'reports/big-stream.bin']) {
      const got = await root.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
      assert.equal(sha256(await got.Body!.transformToByteArray()), sha256(big), key);
    }
    const reader = watched(local.clientConfig({ role: 'in-process-reader' }));
    const refused = await rejection(reader.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'reports/big.bin', Body: big })));
    assert.equal(refused.name, 'AccessDenied');
    const refusedStream = await rejection(reader.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'reports/big.bin', Body: Readable.from([big]), ContentLength: big.length })));
    assert.equal(refusedStream.name, 'AccessDenied');
  });

  test('many concurrent calls, one client', async () => {
    await new IAMClient(local.clientConfig()).send(new CreateUserCommand({ UserName: 'alice' }));
    const sts = new STSClient(local.clientConfig({ user: 'alice' }));
    const all = await Promise.all(Array.from({ length: 50 }, () => sts.send(new GetCallerIdentityCommand({}))));
    assert.ok(all.every((r) => r.Arn === `arn:aws:iam::${ACCOUNT}:user/alice`));
  });

  test('concurrent AssumeRole calls commit their sessions together; a refused one fails alone', async () => {
    const iam = new IAMClient(local.clientConfig());
    await iam.send(new CreateUserCommand({ UserName: 'bob' }));
    await iam.send(new PutUserPolicyCommand({
      UserName: 'bob', PolicyName: 'assume-reader',
      PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: `arn:aws:iam::${ACCOUNT}:role/in-process-reader` }] }),
    }));
    const sts = new STSClient(local.clientConfig({ user: 'bob' }));
    const assume = (role: string, i: number) => sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ACCOUNT}:role/${role}`, RoleSessionName: `s${i}` }));
    const outcomes = await Promise.allSettled(Array.from({ length: 24 }, (_, i) => assume(i === 7 ? 'no-such-role' : 'in-process-reader', i)));
    const refused = outcomes[7]!;
    assert.equal(refused.status, 'rejected');
    assert.equal((refused as PromiseRejectedResult).reason.name, 'AccessDenied');
    const sessions = outcomes.filter((o, i) => i !== 7).map((o) => { assert.equal(o.status, 'fulfilled'); return (o as PromiseFulfilledResult<Awaited<ReturnType<typeof assume>>>).value; });
    assert.equal(new Set(sessions.map((s) => s.Credentials!.AccessKeyId)).size, 23);
    // Every session was stored before its credentials were returned: each one works at once.
    const arns = await Promise.all(sessions.map((s) => new STSClient({
      ...local.clientConfig(),
      credentials: { accessKeyId: s.Credentials!.AccessKeyId!, secretAccessKey: s.Credentials!.SecretAccessKey!, sessionToken: s.Credentials!.SessionToken! },
    }).send(new GetCallerIdentityCommand({}))));
    assert.deepEqual(arns.map((a) => a.Arn), sessions.map((s) => s.AssumedRoleUser!.Arn));
  });

  test('abort signals, destroyed clients', async () => {
    const s3 = new S3Client(local.clientConfig());
    const controller = new AbortController();
    controller.abort();
    const aborted = await rejection(s3.send(new ListBucketsCommand({}), { abortSignal: controller.signal }));
    assert.equal(aborted.name, 'AbortError');
    s3.destroy();
    const destroyed = await rejection(s3.send(new ListBucketsCommand({})));
    assert.match(destroyed.message, /destroyed/);
    // Other clients are unaffected.
    const other = new S3Client(local.clientConfig());
    assert.ok((await other.send(new ListBucketsCommand({}))).Buckets?.some((b) => b.Name === BUCKET));
  });
});

describe('next to a listening server', () => {
  let local: Iamlocal;
  before(async () => {
    local = await startIamlocal({ fixtures: ['db/fixtures/seed-story.yaml'] });
  });
  after(async () => {
    await local.stop();
  });

  test('in-process and socket clients share one state; presigned URLs of an in-process client work over the socket', async () => {
    assert.equal(local.listening, true);
    assert.match(local.endpoint, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(local.clientConfig().requestHandler, undefined);
    const inProcess = new S3Client(local.clientConfig('root', { inProcess: true }));
    const overSocket = new S3Client(local.clientConfig());
    await inProcess.send(new CreateBucketCommand({ Bucket: BUCKET }));
    await inProcess.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'reports/shared.txt', Body: 'both ways' }));
    assert.equal(await (await overSocket.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'reports/shared.txt' }))).Body!.transformToString(), 'both ways');

    const url = await getSignedUrl(inProcess, new GetObjectCommand({ Bucket: BUCKET, Key: 'reports/shared.txt' }), { expiresIn: 60 });
    assert.ok(url.startsWith(local.endpoint));
    const fetched = await fetch(url);
    assert.equal(fetched.status, 200);
    assert.equal(await fetched.text(), 'both ways');
    const put = await getSignedUrl(inProcess, new PutObjectCommand({ Bucket: BUCKET, Key: 'reports/presigned.txt' }), { expiresIn: 60 });
    assert.equal((await fetch(put, { method: 'PUT', body: 'via presigned PUT' })).status, 200);
    const back = await inProcess.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'reports/presigned.txt' }));
    assert.equal(await back.Body!.transformToString(), 'via presigned PUT');
  });

  test('stop() lets in-process requests in flight finish, then refuses new ones', async () => {
    const other = await startIamlocal({ listen: false });
    const s3 = new S3Client(other.clientConfig());
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    // An upload whose body arrives slowly: stop() is called while it is on the wire.
    let started!: () => void;
    const onTheWire = new Promise<void>((resolve) => { started = resolve; });
    let sent = 0;
    const body = new Readable({
      read() {
        if (sent === 0) started();
        if (sent === 4) { this.push(null); return; }
        sent += 1;
        setTimeout(() => this.push(Buffer.alloc(1024, sent)), 20);
      },
    });
    const upload = s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'slow', Body: body, ContentLength: 4096 }));
    await onTheWire;
    const stopped = other.stop();
    assert.equal((await upload).$metadata.httpStatusCode, 200);
    await stopped;
    const refused = await rejection(s3.send(new ListBucketsCommand({})));
    assert.match(refused.message, /stopped/);
  });
});

test('the handler keeps repeated headers apart both ways and streams bodies (any node:http server)', async () => {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      res.setHeader('x-multi', ['one', 'two']);
      res.setHeader('set-cookie', ['a=1', 'b=2']);
      res.end(JSON.stringify({ method: req.method, url: req.url, tags: req.headersDistinct['x-tags'], body: Buffer.concat(chunks).toString() }));
    });
  });
  const handler = new InProcessHttpHandler(() => {
    const [client, serverEnd] = socketPair();
    server.emit('connection', serverEnd);
    return client;
  });
  const { response } = await handler.handle({
    method: 'POST', protocol: 'http:', hostname: 'example.internal', path: '/p', query: { b: ['2', '1'], a: 'x y', flag: null },
    headers: { 'x-tags': 'red, green', 'content-type': 'text/plain' }, body: Readable.from(['str', 'eam']),
  });
  assert.equal(response.statusCode, 200);
  assert.equal(response.headers['x-multi'], 'one, two');
  assert.equal(response.headers['set-cookie'], 'a=1,b=2');
  const echoed = JSON.parse(await new Promise<string>((resolve) => {
    const chunks: Buffer[] = [];
    response.body.on('data', (c: Buffer) => chunks.push(c)).on('end', () => resolve(Buffer.concat(chunks).toString()));
  })) as { method: string; url: string; tags: string[]; body: string };
  assert.deepEqual(echoed, { method: 'POST', url: '/p?a=x%20y&b=2&b=1&flag', tags: ['red, green'], body: 'stream' });
  const head = await handler.handle({ method: 'HEAD', hostname: 'example.internal', path: '/', headers: {} });
  assert.equal(head.response.statusCode, 200);
  server.close();
});

describe('aws-sdk-client-mock bridge', () => {
  let local: Iamlocal;
  before(async () => {
    local = await startIamlocal({ listen: false });
    const root = new S3Client(local.clientConfig());
    await root.send(new CreateBucketCommand({ Bucket: BUCKET }));
    await root.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'reports/q3.csv', Body: 'eu,42' }));
    await root.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'private/salaries.csv', Body: 'secret' }));
    await createReader(new IAMClient(local.clientConfig()), 'app-role');
  });
  after(async () => {
    await local.stop();
  });

  test('routed commands get real decisions; unrouted ones keep the mock; calls are still recorded', async () => {
    const s3Mock = mockClient(S3Client);
    try {
      s3Mock.on(ListBucketsCommand).resolves({ Buckets: [{ Name: 'mocked-bucket' }] });
      routeThroughIamlocal(s3Mock, local, { principal: { role: 'app-role' }, commands: [GetObjectCommand, PutObjectCommand] });
      // The code under test builds its own client, aimed at AWS: the mock intercepts it.
      const app = new S3Client({ region: 'eu-west-1' });
      const report = await app.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'reports/q3.csv' }));
      assert.equal(await report.Body!.transformToString(), 'eu,42');
      const denied = await rejection(app.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'private/salaries.csv' })));
      assert.equal(denied.name, 'AccessDenied');
      assert.equal(denied.message, `User: arn:aws:sts::${ACCOUNT}:assumed-role/app-role/iamlocal-test is not authorized to perform: s3:GetObject on resource: "arn:aws:s3:::${BUCKET}/private/salaries.csv" because no identity-based policy allows the s3:GetObject action`);
      const put = await rejection(app.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'reports/new.csv', Body: 'x' })));
      assert.equal(put.name, 'AccessDenied');
      assert.deepEqual((await app.send(new ListBucketsCommand({}))).Buckets, [{ Name: 'mocked-bucket' }]);
      // Unrouted and unmocked: aws-sdk-client-mock's default (undefined), not a real call.
      assert.equal(await app.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 'reports/q3.csv' })), undefined);
      assert.equal(s3Mock.commandCalls(GetObjectCommand).length, 2);
      assert.equal(s3Mock.commandCalls(DeleteObjectCommand).length, 1);
    } finally {
      s3Mock.restore();
    }
    // The object the mocked DeleteObject "deleted" is still there; the denied PutObject wrote nothing.
    const root = new S3Client(local.clientConfig());
    assert.equal((await root.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'reports/' }))).KeyCount, 1);
  });

  test('survives local.reset() (credentials are minted again) and works for STS and mocked instances', async () => {
    const stsMock = mockClient(STSClient);
    try {
      routeThroughIamlocal(stsMock, local, { principal: { role: 'app-role', session: 'bridged' }, commands: [GetCallerIdentityCommand] });
      const sts = new STSClient({ region: 'us-east-1' });
      assert.equal((await sts.send(new GetCallerIdentityCommand({}))).Arn, `arn:aws:sts::${ACCOUNT}:assumed-role/app-role/bridged`);
      local.reset('empty');
      const gone = await rejection(sts.send(new GetCallerIdentityCommand({})));
      assert.match(gone.message, /no role app-role/);
      await createReader(new IAMClient(local.clientConfig()), 'app-role');
      assert.equal((await sts.send(new GetCallerIdentityCommand({}))).Arn, `arn:aws:sts::${ACCOUNT}:assumed-role/app-role/bridged`);
    } finally {
      stsMock.restore();
    }
    // A mocked instance: only that client is intercepted.
    const instance = new S3Client({ region: 'us-east-1' });
    const instanceMock = mockClient(instance);
    try {
      routeThroughIamlocal(instanceMock, local, { commands: [ListBucketsCommand] });
      assert.deepEqual((await instance.send(new ListBucketsCommand({}))).Buckets, []);
    } finally {
      instanceMock.restore();
    }
  });
});
