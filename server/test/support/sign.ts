// Signs raw HTTP requests with the SDK's own SigV4 signer, for tests that need exact control over the wire.
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';

type SourceData = string | ArrayBuffer | ArrayBufferView;

/** The SDK's hash interface over node:crypto (HMAC when constructed with a secret). */
class NodeSha256 {
  private readonly hash: Hash | Hmac;
  constructor(secret?: SourceData) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', toBuffer(secret));
  }
  update(data: SourceData): void {
    this.hash.update(toBuffer(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
}

function toBuffer(data: SourceData): Buffer {
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.from(data);
}

export interface Credentials { accessKeyId: string; secretAccessKey: string; sessionToken?: string }

export interface RawRequest {
  method: string;
  path: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  body?: string;
}

export const ROOT: Credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

/** Returns the headers to send for `request` to `host`, signed for `service` (s3 gets S3's path rules). */
export async function signedHeaders(service: 'sts' | 'iam' | 's3' | 'kms', host: string, request: RawRequest, credentials: Credentials = ROOT, signingDate?: Date): Promise<Record<string, string>> {
  const signer = new SignatureV4({
    service, region: 'us-east-1', credentials, sha256: NodeSha256, uriEscapePath: service !== 's3', applyChecksum: service === 's3',
  });
  const headers: Record<string, string> = { host, ...request.headers };
  if (service === 's3') headers['x-amz-content-sha256'] ??= createHash('sha256').update(request.body ?? '').digest('hex');
  const signed = await signer.sign(
    { method: request.method, protocol: 'http:', hostname: host.split(':')[0]!, port: Number(host.split(':')[1]), path: request.path, query: request.query ?? {}, headers, body: request.body },
    { signingDate },
  );
  return signed.headers as Record<string, string>;
}

/** A form body for a query-protocol action. */
export function form(params: Record<string, string>): string {
  return new URLSearchParams(params).toString();
}
