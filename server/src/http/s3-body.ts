import { createHash, createHmac } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import type { AuthSuccess } from '../auth/sigv4.ts';
import type { CredentialLookup } from '../auth/caller.ts';
import { AwsError } from './errors.ts';
import { CHECKSUM_ALGORITHMS, checksumHeaderName, createChecksum, type Checksum, type ChecksumAlgorithm } from '../auth/checksums.ts';

const CHECKSUM_HEADERS: Record<string, ChecksumAlgorithm> = Object.fromEntries(CHECKSUM_ALGORITHMS.map((a) => [checksumHeaderName(a), a]));

/** Reads a whole (small) body, failing once it exceeds `limit` bytes. */
export async function readLimited(stream: Readable, limit: number, tooLarge: () => AwsError): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > limit) {
      stream.resume();
      throw tooLarge();
    }
    chunks.push(buf);
  }
  return Buffer.concat(chunks);
}

const incompleteBody = (): AwsError => new AwsError('IncompleteBody', 'The request body terminated unexpectedly', 400);

/** Hashes a plain body as it passes and fails at the end if it does not match the signed x-amz-content-sha256. */
class Sha256Verifier extends Transform {
  private readonly hash = createHash('sha256');
  constructor(private readonly expected: string) { super(); }
  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.hash.update(chunk);
    done(null, chunk);
  }
  override _flush(done: TransformCallback): void {
    if (this.hash.digest('hex') !== this.expected) {
      done(new AwsError('XAmzContentSHA256Mismatch', "The provided 'x-amz-content-sha256' header does not match what was computed.", 400));
    } else done();
  }
}


/**
 * Decodes an aws-chunked body (`size[;chunk-signature=sig]\r\n data \r\n … 0\r\n trailers \r\n`) with bounded memory,
 * verifying chunk signatures for signed streaming payloads.
 */
export class AwsChunkedDecoder extends Transform {
  private buffer: Buffer = Buffer.alloc(0);
  private remaining = -1;
  private state: 'header' | 'data' | 'data-crlf' | 'trailer' | 'done' = 'header';
  private previousSignature: string;
  private chunkHash = createHash('sha256');
  private decodedBytes = 0;
  readonly trailers = new Map<string, string>();

  constructor(private readonly signing: { signingKey: Buffer; amzDate: string; scope: string; seed: string } | undefined, private readonly expectedLength?: number) {
    super();
    this.previousSignature = signing?.seed ?? '';
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
    try {
      this.drain();
      done();
    } catch (error) {
      done(error as Error);
    }
  }

  override _flush(done: TransformCallback): void {
    if (this.state !== 'done' && !(this.state === 'trailer' && this.buffer.length === 0)) return done(incompleteBody());
    if (this.expectedLength !== undefined && this.expectedLength !== this.decodedBytes) return done(incompleteBody());
    done();
  }

