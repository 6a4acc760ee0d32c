// aws-chunked decoding, chunk and trailer signatures, flexible checksums and plain-body verification.
import assert from 'node:assert/strict';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable, type Transform } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { crc32 as zlibCrc32 } from 'node:zlib';
import { PutObjectCommand, S3Client, UploadPartCommand, type ChecksumAlgorithm as SdkChecksumAlgorithm } from '@aws-sdk/client-s3';
import { Crc32cJs, Crc64NvmeJs } from '@aws-sdk/checksums/crc';
import {
  AwsChunkedDecoder, createS3BodyVerifier, createVerifyingPassThrough, S3StreamError,
  type BodyVerifier, type ChunkSigning, type StreamingMode,
} from '../src/auth/chunked.ts';
import { checksumAlgorithmFromHeader, createChecksum, createTableCrc32, type ChecksumAlgorithm } from '../src/auth/checksums.ts';
import { authenticate, deriveSigningKey, parseAmzDate, type AuthSuccess, type CredentialRecord, type IncomingSignedRequest } from '../src/auth/sigv4.ts';

const sha = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');
const EMPTY = sha('');
const b64 = (algorithm: ChecksumAlgorithm, data: Buffer): string => {
  const c = createChecksum(algorithm);
  c.update(data);
  return c.digestBase64();
};

interface Outcome { out: Buffer; error?: S3StreamError; verifier: BodyVerifier }

/** Feeds `body` to the verifier in pieces of `sizes` (cycled), collecting the output or the error. */
async function run(verifier: Transform & BodyVerifier, body: Buffer, sizes: number[] = [body.length || 1]): Promise<Outcome> {
  const pieces: Buffer[] = [];
  for (let pos = 0, i = 0; pos < body.length; i++) {
    const size = Math.max(1, sizes[i % sizes.length]!);
    pieces.push(body.subarray(pos, pos + size));
    pos += size;
  }
  const out: Buffer[] = [];
  try {
    for await (const chunk of Readable.from(pieces).pipe(verifier)) out.push(chunk as Buffer);
    return { out: Buffer.concat(out), verifier };
  } catch (error) {
    assert.ok(error instanceof S3StreamError, `expected an S3StreamError, got ${String(error)}`);
    return { out: Buffer.concat(out), error, verifier };
  }
}
const errorShape = (o: Outcome): { code: string; message: string; status: number } | undefined =>
  o.error && { code: o.error.code, message: o.error.message, status: o.error.status };

/** Builds a signed aws-chunked body the way the S3 documentation describes it. */
function signedChunkedBody(signing: ChunkSigning, chunks: Buffer[], trailers?: [string, string][]): Buffer {
  let previous = signing.seedSignature;
  const sign = (toSign: string): string => createHmac('sha256', signing.signingKey).update(toSign).digest('hex');
  const parts: Buffer[] = [];
  for (const data of [...chunks, Buffer.alloc(0)]) {
    previous = sign(['AWS4-HMAC-SHA256-PAYLOAD', signing.amzDate, signing.scope, previous, EMPTY, sha(data)].join('\n'));
    parts.push(Buffer.from(`${data.length.toString(16)};chunk-signature=${previous}\r\n`), data);
    if (data.length > 0 || !trailers) parts.push(Buffer.from('\r\n'));
  }
  if (trailers) {
    const canonical = trailers.map(([n, v]) => `${n}:${v}\n`).join('');
    const trailerSignature = sign(['AWS4-HMAC-SHA256-TRAILER', signing.amzDate, signing.scope, previous, sha(canonical)].join('\n'));
    parts.push(Buffer.from(`${trailers.map(([n, v]) => `${n}:${v}\r\n`).join('')}x-amz-trailer-signature:${trailerSignature}\r\n\r\n`));
  }
  return Buffer.concat(parts);
}

