import { createHash, createHmac, type Hash } from 'node:crypto';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import {
  checksumAlgorithmFromHeader, checksumHeaderName, createChecksum, isValidChecksumValue,
  type Checksum, type ChecksumAlgorithm,
} from './checksums.ts';
import { EMPTY_SHA256, sameSignature } from './sigv4.ts';

/** A body error S3 would return; carries the same {code, message, status} as an AuthError. */
export class S3StreamError extends Error {
  readonly code: string;
  readonly status: number;
  constructor(code: string, message: string, status = 400) {
    super(message);
    this.name = 'S3StreamError';
    this.code = code;
    this.status = status;
  }
}

const incompleteBody = (): S3StreamError => new S3StreamError('IncompleteBody', 'The request body terminated unexpectedly');
// S3 documents no message for broken aws-chunked framing; this one says what is wrong without inventing a code.
const malformedChunk = (): S3StreamError => new S3StreamError('InvalidRequest', 'The aws-chunked encoding of the request body is malformed.');
const malformedTrailer = (): S3StreamError =>
  new S3StreamError('MalformedTrailerError', 'The request contained trailing data that was not well-formed or did not conform to our published schema.');
const signatureMismatch = (): S3StreamError =>
  new S3StreamError('SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided. Check your key and signing method.', 403);
const badDigest = (algorithm: ChecksumAlgorithm): S3StreamError =>
  new S3StreamError('BadDigest', `The ${algorithm} you specified did not match the calculated checksum.`);
const md5Mismatch = (): S3StreamError => new S3StreamError('BadDigest', 'The Content-MD5 you specified did not match what we received.');

export interface ChecksumValue { algorithm: ChecksumAlgorithm; value: string }

/** What authenticate() returned that the chunk-signature chain needs. */
export interface ChunkSigning { signingKey: Buffer; amzDate: string; scope: string; seedSignature: string }

export type StreamingMode =
  | 'STREAMING-UNSIGNED-PAYLOAD-TRAILER' | 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD' | 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER';

export interface AwsChunkedOptions {
  mode: StreamingMode;
  /** Required for the STREAMING-AWS4-HMAC-SHA256-* modes. */
  signing?: ChunkSigning;
  /** x-amz-decoded-content-length; checked against the decoded byte count when given. */
  decodedContentLength?: number;
  /** Lower-case trailer names from x-amz-trailer. */
  trailerNames?: string[];
  /** An x-amz-checksum-* request header (instead of a trailer). */
  checksumHeader?: ChecksumValue;
  /** Content-MD5 header (base64), checked at the end. */
  contentMd5?: string;
}

/** Common surface of the body verifiers: results are readable once the stream has ended. */
export interface BodyVerifier {
  /** Hex MD5 of the (decoded) body, for the ETag. */
  readonly md5Hex: string | undefined;
  /** The x-amz-checksum-* value that was verified (header or trailer), if the client sent one. */
  readonly checksum: ChecksumValue | undefined;
  /** Decoded body bytes passed through. */
  readonly decodedBytes: number;
}

/** A request body as operations read it; once it has ended, `checksum` is the verified x-amz-checksum-* value. */
export type S3Body = Readable & Partial<BodyVerifier>;

/** Hashes what passes through and checks the declared values at the end. Shared by both verifiers. */
class Digests {
  private readonly md5: Hash = createHash('md5');
  private readonly sha256: Hash | undefined;
  private calculator: Checksum | undefined;
  private algorithm: ChecksumAlgorithm | undefined;
  md5Hex: string | undefined;
  bytes = 0;

  constructor(private readonly expectedSha256: string | undefined, algorithm: ChecksumAlgorithm | undefined, private readonly contentMd5: string | undefined) {
    this.sha256 = expectedSha256 ? createHash('sha256') : undefined;
    if (algorithm) this.track(algorithm);
  }

  /** A trailer checksum is only known from x-amz-trailer; start computing it from the first byte. */
  track(algorithm: ChecksumAlgorithm): void {
    this.algorithm = algorithm;
    this.calculator = createChecksum(algorithm);
  }

  update(data: Buffer): void {
    this.bytes += data.length;
    this.md5.update(data);
    this.sha256?.update(data);
    this.calculator?.update(data);
  }

