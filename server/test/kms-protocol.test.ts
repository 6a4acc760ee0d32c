// KMS's awsJson1_1 wire protocol: routing by X-Amz-Target and the SigV4 scope `kms`, and the JSON errors
// (`__type`, `message`, x-amzn-ErrorType) an SDK parses, for faults the SDKs never let a caller make.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startServer, type RunningServer } from '../src/server.ts';
import { signedHeaders, type Credentials } from './support/sign.ts';

let server: RunningServer;
before(async () => {
  server = await startServer({ port: 0, db: ':memory:' });
});
after(async () => {
  await server.close();
});

async function call(target: string, body: string, credentials?: Credentials): Promise<{ status: number; type: string | null; json: Record<string, unknown> }> {
  const host = new URL(server.url).host;
  const base: Record<string, string> = { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': target };
  const headers = credentials === undefined ? base : await signedHeaders('kms', host, { method: 'POST', path: '/', headers: base, body }, credentials);
  delete headers.host;
  const res = await fetch(`${server.url}/`, { method: 'POST', headers, body });
  assert.match(res.headers.get('content-type') ?? '', /^application\/x-amz-json-1\.1/);
  return { status: res.status, type: res.headers.get('x-amzn-errortype'), json: JSON.parse(await res.text()) as Record<string, unknown> };
}

const ROOT = { accessKeyId: 'test', secretAccessKey: 'test' };

test('signed calls run; faults are JSON errors with __type and x-amzn-ErrorType', async () => {
  const ok = await call('TrentService.ListKeys', '{}', ROOT);
  assert.deepEqual([ok.status, ok.json], [200, { Keys: [], Truncated: false }]);

  const unsigned = await call('TrentService.ListKeys', '{}');
  assert.equal(unsigned.json.__type, 'MissingAuthenticationTokenException');
  assert.equal(unsigned.type, 'MissingAuthenticationTokenException');
  const unknownKey = await call('TrentService.ListKeys', '{}', { accessKeyId: 'AKIANOSUCHKEY0000000', secretAccessKey: 'x' });
  assert.deepEqual(unknownKey.json, { __type: 'UnrecognizedClientException', message: 'The security token included in the request is invalid.' });
  const badSecret = await call('TrentService.ListKeys', '{}', { accessKeyId: 'test', secretAccessKey: 'wrong' });
  assert.equal(badSecret.json.__type, 'InvalidSignatureException');

  const unknownOperation = await call('TrentService.MakeCoffee', '{}', ROOT);
  assert.deepEqual([unknownOperation.status, unknownOperation.json.__type], [400, 'UnknownOperationException']);
  const notJson = await call('TrentService.DescribeKey', '{"KeyId": ', ROOT);
  assert.equal(notJson.json.__type, 'SerializationException');
  const wrongType = await call('TrentService.DescribeKey', '{"KeyId": 7}', ROOT);
  assert.equal(wrongType.json.__type, 'SerializationException');
  const missing = await call('TrentService.DescribeKey', '{}', ROOT);
  assert.deepEqual([missing.status, missing.json], [400, {
    __type: 'ValidationException', message: "1 validation error detected: Value null at 'keyId' failed to satisfy constraint: Member must not be null",
  }]);
  // Blobs are named without a value (moto and LocalStack's AWS-verified tests pin this text).
  const tooLong = await call('TrentService.Encrypt', JSON.stringify({ KeyId: 'alias/x', Plaintext: Buffer.alloc(4097).toString('base64') }), ROOT);
  assert.deepEqual(tooLong.json, {
    __type: 'ValidationException', message: "1 validation error detected: Value at 'plaintext' failed to satisfy constraint: Member must have length less than or equal to 4096",
  });
  const badBlob = await call('TrentService.Decrypt', '{"CiphertextBlob": "not base64!"}', ROOT);
  assert.equal(badBlob.json.__type, 'SerializationException');
});