/** An unsigned aws-chunked body with a trailer, as SDK v3 writes one. */
function unsignedChunkedBody(chunks: Buffer[], trailer?: [string, string]): Buffer {
  const parts: Buffer[] = [];
  for (const data of chunks) parts.push(Buffer.from(`${data.length.toString(16)}\r\n`), data, Buffer.from('\r\n'));
  parts.push(Buffer.from(`0\r\n${trailer ? `${trailer[0]}:${trailer[1]}\r\n` : ''}\r\n`));
  return Buffer.concat(parts);
}

// ---------------------------------------------------------------------------------------------------------------

describe('checksums', () => {
  test('check values of "123456789"', () => {
    const input = Buffer.from('123456789');
    const hex = (a: ChecksumAlgorithm): string => Buffer.from(b64(a, input), 'base64').toString('hex');
    assert.equal(hex('CRC32'), 'cbf43926');
    assert.equal(hex('CRC32C'), 'e3069283');
    assert.equal(hex('CRC64NVME'), 'ae8b14860a799888');
    assert.equal(hex('SHA1'), 'f7c3bc1d808e04732adf679965ccc34ca7ae3441');
    assert.equal(hex('SHA256'), '15e2b0d3c33891ebb0f1ef609ec419420c20e320ce94c65fbc8c3312448eb225');
    const table = createTableCrc32();
    table.update(input);
    assert.equal(Buffer.from(table.digestBase64(), 'base64').toString('hex'), 'cbf43926');
  });

  test('streamed in uneven pieces, the CRCs agree with the SDK\'s implementations and with zlib', async () => {
    const data = randomBytes(200_003);
    const fed = (c: ReturnType<typeof createChecksum>): string => {
      for (let pos = 0, step = 1; pos < data.length; pos += step, step = step * 3 + 1) c.update(data.subarray(pos, pos + step));
      return c.digestBase64();
    };
    const sdk = async (h: { update(d: Uint8Array): void; digest(): Promise<Uint8Array> }): Promise<string> => {
      h.update(data);
      return Buffer.from(await h.digest()).toString('base64');
    };
    assert.equal(fed(createChecksum('CRC32C')), await sdk(new Crc32cJs()));
    assert.equal(fed(createChecksum('CRC64NVME')), await sdk(new Crc64NvmeJs()));
    const zlib = Buffer.alloc(4);
    zlib.writeUInt32BE(zlibCrc32(data) >>> 0);
    assert.equal(fed(createChecksum('CRC32')), zlib.toString('base64'));
    assert.equal(fed(createTableCrc32()), zlib.toString('base64'));
    assert.equal(fed(createChecksum('SHA256')), createHash('sha256').update(data).digest('base64'));
  });

  test('header names map to algorithms', () => {
    assert.equal(checksumAlgorithmFromHeader('x-amz-checksum-crc32'), 'CRC32');
    assert.equal(checksumAlgorithmFromHeader('X-Amz-Checksum-CRC64NVME'), 'CRC64NVME');
    assert.equal(checksumAlgorithmFromHeader('crc32c'), 'CRC32C');
    assert.equal(checksumAlgorithmFromHeader('x-amz-checksum-sha256'), 'SHA256');
    assert.equal(checksumAlgorithmFromHeader('x-amz-checksum-md5'), undefined);
    assert.equal(checksumAlgorithmFromHeader('x-amz-checksum-type'), undefined);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// The S3 documentation's chunked-upload examples (AKIAIOSFODNN7EXAMPLE, 20130524T000000Z, 65 KiB of 'a').
// ---------------------------------------------------------------------------------------------------------------

describe('S3 documentation examples', () => {
  const keys: Record<string, CredentialRecord> = { AKIAIOSFODNN7EXAMPLE: { secretKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' } };
  const DATA = Buffer.alloc(66560, 'a');
  const now = parseAmzDate('20130524T000000Z')!;
  const authorization = (signed: string, signature: string): string =>
    `AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=${signed},Signature=${signature}`;

  function seeded(headers: Record<string, string>): AuthSuccess<CredentialRecord> {
    const req: IncomingSignedRequest = { method: 'PUT', rawPath: '/examplebucket/chunkObject.txt', rawQuery: '', headers: { host: 's3.amazonaws.com', 'x-amz-date': '20130524T000000Z', 'x-amz-storage-class': 'REDUCED_REDUNDANCY', 'content-encoding': 'aws-chunked', 'x-amz-decoded-content-length': '66560', ...headers } };
    const result = authenticate(req, 's3', now, (id) => keys[id]);
    if (result.ok !== true) assert.fail(JSON.stringify(result));
    return result;
  }

  test('STREAMING-AWS4-HMAC-SHA256-PAYLOAD: seed signature, then each chunk signature', async () => {
    const headers = {
      'content-length': '66824', 'x-amz-content-sha256': 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD',
      authorization: authorization('content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-storage-class', '4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9'),
    };
    const auth = seeded(headers);
    const body = Buffer.concat([
      Buffer.from('10000;chunk-signature=ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648\r\n'), DATA.subarray(0, 65536),
      Buffer.from('\r\n400;chunk-signature=0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497\r\n'), DATA.subarray(65536),
      Buffer.from('\r\n0;chunk-signature=b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9\r\n\r\n'),
    ]);
    assert.equal(body.length, 66824);
    for (const sizes of [[body.length], [1], [7, 13, 4096], [65_600]]) {
      const verifier = createS3BodyVerifier({ 'content-encoding': 'aws-chunked', 'x-amz-decoded-content-length': '66560', ...headers }, auth);
      assert.ok(!(verifier instanceof S3StreamError));
      const o = await run(verifier, body, sizes);
      assert.equal(o.error, undefined, String(o.error?.message));
      assert.ok(o.out.equals(DATA));
      assert.equal(o.verifier.md5Hex, createHash('md5').update(DATA).digest('hex'));
    }
    // A flipped byte inside the second chunk breaks that chunk's signature.
    const tampered = Buffer.from(body);
    tampered[65536 + 200] = 0x62;
    const o = await run(new AwsChunkedDecoder({ mode: 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD', signing: auth, decodedContentLength: 66560 }), tampered, [4096]);
    assert.deepEqual(errorShape(o), { code: 'SignatureDoesNotMatch', status: 403, message: 'The request signature we calculated does not match the signature you provided. Check your key and signing method.' });
  });

  test('STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER: chunk signatures, CRC32C trailer and trailer signature', async () => {
    const headers = {
      'x-amz-content-sha256': 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER', 'x-amz-trailer': 'x-amz-checksum-crc32c',
      authorization: authorization('content-encoding;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-storage-class;x-amz-trailer', '106e2a8a18243abcf37539882f36619c00e2dfc72633413f02d3b74544bfeb8e'),
    };
    const auth = seeded(headers);
    assert.equal(b64('CRC32C', DATA), 'sOO8/Q==');
    const head = Buffer.concat([
      Buffer.from('10000;chunk-signature=b474d8862b1487a5145d686f57f013e54db672cee1c953b3010fb58501ef5aa2\r\n'), DATA.subarray(0, 65536),
      Buffer.from('\r\n400;chunk-signature=1c1344b170168f8e65b41376b44b20fe354e373826ccbbe2c1d40a8cae51e5c7\r\n'), DATA.subarray(65536),
      Buffer.from('\r\n0;chunk-signature=2ca2aba2005185cf7159c6277faf83795951dd77a3a99e6e65d5c9f85863f992\r\n'),
    ]);
    const trailer = 'x-amz-checksum-crc32c:sOO8/Q==\r\nx-amz-trailer-signature:d81f82fc3505edab99d459891051a732e8730629a2e4a59689829ca17fe2e435\r\n';
    const allHeaders = { 'content-encoding': 'aws-chunked', 'x-amz-decoded-content-length': '66560', ...headers };
    // Seen in the wild: with and without a blank line before the trailers, with and without the final blank line.
    for (const body of [`${trailer}\r\n`, `\r\n${trailer}\r\n`, trailer].map((t) => Buffer.concat([head, Buffer.from(t)]))) {
      const verifier = createS3BodyVerifier(allHeaders, auth) as Transform & BodyVerifier;
      const o = await run(verifier, body, [777]);
      assert.equal(o.error, undefined, String(o.error?.message));
      assert.ok(o.out.equals(DATA));
      assert.deepEqual(o.verifier.checksum, { algorithm: 'CRC32C', value: 'sOO8/Q==' });
    }
    const badTrailerSig = Buffer.concat([head, Buffer.from(`${trailer.replace('d81f82fc', 'd81f82fd')}\r\n`)]);
    assert.equal(errorShape(await run(createS3BodyVerifier(allHeaders, auth) as Transform & BodyVerifier, badTrailerSig))?.code, 'SignatureDoesNotMatch');
    // Another checksum value fails the trailer signature before the checksum comparison.
    const otherValue = Buffer.concat([head, Buffer.from(`${trailer.replace('sOO8/Q==', 'AAAAAA==')}\r\n`)]);
    assert.equal(errorShape(await run(createS3BodyVerifier(allHeaders, auth) as Transform & BodyVerifier, otherValue))?.code, 'SignatureDoesNotMatch');
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Bodies produced by SDK v3, captured on the wire.
// ---------------------------------------------------------------------------------------------------------------

interface Captured { url: string; headers: IncomingHttpHeaders; body: Buffer }
const captured: Captured[] = [];
let endpoint = '';
const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    captured.push({ url: req.url ?? '/', headers: req.headers, body: Buffer.concat(chunks) });
    res.writeHead(200, { etag: '"0"' }).end();
  });
});
before(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('aws-chunked bodies from SDK v3', () => {
  const credentials = { accessKeyId: 'AKIACHUNKEDSDKV30001', secretAccessKey: 'chunked/secret' };
  const keys: Record<string, CredentialRecord> = { [credentials.accessKeyId]: { secretKey: credentials.secretAccessKey } };
  const client = (): S3Client => new S3Client({ endpoint, region: 'us-east-1', credentials, forcePathStyle: true, maxAttempts: 1 });

  async function send(command: PutObjectCommand | UploadPartCommand): Promise<Captured> {
    const count = captured.length;
    await client().send(command as PutObjectCommand).catch(() => undefined);
    assert.equal(captured.length, count + 1);
    return captured.at(-1)!;
  }

  async function verifyCaptured(c: Captured, data: Buffer, sizes: number[]): Promise<Outcome> {
    const q = c.url.indexOf('?');
    const req: IncomingSignedRequest = { method: 'PUT', rawPath: q < 0 ? c.url : c.url.slice(0, q), rawQuery: q < 0 ? '' : c.url.slice(q + 1), headers: c.headers };
    const auth = authenticate(req, 's3', parseAmzDate(String(c.headers['x-amz-date']))!, (id) => keys[id]);
    if (auth.ok !== true) assert.fail(JSON.stringify(auth));
    const verifier = createS3BodyVerifier(c.headers, auth);
    assert.ok(!(verifier instanceof S3StreamError), String(verifier));
    const o = await run(verifier, c.body, sizes);
    assert.equal(o.error, undefined, String(o.error?.message));
    assert.ok(o.out.equals(data));
    return o;
  }

  for (const algorithm of ['CRC32', 'CRC32C', 'SHA1', 'SHA256', 'CRC64NVME'] as const) {
    test(`PutObject with a stream body and ChecksumAlgorithm ${algorithm}`, async () => {
      const data = randomBytes(200_000 + algorithm.length);
      const c = await send(new PutObjectCommand({
        Bucket: 'b', Key: `dir/stream ${algorithm}.bin`, Body: Readable.from([data.subarray(0, 70_000), data.subarray(70_000)]),
        ContentLength: data.length, ChecksumAlgorithm: algorithm as SdkChecksumAlgorithm,
      }));
      assert.equal(c.headers['content-encoding'], 'aws-chunked');
      assert.equal(c.headers['x-amz-content-sha256'], 'STREAMING-UNSIGNED-PAYLOAD-TRAILER');
      const o = await verifyCaptured(c, data, [1000, 3, 65_536]);
      assert.deepEqual(o.verifier.checksum, { algorithm, value: b64(algorithm, data) });

      // The same body with one data byte changed: the trailer checksum no longer matches.
      const tampered = Buffer.from(c.body);
      tampered[tampered.indexOf('\r\n') + 10] ^= 1;
      const verifier = createS3BodyVerifier(c.headers, { payloadHash: 'STREAMING-UNSIGNED-PAYLOAD-TRAILER', signingKey: Buffer.alloc(0), amzDate: '', scope: '', seedSignature: '' });
      assert.deepEqual(errorShape(await run(verifier as Transform & BodyVerifier, tampered)),
        { code: 'BadDigest', status: 400, message: `The ${algorithm} you specified did not match the calculated checksum.` });
    });
  }

  test('UploadPart with the default checksum, and a Uint8Array PutObject (checksum as a header, not a trailer)', async () => {
    const part = randomBytes(5 * 1024 + 7);
    const c = await send(new UploadPartCommand({ Bucket: 'b', Key: 'k', UploadId: 'u1', PartNumber: 1, Body: Readable.from([part]), ContentLength: part.length }));
    await verifyCaptured(c, part, [512]);

    const small = Buffer.from('hello, plain body');
    const plain = await send(new PutObjectCommand({ Bucket: 'b', Key: 'plain', Body: small, ChecksumAlgorithm: 'CRC32C' }));
    const o = await verifyCaptured(plain, small, [5]);
    assert.deepEqual(o.verifier.checksum, { algorithm: 'CRC32C', value: b64('CRC32C', small) });
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Handcrafted bodies: every way a body can be wrong.
// ---------------------------------------------------------------------------------------------------------------

describe('malformed and mismatching bodies', () => {
  const signing: ChunkSigning = {
    signingKey: deriveSigningKey('secret', '20261125', 'us-east-1', 's3'), amzDate: '20261125T100000Z',
    scope: '20261125/us-east-1/s3/aws4_request', seedSignature: 'a'.repeat(64),
  };
  const DATA = randomBytes(20_000);
  const CHUNKS = [DATA.subarray(0, 8192), DATA.subarray(8192, 16384), DATA.subarray(16384)];
  const decoder = (mode: StreamingMode, extra: Partial<ConstructorParameters<typeof AwsChunkedDecoder>[0]> = {}): AwsChunkedDecoder =>
    new AwsChunkedDecoder({ mode, signing: mode === 'STREAMING-UNSIGNED-PAYLOAD-TRAILER' ? undefined : signing, decodedContentLength: DATA.length, ...extra });
  const INCOMPLETE = { code: 'IncompleteBody', status: 400, message: 'The request body terminated unexpectedly' };
  const MALFORMED = { code: 'InvalidRequest', status: 400, message: 'The aws-chunked encoding of the request body is malformed.' };
  const TRAILER = { code: 'MalformedTrailerError', status: 400, message: 'The request contained trailing data that was not well-formed or did not conform to our published schema.' };

  test('handcrafted signed bodies verify, with and without a signed trailer', async () => {
    const plain = await run(decoder('STREAMING-AWS4-HMAC-SHA256-PAYLOAD'), signedChunkedBody(signing, CHUNKS), [333]);
    assert.equal(plain.error, undefined);
    assert.ok(plain.out.equals(DATA));
    const trailers: [string, string][] = [['x-amz-checksum-sha256', b64('SHA256', DATA)]];
    const withTrailer = await run(decoder('STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER', { trailerNames: ['x-amz-checksum-sha256'] }), signedChunkedBody(signing, CHUNKS, trailers), [1]);
    assert.equal(withTrailer.error, undefined, withTrailer.error?.message);
    assert.deepEqual(withTrailer.verifier.checksum, { algorithm: 'SHA256', value: b64('SHA256', DATA) });
  });

  test('chunk signature chain: another seed, missing signatures, spliced bodies', async () => {
    const reordered = signedChunkedBody(signing, CHUNKS);
    const otherSeed = signedChunkedBody({ ...signing, seedSignature: 'b'.repeat(64) }, CHUNKS);
    assert.equal(errorShape(await run(decoder('STREAMING-AWS4-HMAC-SHA256-PAYLOAD'), otherSeed))?.code, 'SignatureDoesNotMatch');
    const unsignedChunks = unsignedChunkedBody(CHUNKS);
    assert.deepEqual(errorShape(await run(decoder('STREAMING-AWS4-HMAC-SHA256-PAYLOAD'), unsignedChunks)), MALFORMED);
    // Splicing: the first chunk of one valid body with the rest of another is caught at the second chunk.
    const other = signedChunkedBody(signing, [Buffer.alloc(8192, 1), CHUNKS[1]!, CHUNKS[2]!]);
    const firstEnd = reordered.indexOf('\r\n') + 2 + 8192 + 2;
    const spliced = Buffer.concat([other.subarray(0, firstEnd), reordered.subarray(firstEnd)]);
    const o = await run(decoder('STREAMING-AWS4-HMAC-SHA256-PAYLOAD', { decodedContentLength: undefined }), spliced);
    assert.equal(errorShape(o)?.code, 'SignatureDoesNotMatch');
  });

  test('truncated bodies, bad hex sizes, huge declared sizes, missing CRLF, trailing garbage', async () => {
    const body = unsignedChunkedBody(CHUNKS, ['x-amz-checksum-crc32', b64('CRC32', DATA)]);
    const unsigned = (extra = {}): AwsChunkedDecoder => decoder('STREAMING-UNSIGNED-PAYLOAD-TRAILER', { trailerNames: ['x-amz-checksum-crc32'], ...extra });
    const ok = await run(unsigned(), body, [100]);
    assert.equal(ok.error, undefined, ok.error?.message);
    assert.deepEqual(ok.verifier.checksum, { algorithm: 'CRC32', value: b64('CRC32', DATA) });
    for (const cut of [1, 10, 8200, body.length - 30]) {
      assert.deepEqual(errorShape(await run(unsigned(), body.subarray(0, cut))), INCOMPLETE, `cut at ${cut}`);
    }
    assert.deepEqual(errorShape(await run(unsigned(), Buffer.from('zz\r\nhello\r\n0\r\n\r\n'))), MALFORMED);
    assert.deepEqual(errorShape(await run(unsigned(), Buffer.from('-5\r\nhello\r\n0\r\n\r\n'))), MALFORMED);
    assert.deepEqual(errorShape(await run(unsigned(), Buffer.from('\r\nhello\r\n0\r\n\r\n'))), MALFORMED);
    assert.deepEqual(errorShape(await run(unsigned(), Buffer.from('10000000000000000\r\n'))), MALFORMED);
    // Larger than x-amz-decoded-content-length: refused at the chunk header, before any data is streamed.
    const huge = await run(unsigned(), Buffer.from('fffffffffffff\r\nabc'));
    assert.deepEqual(errorShape(huge), INCOMPLETE);
    assert.equal(huge.out.length, 0);
    // Without a declared length the same body simply ends too early.
    assert.deepEqual(errorShape(await run(unsigned({ decodedContentLength: undefined }), Buffer.from('fffffffffffff\r\nabc'))), INCOMPLETE);
    assert.deepEqual(errorShape(await run(unsigned({ decodedContentLength: 5, trailerNames: [] }), Buffer.from('5\r\nhelloXX0\r\n\r\n'))), MALFORMED);
    assert.deepEqual(errorShape(await run(unsigned({ decodedContentLength: 5, trailerNames: [] }), Buffer.from(`5\r\nhello\r\n${'f'.repeat(5000)}`))), MALFORMED);
    assert.deepEqual(errorShape(await run(unsigned({ decodedContentLength: 5, trailerNames: [] }), Buffer.from('5\r\nhello\r\n0\r\n\r\nextra'))), MALFORMED);
    assert.equal((await run(unsigned({ decodedContentLength: 5, trailerNames: [] }), Buffer.from('5\r\nhello\r\n0\r\n\r\n'))).error, undefined);
  });

  test('decoded length, trailers and checksums that do not match', async () => {
    const body = unsignedChunkedBody(CHUNKS, ['x-amz-checksum-crc32c', b64('CRC32C', DATA)]);
    const mode = 'STREAMING-UNSIGNED-PAYLOAD-TRAILER';
    assert.deepEqual(errorShape(await run(decoder(mode, { trailerNames: ['x-amz-checksum-crc32c'], decodedContentLength: DATA.length + 1 }), body)), INCOMPLETE);
    assert.deepEqual(errorShape(await run(decoder(mode, { trailerNames: ['x-amz-checksum-crc32c'], decodedContentLength: DATA.length - 1 }), body)), INCOMPLETE);
    const wrong = unsignedChunkedBody(CHUNKS, ['x-amz-checksum-crc32c', b64('CRC32C', Buffer.from('other'))]);
    assert.deepEqual(errorShape(await run(decoder(mode, { trailerNames: ['x-amz-checksum-crc32c'] }), wrong)),
      { code: 'BadDigest', status: 400, message: 'The CRC32C you specified did not match the calculated checksum.' });
    assert.deepEqual(errorShape(await run(decoder(mode, { trailerNames: ['x-amz-checksum-crc32'] }), body)), TRAILER, 'a trailer that was not declared');
    assert.deepEqual(errorShape(await run(decoder(mode, { trailerNames: ['x-amz-checksum-crc32c'] }), unsignedChunkedBody(CHUNKS))), TRAILER, 'a declared trailer that never came');
    assert.deepEqual(errorShape(await run(decoder(mode, { trailerNames: ['x-amz-checksum-crc32c'] }), unsignedChunkedBody(CHUNKS, ['x-amz-checksum-crc32c', 'not base64!']))),
      { code: 'InvalidRequest', status: 400, message: 'Value for x-amz-checksum-crc32c trailing header is invalid.' });
    assert.deepEqual(errorShape(await run(decoder(mode, { trailerNames: ['x-amz-checksum-crc32c'] }), Buffer.concat([unsignedChunkedBody(CHUNKS).subarray(0, -2), Buffer.from('no colon here\r\n\r\n')]))), TRAILER);
    // A checksum sent as a header of an aws-chunked body is checked as well.
    const headerChecked = await run(decoder(mode, { checksumHeader: { algorithm: 'SHA1', value: b64('SHA1', Buffer.from('x')) } }), unsignedChunkedBody(CHUNKS));
    assert.deepEqual(errorShape(headerChecked), { code: 'BadDigest', status: 400, message: 'The SHA1 you specified did not match the calculated checksum.' });
  });

  test('createS3BodyVerifier rejects headers it cannot honour', () => {
    const auth = { payloadHash: 'STREAMING-UNSIGNED-PAYLOAD-TRAILER', ...signing };
    const shape = (e: unknown): unknown => (e instanceof S3StreamError ? { code: e.code, message: e.message, status: e.status } : e);
    assert.deepEqual(shape(createS3BodyVerifier({ 'x-amz-trailer': 'x-amz-meta-foo' }, auth)),
      { code: 'InvalidRequest', status: 400, message: 'The value specified in the x-amz-trailer header is not supported' });
    assert.deepEqual(shape(createS3BodyVerifier({ 'x-amz-checksum-crc32': 'abc' }, auth)),
      { code: 'InvalidRequest', status: 400, message: 'Value for x-amz-checksum-crc32 header is invalid.' });
    assert.deepEqual(shape(createS3BodyVerifier({ 'x-amz-checksum-crc32': 'AAAAAA==', 'x-amz-checksum-sha1': b64('SHA1', Buffer.from('')) }, auth)),
      { code: 'InvalidRequest', status: 400, message: 'Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.' });
    assert.deepEqual(shape(createS3BodyVerifier({ 'content-md5': 'nope' }, auth)),
      { code: 'InvalidDigest', status: 400, message: 'The Content-MD5 you specified was invalid.' });
    assert.equal((createS3BodyVerifier({}, { ...auth, payloadHash: 'STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD' }) as S3StreamError).code, 'NotImplemented');
    assert.ok(createS3BodyVerifier({}, undefined) instanceof Readable);
  });

  test('output streams while input arrives (bounded memory)', async () => {
    const d = decoder('STREAMING-UNSIGNED-PAYLOAD-TRAILER', { decodedContentLength: undefined });
    const size = 8 * 1024 * 1024;
    const seen: number[] = [];
    d.on('data', (c: Buffer) => seen.push(c.length));
    d.write(Buffer.from(`${size.toString(16)}\r\n`));
    const piece = Buffer.alloc(64 * 1024, 7);
    for (let sent = 0; sent < size; sent += piece.length) {
      d.write(piece);
      await new Promise((resolve) => setImmediate(resolve));
      // Every piece written has come out again: nothing accumulates inside the decoder.
      assert.equal(seen.reduce((a, b) => a + b, 0), sent + piece.length);
    }
    d.end(Buffer.from('\r\n0\r\n\r\n'));
    await new Promise((resolve, reject) => d.on('end', resolve).on('error', reject));
    assert.equal(d.decodedBytes, size);
  });
});

describe('plain bodies (createVerifyingPassThrough)', () => {
  const body = Buffer.from('Welcome to Amazon S3.');
  test('matching hashes pass and expose the MD5', async () => {
    const md5 = createHash('md5').update(body).digest();
    const o = await run(createVerifyingPassThrough(sha(body), { algorithm: 'CRC32', value: b64('CRC32', body) }, md5.toString('base64')), body, [3]);
    assert.equal(o.error, undefined);
    assert.ok(o.out.equals(body));
    assert.equal(o.verifier.md5Hex, md5.toString('hex'));
    assert.deepEqual(o.verifier.checksum, { algorithm: 'CRC32', value: b64('CRC32', body) });
    assert.equal(o.verifier.decodedBytes, body.length);
  });
  test('x-amz-content-sha256, Content-MD5 and x-amz-checksum-* mismatches', async () => {
    assert.deepEqual(errorShape(await run(createVerifyingPassThrough(sha('other')), body)),
      { code: 'XAmzContentSHA256Mismatch', status: 400, message: "The provided 'x-amz-content-sha256' header does not match what was computed." });
    assert.deepEqual(errorShape(await run(createVerifyingPassThrough(undefined, undefined, createHash('md5').update('x').digest('base64')), body)),
      { code: 'BadDigest', status: 400, message: 'The Content-MD5 you specified did not match what we received.' });
    assert.deepEqual(errorShape(await run(createVerifyingPassThrough(undefined, { algorithm: 'CRC64NVME', value: b64('CRC64NVME', Buffer.from('x')) }), body)),
      { code: 'BadDigest', status: 400, message: 'The CRC64NVME you specified did not match the calculated checksum.' });
    // Through the header-driven factory: a hex x-amz-content-sha256 is enforced, UNSIGNED-PAYLOAD is not.
    const viaHeaders = createS3BodyVerifier({ 'x-amz-checksum-sha256': b64('SHA256', body) }, { payloadHash: sha('nope'), signingKey: Buffer.alloc(0), amzDate: '', scope: '', seedSignature: '' });
    assert.equal(errorShape(await run(viaHeaders as Transform & BodyVerifier, body))?.code, 'XAmzContentSHA256Mismatch');
    const unsigned = createS3BodyVerifier({ 'x-amz-checksum-sha256': b64('SHA256', body) }, { payloadHash: 'UNSIGNED-PAYLOAD', signingKey: Buffer.alloc(0), amzDate: '', scope: '', seedSignature: '' });
    assert.equal((await run(unsigned as Transform & BodyVerifier, body)).error, undefined);
  });
});
