// The HTTP side of credential bindings: the container credentials endpoint on the main port (GET
// /_iamlocal/credentials, authenticated by the binding's token rather than the admin API's), and one instance metadata
// listener per IMDS binding. IMDS gets its own port because SDK v3 ignores any path in
// AWS_EC2_METADATA_SERVICE_ENDPOINT (it requests /latest/… at the root), and /latest/… on the main port is S3's: a
// bucket may be named `latest`.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ServerContext } from '../context.ts';
import type { Binding } from '../services/credentials-endpoint/bindings.ts';
import { credentialBindings } from '../services/credentials-endpoint/bindings.ts';
import { containerCredentials } from '../services/credentials-endpoint/container.ts';
import { InstanceMetadata } from '../services/credentials-endpoint/imds.ts';

export const CONTAINER_CREDENTIALS_PATH = /^\/_iamlocal\/credentials\/?(?:\?|$)/;

const sourceIpOf = (req: IncomingMessage): string => (req.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, '');

export function serveContainerCredentials(ctx: ServerContext, req: IncomingMessage, res: ServerResponse): void {
  const auth = req.headers.authorization;
  const answer = containerCredentials(ctx, req.method ?? 'GET', auth, sourceIpOf(req));
  const body = JSON.stringify(answer.body);
  res.writeHead(answer.status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
  // The request body, if any, is not read: drain it so keep-alive works.
  req.resume();
}

/** Starts the binding's instance metadata listener on `host` (port 0: any free port); resolves to its URL. */
export async function startInstanceMetadata(ctx: ServerContext, binding: Binding, host: string): Promise<string> {
  const instance = new InstanceMetadata(ctx, credentialBindings(ctx), binding);
  const server = createServer((req, res) => {
    req.resume();
    let answer;
    try {
      answer = instance.handle({ method: req.method ?? 'GET', path: req.url ?? '/', headers: req.headers, sourceIp: sourceIpOf(req) });
    } catch (error) {
      ctx.log.error({ err: error }, 'instance metadata failed');
      answer = { status: 500, headers: { 'Content-Type': 'text/plain' }, body: 'Internal Server Error' };
    }
    res.writeHead(answer.status, { ...answer.headers, 'Content-Length': Buffer.byteLength(answer.body) });
    res.end(req.method === 'HEAD' ? undefined : answer.body);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  // A listener left behind must not keep the process alive; deleting the binding (or closing the server) stops it.
  server.unref();
  credentialBindings(ctx).onDelete(binding.id, () => {
    server.close();
    server.closeAllConnections();
  });
  const { port } = server.address() as AddressInfo;
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}