  /** Returns the first mismatch, in S3's order: x-amz-content-sha256, then Content-MD5, then the flexible checksum. */
  finish(declared: ChecksumValue | undefined): S3StreamError | undefined {
    const md5 = this.md5.digest();
    this.md5Hex = md5.toString('hex');
    if (this.sha256 && this.sha256.digest('hex') !== this.expectedSha256) {
      return new S3StreamError('XAmzContentSHA256Mismatch', "The provided 'x-amz-content-sha256' header does not match what was computed.");
    }
    if (this.contentMd5 !== undefined && md5.toString('base64') !== this.contentMd5) return md5Mismatch();
    if (declared && this.calculator && this.algorithm === declared.algorithm && this.calculator.digestBase64() !== declared.value) {
      return badDigest(declared.algorithm);
    }
    return undefined;
  }
}

type State = 'size' | 'data' | 'data-cr' | 'data-lf' | 'trailer' | 'done';
const MAX_LINE = 4096;
const MAX_TRAILER_BYTES = 16 * 1024;
const EMPTY = Buffer.alloc(0);

/**
 * Decodes a `Content-Encoding: aws-chunked` body (`hex-size[;chunk-signature=sig]\r\n data \r\n … 0…\r\n
 * [trailers\r\n] \r\n`) into the object bytes with bounded memory: only a partial header or trailer line is
 * ever buffered. Chunk data is pushed as it arrives and a chunk's signature is checked when the chunk ends, so a
 * consumer must discard what it wrote if the stream errors (S3 likewise stores nothing for a failed PUT).
 */
export class AwsChunkedDecoder extends Transform implements BodyVerifier {
  readonly trailers = new Map<string, string>();
  checksum: ChecksumValue | undefined;
  private readonly signed: boolean;
  private readonly signedTrailer: boolean;
  private readonly digests: Digests;
  private readonly trailerChecksum: ChecksumAlgorithm | undefined;
  private state: State = 'size';
  private pending: Buffer = EMPTY;
  private remaining = 0;
  private chunkSignature = '';
  private previousSignature: string;
  private chunkHash: Hash | undefined;
  private trailerBytes = 0;
  private trailerLines: string[] = [];
  private trailerSignature: string | undefined;

  constructor(private readonly options: AwsChunkedOptions) {
    super();
    this.signed = options.mode !== 'STREAMING-UNSIGNED-PAYLOAD-TRAILER';
    this.signedTrailer = options.mode === 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER';
    if (this.signed && !options.signing) throw new Error('signed aws-chunked decoding needs the request signing key');
    this.previousSignature = options.signing?.seedSignature ?? '';
    this.trailerChecksum = options.trailerNames?.map(checksumAlgorithmFromHeader).find((a) => a !== undefined);
    this.digests = new Digests(undefined, this.trailerChecksum ?? options.checksumHeader?.algorithm, options.contentMd5);
  }

