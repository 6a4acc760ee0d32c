import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import { createS3BodyVerifier, type BodyVerifier } from '../auth/chunked.ts';
import type { CredentialLookup } from '../auth/caller.ts';
import type { AuthSuccess } from '../auth/sigv4.ts';
import type { AwsError } from './errors.ts';

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

/** A request body as operations read it; once it has ended, `checksum` is the verified x-amz-checksum-* value. */
export type S3Body = Readable & Partial<BodyVerifier>;

/**
 * The request body as the operation should see it: aws-chunked decoded (chunk and trailer signatures checked), and
 * verified against x-amz-content-sha256, x-amz-checksum-* (header or trailer) and Content-MD5 while it streams.
 * A header problem found before reading throws the S3 error.
 */
export function openS3Body(req: IncomingMessage, auth: AuthSuccess<CredentialLookup> | undefined): S3Body {
  const verifier = createS3BodyVerifier(req.headersDistinct, auth);
  if (verifier instanceof Error) throw verifier;
  req.on('error', (e) => verifier.destroy(e));
  return req.pipe(verifier);
}
