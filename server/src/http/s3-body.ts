import type { IncomingMessage } from 'node:http';
import { createS3BodyVerifier, type S3Body } from '../auth/chunked.ts';
import type { CredentialLookup } from '../auth/caller.ts';
import type { AuthSuccess } from '../auth/sigv4.ts';

/**
 * The request body as the operation should see it: aws-chunked decoded (chunk and trailer signatures checked), and
 * verified against x-amz-content-sha256, x-amz-checksum-* (header or trailer) and Content-MD5 while it streams.
 * A header problem found before reading throws the S3 error.
 */
export function openS3Body(req: IncomingMessage, auth: AuthSuccess<CredentialLookup> | undefined, headers = req.headersDistinct): S3Body {
  const verifier = createS3BodyVerifier(headers, auth);
  if (verifier instanceof Error) throw verifier;
  req.on('error', (e) => verifier.destroy(e));
  return req.pipe(verifier);
}