  get md5Hex(): string | undefined { return this.digests.md5Hex; }
  get decodedBytes(): number { return this.digests.bytes; }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    try {
      this.consume(chunk);
      done();
    } catch (error) {
      done(error instanceof S3StreamError ? error : malformedChunk());
    }
  }

  override _flush(done: TransformCallback): void {
    try {
      done(this.finish());
    } catch (error) {
      done(error instanceof S3StreamError ? error : malformedChunk());
    }
  }

  private finish(): S3StreamError | undefined {
    // The last CRLF after the trailers (or after a trailer-less final chunk) is optional here: some clients omit it.
    const endedInTrailer = this.state === 'trailer' && this.pending.length === 0;
    if (this.state !== 'done' && !endedInTrailer) return incompleteBody();
    if (endedInTrailer) {
      const problem = this.endTrailers();
      if (problem) return problem;
    }
    const { decodedContentLength } = this.options;
    if (decodedContentLength !== undefined && decodedContentLength !== this.digests.bytes) return incompleteBody();
    return this.digests.finish(this.checksum);
  }

  private consume(input: Buffer): void {
    const buf = this.pending.length ? Buffer.concat([this.pending, input]) : input;
    this.pending = EMPTY;
    let pos = 0;
    while (pos < buf.length) {
      switch (this.state) {
        case 'size':
        case 'trailer': {
          const eol = buf.indexOf(0x0a, pos);
          const limit = this.state === 'size' ? MAX_LINE : MAX_TRAILER_BYTES - this.trailerBytes;
          if (eol < 0) {
            if (buf.length - pos > limit) throw this.state === 'size' ? malformedChunk() : malformedTrailer();
            this.pending = Buffer.from(buf.subarray(pos));
            return;
          }
          if (eol - pos > limit) throw this.state === 'size' ? malformedChunk() : malformedTrailer();
          const end = eol > pos && buf[eol - 1] === 0x0d ? eol - 1 : eol;
          const line = buf.toString('latin1', pos, end);
          if (this.state === 'trailer') this.trailerBytes += eol + 1 - pos;
          pos = eol + 1;
          if (this.state === 'size') this.chunkHeader(line);
          else this.trailerLine(line);
          break;
        }
        case 'data': {
          const take = Math.min(this.remaining, buf.length - pos);
          const piece = buf.subarray(pos, pos + take);
          pos += take;
          this.remaining -= take;
          this.chunkHash?.update(piece);
          this.digests.update(piece);
          this.push(piece);
          if (this.remaining === 0) this.state = 'data-cr';
          break;
        }
        case 'data-cr':
          if (buf[pos] !== 0x0d) throw malformedChunk();
          pos++;
          this.state = 'data-lf';
          break;
        case 'data-lf':
          if (buf[pos] !== 0x0a) throw malformedChunk();
          pos++;
          this.verifyChunk();
          this.state = 'size';
          break;
        case 'done':
          // Only stray line ends may follow the end of the body.
          for (; pos < buf.length; pos++) if (buf[pos] !== 0x0d && buf[pos] !== 0x0a) throw malformedChunk();
          break;
      }
    }
  }

  private chunkHeader(line: string): void {
    const [sizeText = '', ...extensions] = line.split(';');
    if (!/^[0-9a-fA-F]{1,16}$/.test(sizeText)) throw malformedChunk();
    const size = Number.parseInt(sizeText, 16);
    if (!Number.isSafeInteger(size)) throw malformedChunk();
    const { decodedContentLength } = this.options;
    // A chunk that would overrun x-amz-decoded-content-length fails now rather than after streaming it.
    if (decodedContentLength !== undefined && this.digests.bytes + size > decodedContentLength) throw incompleteBody();
    if (this.signed) {
      const signature = extensions.map((e) => e.trim()).find((e) => e.startsWith('chunk-signature='))?.slice('chunk-signature='.length);
      if (signature === undefined || !/^[0-9a-f]{64}$/.test(signature)) throw malformedChunk();
      this.chunkSignature = signature;
      this.chunkHash = createHash('sha256');
    }
    if (size === 0) {
      this.verifyChunk();
      this.state = 'trailer';
      return;
    }
    this.remaining = size;
    this.state = 'data';
  }

  /** Chunk n's signature signs sha256(chunk n) chained to chunk n-1's signature (the seed for the first). */
  private verifyChunk(): void {
    if (!this.signed || !this.chunkHash) return;
    const { signingKey, amzDate, scope } = this.options.signing!;
    const toSign = ['AWS4-HMAC-SHA256-PAYLOAD', amzDate, scope, this.previousSignature, EMPTY_SHA256, this.chunkHash.digest('hex')].join('\n');
    this.chunkHash = undefined;
    const expected = createHmac('sha256', signingKey).update(toSign, 'utf8').digest('hex');
    if (!sameSignature(expected, this.chunkSignature)) throw signatureMismatch();
    this.previousSignature = expected;
  }

  private trailerLine(line: string): void {
    if (line === '') {
      // Clients differ on whether a blank line separates the final chunk from the trailers; skip it while a
      // declared trailer is still to come, otherwise it ends the body.
      if (this.trailerLines.length === 0 && this.trailerSignature === undefined && (this.options.trailerNames?.length ?? 0) > 0) return;
      const problem = this.endTrailers();
      if (problem) throw problem;
      this.state = 'done';
      return;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) throw malformedTrailer();
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === 'x-amz-trailer-signature') {
      if (!this.signedTrailer || this.trailerSignature !== undefined) throw malformedTrailer();
      this.trailerSignature = value;
      return;
    }
    if (!this.options.trailerNames?.includes(name) || this.trailers.has(name) || this.trailerSignature !== undefined) throw malformedTrailer();
    this.trailers.set(name, value);
    this.trailerLines.push(`${name}:${value}\n`);
  }

  /** Checks the trailer section once complete: every declared trailer present, the trailer signature valid. */
  private endTrailers(): S3StreamError | undefined {
    for (const name of this.options.trailerNames ?? []) if (!this.trailers.has(name)) return malformedTrailer();
    if (this.signedTrailer) {
      if (this.trailerSignature === undefined) return this.trailers.size ? signatureMismatch() : undefined;
      const { signingKey, amzDate, scope } = this.options.signing!;
      const hash = createHash('sha256').update(this.trailerLines.join('')).digest('hex');
      const toSign = ['AWS4-HMAC-SHA256-TRAILER', amzDate, scope, this.previousSignature, hash].join('\n');
      const expected = createHmac('sha256', signingKey).update(toSign, 'utf8').digest('hex');
      if (!sameSignature(expected, this.trailerSignature)) return signatureMismatch();
    }
    if (this.trailerChecksum) {
      const value = this.trailers.get(checksumHeaderName(this.trailerChecksum))!;
      if (!isValidChecksumValue(this.trailerChecksum, value)) {
        return new S3StreamError('InvalidRequest', `Value for ${checksumHeaderName(this.trailerChecksum)} trailing header is invalid.`);
      }
      this.checksum = { algorithm: this.trailerChecksum, value };
    } else if (this.options.checksumHeader) {
      this.checksum = this.options.checksumHeader;
    }
    return undefined;
  }
}

