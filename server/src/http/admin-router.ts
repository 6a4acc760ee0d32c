// The few routing pieces the admin API (/_iamlocal/) needs, on node:http: method and path routes with :params,
// mounted sub-routers, middleware, JSON and text bodies, and JSON answers. It replaced Express, which cost a consumer
// of the package 65 of the 117 packages iamlocal installs, for about twenty routes. Routing follows Express's
// defaults: paths match case-insensitively with an optional trailing slash, GET routes also answer HEAD, and an error
// thrown (or rejected) by a handler goes to the error handler given to handle().
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface Request extends IncomingMessage {
  /** The request's URL as received (path and query). */
  originalUrl: string;
  /** Values of the route's :params, decoded. */
  params: Record<string, string>;
  /** Set by json() or text(). */
  body?: unknown;
  /** Always http: iamlocal serves no TLS. */
  protocol: 'http';
}

export interface Response extends ServerResponse {
  status(code: number): Response;
  /** Sets the Content-Type of the next send(). */
  type(contentType: string): Response;
  json(value: unknown): void;
  send(body: string | Buffer): void;
}

export type Next = (error?: unknown) => void;
export type Handler = (req: Request, res: Response, next: Next) => unknown;

interface Layer {
  method?: string;
  /** Matches the remaining path; its groups are the :params. */
  pattern: RegExp;
  names: string[];
  /** A mounted router (or a middleware): sees the path below its prefix. */
  mount: boolean;
  handlers: Array<Handler | Router>;
}

function compile(path: string, prefix: boolean): { pattern: RegExp; names: string[] } {
  const names: string[] = [];
  const source = path.replace(/\/$/, '').split('/').map((part) => {
    if (part.startsWith(':')) {
      names.push(part.slice(1));
      return '([^/]+)';
    }
    return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }).join('/');
  return { pattern: new RegExp(`^${source}${prefix ? '(?=/|$)' : '/?$'}`, 'i'), names };
}

/** An HTTP error a body parser answers with (JSON error body, its status). */
class BodyError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

export class Router {
  private readonly layers: Layer[] = [];

  private route(method: string | undefined, path: string, mount: boolean, handlers: Array<Handler | Router>): this {
    const { pattern, names } = compile(path, mount);
    this.layers.push({ method, pattern, names, mount, handlers });
    return this;
  }

  get(path: string, ...handlers: Handler[]): this { return this.route('GET', path, false, handlers); }
  post(path: string, ...handlers: Handler[]): this { return this.route('POST', path, false, handlers); }
  put(path: string, ...handlers: Handler[]): this { return this.route('PUT', path, false, handlers); }

  /** use(handler) for every request that reaches this router; use('/prefix', ...handlers or routers) below a prefix. */
  use(first: string | Handler | Router, ...rest: Array<Handler | Router>): this {
    return typeof first === 'string' ? this.route(undefined, first, true, rest) : this.route(undefined, '', true, [first, ...rest]);
  }

  /** Runs the request through the layers matching `path` (the URL's path below this router's mount point). */
  dispatch(req: Request, res: Response, path: string, done: Next): void {
    let index = 0;
    const next = (error?: unknown): void => {
      if (error !== undefined) return done(error);
      while (index < this.layers.length) {
        const layer = this.layers[index++]!;
        if (layer.method && layer.method !== req.method && !(layer.method === 'GET' && req.method === 'HEAD')) continue;
        const match = layer.pattern.exec(path);
        if (!match) continue;
        const params: Record<string, string> = {};
        layer.names.forEach((name, i) => {
          try {
            params[name] = decodeURIComponent(match[i + 1]!);
          } catch {
            params[name] = match[i + 1]!;
          }
        });
        req.params = { ...req.params, ...params };
        const below = layer.mount ? path.slice(match[0].length) || '/' : path;
        runHandlers(layer.handlers, req, res, below, next);
        return;
      }
      done();
    };
    next();
  }
}

