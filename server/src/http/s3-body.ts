import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import type { AuthSuccess } from '../auth/sigv4.ts';
import type { CredentialLookup } from '../auth/caller.ts';
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

/** TODO(wire chunked decoder): returns the body as sent. */
export function openS3Body(req: IncomingMessage, _auth: AuthSuccess<CredentialLookup> | undefined): Readable {
  return req;
}