/** Verifies a plain (not aws-chunked) body against x-amz-content-sha256, an x-amz-checksum-* header and Content-MD5. */
export class VerifyingPassThrough extends Transform implements BodyVerifier {
  checksum: ChecksumValue | undefined;
  private readonly digests: Digests;
  constructor(expectedSha256Hex: string | undefined, private readonly checksumHeader?: ChecksumValue, contentMd5?: string) {
    super();
    this.digests = new Digests(expectedSha256Hex, checksumHeader?.algorithm, contentMd5);
  }
  get md5Hex(): string | undefined { return this.digests.md5Hex; }
  get decodedBytes(): number { return this.digests.bytes; }
  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.digests.update(chunk);
    done(null, chunk);
  }
  override _flush(done: TransformCallback): void {
    const problem = this.digests.finish(this.checksumHeader);
    if (!problem) this.checksum = this.checksumHeader;
    done(problem);
  }
}

/**
 * `expectedSha256Hex`: the signed x-amz-content-sha256 when it is a hex digest (undefined for UNSIGNED-PAYLOAD).
 * Always computes the MD5 (see `md5Hex`) so the caller has the ETag without hashing again.
 */
export function createVerifyingPassThrough(expectedSha256Hex: string | undefined, checksumHeader?: ChecksumValue, contentMd5?: string): VerifyingPassThrough {
  return new VerifyingPassThrough(expectedSha256Hex, checksumHeader, contentMd5);
}

type Headers = Record<string, string | string[] | undefined>;
const single = (headers: Headers, name: string): string | undefined => {
  const v = headers[name];
  return Array.isArray(v) ? v.join(',') : v;
};

/** The x-amz-checksum-* request header, validated. More than one is an error in S3. */
export function checksumFromHeaders(headers: Headers): ChecksumValue | S3StreamError | undefined {
  const present = Object.keys(headers).filter((name) => name.startsWith('x-amz-checksum-') && checksumAlgorithmFromHeader(name) !== undefined);
  if (present.length === 0) return undefined;
  if (present.length > 1) return new S3StreamError('InvalidRequest', 'Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.');
  const algorithm = checksumAlgorithmFromHeader(present[0]!)!;
  const value = single(headers, present[0]!) ?? '';
  if (!isValidChecksumValue(algorithm, value)) return new S3StreamError('InvalidRequest', `Value for ${present[0]} header is invalid.`);
  const declared = single(headers, 'x-amz-sdk-checksum-algorithm');
  if (declared !== undefined && checksumAlgorithmFromHeader(declared) !== algorithm) {
    return new S3StreamError('InvalidRequest', `Value for x-amz-sdk-checksum-algorithm header is invalid.`);
  }
  return { algorithm, value };
}