function runHandlers(handlers: Array<Handler | Router>, req: Request, res: Response, path: string, done: Next): void {
  let index = 0;
  const next: Next = (error) => {
    if (error !== undefined) return done(error);
    const handler = handlers[index++];
    if (!handler) return done();
    if (handler instanceof Router) return handler.dispatch(req, res, path, next);
    try {
      const result = handler(req, res, next);
      if (result instanceof Promise) result.catch((e: unknown) => done(e ?? new Error('rejected')));
    } catch (e) {
      done(e);
    }
  };
  next();
}

/** Decorates node:http's request and response with the fields and methods above. */
function adapt(req: IncomingMessage, res: ServerResponse): [Request, Response] {
  const request = Object.assign(req, { originalUrl: req.url ?? '/', params: {}, protocol: 'http' as const });
  let contentType: string | undefined;
  const response = Object.assign(res, {
    status(code: number) {
      res.statusCode = code;
      return response;
    },
    type(type: string) {
      contentType = type;
      return response;
    },
    send(body: string | Buffer) {
      const type = contentType ?? (typeof body === 'string' ? 'text/html' : 'application/octet-stream');
      res.setHeader('Content-Type', typeof body === 'string' && !/;\s*charset=/i.test(type) ? `${type}; charset=utf-8` : type);
      res.setHeader('Content-Length', Buffer.byteLength(body));
      res.end(body);
    },
    json(value: unknown) {
      contentType ??= 'application/json';
      response.send(JSON.stringify(value) ?? '');
    },
  });
  return [request, response];
}

/** Serves `router` mounted at `prefix`; a request nothing answers goes to `fallback`, a thrown error to `onError`. */
export function handle(router: Router, prefix: string, fallback: (req: IncomingMessage, res: ServerResponse) => void,
  onError: (error: unknown, req: Request, res: Response) => void): (req: IncomingMessage, res: ServerResponse) => void {
  const mount = compile(prefix, true).pattern;
  return (rawReq, rawRes) => {
    const [req, res] = adapt(rawReq, rawRes);
    const path = (req.url ?? '/').split('?')[0]!;
    const match = mount.exec(path);
    if (!match) return fallback(rawReq, rawRes);
    router.dispatch(req, res, path.slice(match[0].length) || '/', (error) => {
      if (error === undefined) return fallback(rawReq, rawRes);
      if (error instanceof BodyError) {
        if (!res.headersSent) res.status(error.status).json({ error: error.message });
        return;
      }
      onError(error, req, res);
    });
  };
}

/** Reads the whole body, up to `limit` bytes (413 past it). */
function readBody(req: Request, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > limit) {
      req.resume();
      reject(new BodyError(413, `request body larger than ${limit} bytes`));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners('data');
        req.resume();
        reject(new BodyError(413, `request body larger than ${limit} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    req.once('end', () => resolve(Buffer.concat(chunks)));
    req.once('error', reject);
  });
}

/** A JSON body (Content-Type application/json or +json): an object or an array, else 400. Absent: body stays undefined. */
export function json(limit: number): Handler {
  return async (req, _res, next) => {
    if (!/^application\/([\w.-]+\+)?json\s*(;|$)/i.test(req.headers['content-type'] ?? '')) return next();
    const raw = (await readBody(req, limit)).toString('utf8');
    if (raw.trim() === '') {
      req.body = {};
      return next();
    }
    if (!/^\s*[[{]/.test(raw)) throw new BodyError(400, 'request body: JSON must be an object or an array');
    try {
      req.body = JSON.parse(raw) as unknown;
    } catch (error) {
      throw new BodyError(400, `request body: not JSON: ${error instanceof Error ? error.message : String(error)}`);
    }
    next();
  };
}

/** Any body, as UTF-8 text. */
export function text(limit: number): Handler {
  return async (req, _res, next) => {
    req.body = (await readBody(req, limit)).toString('utf8');
    next();
  };
}
