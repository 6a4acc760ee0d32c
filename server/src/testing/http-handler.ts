// An HTTP handler for AWS SDK v3 clients that carries requests into iamlocal without a socket: node:http writes the
// request into an in-memory connection, the server's real HTTP parser reads it, and the same app (SigV4,
// policy evaluation, S3 streaming) answers. Typed structurally so that iamlocal needs no @smithy package at runtime.
import http, { type IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { createRequire } from 'node:module';
import type { MemorySocket } from './socket-pair.ts';

// node:stream/web only for a body none of the common kinds is (a web stream): loading it costs a test file ~2 ms.
const requireHere = createRequire(import.meta.url);
const webStreams = (): typeof import('node:stream/web') => requireHere('node:stream/web') as typeof import('node:stream/web');

// The request, options and settings are the public API's types (public-types.ts); the response is typed here with the
// Node stream it really carries.
import type { InProcessHandlerConfig, SdkHandlerOptions, SdkHttpRequest } from '../public-types.ts';

export type { InProcessHandlerConfig, SdkHandlerOptions, SdkHttpRequest };

/** What the handler answers (smithy's HttpResponse), the body a Node stream the SDK's stream mixin understands. */
export interface SdkHttpResponse {
  statusCode: number;
  reason?: string;
  headers: Record<string, string>;
  body: IncomingMessage;
}

/** Opens a new in-memory connection to the server; returns the client end. */
export type Connector = () => MemorySocket;

interface EventTargetLike {
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

function isEventTarget(value: object): value is EventTargetLike {
  return typeof (value as Partial<EventTargetLike>).addEventListener === 'function' && typeof (value as Partial<EventTargetLike>).removeEventListener === 'function';
}

/** RFC 3986 escaping as the SDK's query-string builder does it. */
function escape(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function queryString(query: SdkHttpRequest['query']): string {
  const parts: string[] = [];
  for (const key of Object.keys(query ?? {}).sort()) {
    const value = query![key];
    const name = escape(key);
    if (value === null || value === undefined) parts.push(name);
    else if (typeof value === 'string') parts.push(`${name}=${escape(value)}`);
    else for (const item of value) parts.push(`${name}=${escape(item)}`);
  }
  return parts.join('&');
}

function writeBody(req: http.ClientRequest, body: unknown): void {
  if (body === undefined || body === null) {
    req.end();
  } else if (typeof body === 'string' || Buffer.isBuffer(body)) {
    req.end(body);
  } else if (body instanceof Uint8Array) {
    req.end(Buffer.from(body.buffer, body.byteOffset, body.byteLength));
  } else if (body instanceof ArrayBuffer) {
    req.end(Buffer.from(body));
  } else if (body instanceof Readable) {
    body.on('error', (error: Error) => req.destroy(error));
    body.pipe(req);
  } else if (body instanceof webStreams().ReadableStream) {
    const readable = Readable.fromWeb(body);
    readable.on('error', (error: Error) => req.destroy(error));
    readable.pipe(req);
  } else {
    req.destroy(new TypeError(`iamlocal in-process handler: unsupported request body (${Object.prototype.toString.call(body)})`));
  }
}

function named(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

/** smithy's HttpHandler, in memory. One per SDK client: `destroy()` (called by `client.destroy()`) ends only this one. */
export class InProcessHttpHandler {
  readonly metadata = { handlerProtocol: 'http/1.1' };
  private readonly config: InProcessHandlerConfig;
  private readonly connect: Connector;
  private readonly open = new Set<http.ClientRequest>();
  private destroyed = false;

  constructor(connect: Connector, config: InProcessHandlerConfig = {}) {
    this.connect = connect;
    this.config = { ...config };
  }

  handle(request: SdkHttpRequest, options: SdkHandlerOptions = {}): Promise<{ response: SdkHttpResponse }> {
    if (this.destroyed) return Promise.reject(new Error('iamlocal in-process handler: the client was destroyed'));
    const signal = options.abortSignal;
    if (signal?.aborted) return Promise.reject(named('AbortError', 'Request aborted'));
    const query = queryString(request.query);
    const path = `${request.path}${query ? `?${query}` : ''}${request.fragment ? `#${request.fragment}` : ''}`;
    return new Promise((resolve, reject) => {
      let settled = false;
      const cleanups: Array<() => void> = [];
      const finish = (error: Error | undefined, response?: SdkHttpResponse): void => {
        if (settled) return;
        settled = true;
        for (const cleanup of cleanups) cleanup();
        if (error) reject(error);
        else resolve({ response: response! });
      };
      let req: http.ClientRequest;
      try {
        req = http.request({
          method: request.method, path, headers: request.headers, host: request.hostname, port: request.port,
          setHost: request.headers.host === undefined && request.headers.Host === undefined,
          createConnection: () => this.connect(),
        });
      } catch (error) {
        finish(error instanceof Error ? error : new Error(String(error)));
        return;
      }
      this.open.add(req);
      req.on('close', () => this.open.delete(req));
      req.on('error', (error: Error) => finish(error));
      req.on('response', (res: IncomingMessage) => {
        const headers: Record<string, string> = {};
        for (const [name, value] of Object.entries(res.headers)) {
          if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(',') : value;
        }
        finish(undefined, { statusCode: res.statusCode ?? 0, reason: res.statusMessage, headers, body: res });
      });

      const timeout = options.requestTimeout ?? this.config.requestTimeout ?? 0;
      if (timeout > 0) {
        const timer = setTimeout(() => {
          const error = named('TimeoutError', `Connection timed out after ${timeout} ms`);
          req.destroy(error);
          finish(error);
        }, timeout);
        cleanups.push(() => clearTimeout(timer));
      }
      if (signal && isEventTarget(signal)) {
        const onAbort = (): void => {
          const error = named('AbortError', 'Request aborted');
          req.destroy(error);
          finish(error);
        };
        signal.addEventListener('abort', onAbort, { once: true });
        cleanups.push(() => signal.removeEventListener('abort', onAbort));
      }

      // Expect: 100-continue (the S3 client sends it for large bodies): the body follows the server's go-ahead.
      const expect = request.headers.Expect ?? request.headers.expect;
      if (expect?.toLowerCase() === '100-continue') {
        let sent = false;
        const send = (): void => {
          if (sent) return;
          sent = true;
          writeBody(req, request.body);
        };
        req.once('continue', send);
        // Answered before the go-ahead: the body is never sent; the connection closes after this one exchange anyway.
        req.once('response', () => { sent = true; });
        req.flushHeaders();
      } else {
        writeBody(req, request.body);
      }
    });
  }

  updateHttpClientConfig(key: keyof InProcessHandlerConfig, value: InProcessHandlerConfig[typeof key]): void {
    this.config[key] = value;
  }

  httpHandlerConfigs(): InProcessHandlerConfig {
    return { ...this.config };
  }

  destroy(): void {
    this.destroyed = true;
    for (const req of this.open) req.destroy();
    this.open.clear();
  }
}