/** Content-MD5 as base64 of 16 bytes, else S3's InvalidDigest. */
function contentMd5Of(headers: Headers): string | S3StreamError | undefined {
  const value = single(headers, 'content-md5');
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  const bytes = Buffer.from(trimmed, 'base64');
  return bytes.length === 16 && bytes.toString('base64') === trimmed ? trimmed : new S3StreamError('InvalidDigest', 'The Content-MD5 you specified was invalid.');
}

/** What authenticate() returned, or undefined for an anonymous request. */
export interface PayloadAuth { payloadHash: string; signingKey: Buffer; amzDate: string; scope: string; seedSignature: string }

/**
 * Picks and configures the body verifier for an S3 request from its headers and authentication result:
 * aws-chunked decoding for STREAMING-* payloads, hash checks otherwise. Returns an S3StreamError for headers
 * that make the body unverifiable (the caller answers it before reading the body).
 */
export function createS3BodyVerifier(headers: Headers, auth: PayloadAuth | undefined): (Transform & BodyVerifier) | S3StreamError {
  const payloadHash = auth?.payloadHash ?? single(headers, 'x-amz-content-sha256') ?? 'UNSIGNED-PAYLOAD';
  const checksumHeader = checksumFromHeaders(headers);
  if (checksumHeader instanceof S3StreamError) return checksumHeader;
  const contentMd5 = contentMd5Of(headers);
  if (contentMd5 instanceof S3StreamError) return contentMd5;
  if (!payloadHash.startsWith('STREAMING-')) {
    return createVerifyingPassThrough(/^[0-9a-f]{64}$/.test(payloadHash) ? payloadHash : undefined, checksumHeader, contentMd5);
  }
  if (payloadHash.includes('ECDSA')) {
    return new S3StreamError('NotImplemented', 'A header you provided implies functionality that is not implemented.', 501);
  }
  const mode = payloadHash as StreamingMode;
  if (mode !== 'STREAMING-UNSIGNED-PAYLOAD-TRAILER' && mode !== 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD' && mode !== 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER') {
    return new S3StreamError('InvalidArgument', 'x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, STREAMING-AWS4-HMAC-SHA256-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER, STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD, STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER or a valid sha256 value.');
  }
  if (mode !== 'STREAMING-UNSIGNED-PAYLOAD-TRAILER' && !auth) {
    return signatureMismatch();
  }
  const lengthText = single(headers, 'x-amz-decoded-content-length');
  if (lengthText !== undefined && !/^\d+$/.test(lengthText)) {
    return new S3StreamError('InvalidArgument', 'x-amz-decoded-content-length must be a non-negative integer.');
  }
  const trailerNames = (single(headers, 'x-amz-trailer') ?? '').split(',').map((n) => n.trim().toLowerCase()).filter((n) => n !== '');
  for (const name of trailerNames) {
    if (!checksumAlgorithmFromHeader(name)) return new S3StreamError('InvalidRequest', 'The value specified in the x-amz-trailer header is not supported');
  }
  if (trailerNames.length > 1) return new S3StreamError('InvalidRequest', 'Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.');
  if (trailerNames.length > 0 && !mode.endsWith('-TRAILER')) {
    return new S3StreamError('InvalidRequest', 'The value specified in the x-amz-trailer header is not supported');
  }
  return new AwsChunkedDecoder({
    mode,
    signing: auth && mode !== 'STREAMING-UNSIGNED-PAYLOAD-TRAILER'
      ? { signingKey: auth.signingKey, amzDate: auth.amzDate, scope: auth.scope, seedSignature: auth.seedSignature } : undefined,
    decodedContentLength: lengthText === undefined ? undefined : Number(lengthText),
    trailerNames,
    checksumHeader,
    contentMd5,
  });
}