  private verifyChunk(signature: string | undefined): void {
    if (!this.signing) return;
    const digest = this.chunkHash.digest('hex');
    this.chunkHash = createHash('sha256');
    const toSign = ['AWS4-HMAC-SHA256-PAYLOAD', this.signing.amzDate, this.signing.scope, this.previousSignature,
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', digest].join('\n');
    const expected = createHmac('sha256', this.signing.signingKey).update(toSign).digest('hex');
    if (signature !== expected) {
      throw new AwsError('SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided. Check your key and signing method.', 403);
    }
    this.previousSignature = expected;
  }

  private drain(): void {
    for (;;) {
      if (this.state === 'header' || this.state === 'trailer') {
        const eol = this.buffer.indexOf('\r\n');
        if (eol < 0) {
          if (this.buffer.length > 4096) throw incompleteBody();
          return;
        }
        const line = this.buffer.subarray(0, eol).toString('latin1');
        this.buffer = this.buffer.subarray(eol + 2);
        if (this.state === 'trailer') {
          if (line === '') {
            this.state = 'done';
            return;
          }
          const colon = line.indexOf(':');
          if (colon < 0) throw incompleteBody();
          this.trailers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
          continue;
        }
        const [sizeText = '', ...extensions] = line.split(';');
        if (!/^[0-9a-fA-F]{1,16}$/.test(sizeText)) throw incompleteBody();
        const size = Number.parseInt(sizeText, 16);
        const signature = extensions.find((e) => e.startsWith('chunk-signature='))?.slice('chunk-signature='.length);
        if (this.signing && signature === undefined) throw incompleteBody();
        if (size === 0) {
          this.verifyChunk(signature);
          this.state = 'trailer';
          continue;
        }
        this.remaining = size;
        this.pendingSignature = signature;
        this.state = 'data';
      }
      if (this.state === 'data') {
        if (this.buffer.length === 0) return;
        const take = Math.min(this.remaining, this.buffer.length);
        const piece = this.buffer.subarray(0, take);
        this.buffer = this.buffer.subarray(take);
        this.remaining -= take;
        this.decodedBytes += take;
        if (this.signing) this.chunkHash.update(piece);
        this.push(Buffer.from(piece));
        if (this.remaining > 0) return;
        this.state = 'data-crlf';
      }
      if (this.state === 'data-crlf') {
        if (this.buffer.length < 2) return;
        if (this.buffer[0] !== 0x0d || this.buffer[1] !== 0x0a) throw incompleteBody();
        this.buffer = this.buffer.subarray(2);
        this.verifyChunk(this.pendingSignature);
        this.state = 'header';
      }
      if (this.state === 'done') return;
    }
  }

  private pendingSignature: string | undefined;
}

/** Checks a declared x-amz-checksum-* value (header or trailer) over the decoded bytes. */
class ChecksumVerifier extends Transform {
  /** The verified checksum, once the body has ended. */
  result: { algorithm: string; value: string } | undefined;
  private readonly running: Checksum;
  constructor(private readonly algorithm: ChecksumAlgorithm, private readonly expected: () => string | undefined) {
    super();
    this.running = createChecksum(algorithm);
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.running.update(chunk);
    done(null, chunk);
  }
  override _flush(done: TransformCallback): void {
    const expected = this.expected();
    if (expected !== undefined && expected !== this.running.digestBase64()) {
      done(new AwsError('BadDigest', `The ${this.algorithm} you specified did not match the calculated checksum.`, 400));
      return;
    }
    if (expected !== undefined) this.result = { algorithm: this.algorithm, value: expected };
    done();
  }
}

/** The request body as the operation should see it: decoded and verified against what the client signed. */
export type S3Body = Readable & { checksum?: () => { algorithm: string; value: string } | undefined };

export function openS3Body(req: IncomingMessage, auth: AuthSuccess<CredentialLookup> | undefined): S3Body {
  const payloadHash = auth?.payloadHash ?? 'UNSIGNED-PAYLOAD';
  let stream: Readable = req;
  let trailers: Map<string, string> | undefined;
  if (payloadHash.startsWith('STREAMING-')) {
    const signed = payloadHash.startsWith('STREAMING-AWS4-HMAC-SHA256-PAYLOAD') && auth !== undefined;
    const declared = req.headers['x-amz-decoded-content-length'];
    const decoder = new AwsChunkedDecoder(
      signed ? { signingKey: auth.signingKey, amzDate: auth.amzDate, scope: auth.scope, seed: auth.seedSignature } : undefined,
      typeof declared === 'string' && /^\d+$/.test(declared) ? Number(declared) : undefined,
    );
    trailers = decoder.trailers;
    stream = req.pipe(decoder);
    req.on('error', (e) => decoder.destroy(e));
  } else if (/^[0-9a-f]{64}$/.test(payloadHash)) {
    const verifier = new Sha256Verifier(payloadHash);
    stream = req.pipe(verifier);
    req.on('error', (e) => verifier.destroy(e));
  }
  const trailerName = typeof req.headers['x-amz-trailer'] === 'string' ? req.headers['x-amz-trailer'].toLowerCase() : undefined;
  const checksumHeader = Object.keys(CHECKSUM_HEADERS).find((h) => typeof req.headers[h] === 'string');
  const checksumName = trailerName && CHECKSUM_HEADERS[trailerName] ? trailerName : checksumHeader;
  if (checksumName) {
    const verifier = new ChecksumVerifier(CHECKSUM_HEADERS[checksumName]!, () => trailers?.get(checksumName) ?? (req.headers[checksumName] as string | undefined));
    const upstream = stream;
    upstream.on('error', (e) => verifier.destroy(e));
    const out: S3Body = upstream.pipe(verifier);
    out.checksum = () => verifier.result;
    return out;
  }
  return stream;
}
