import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { createApp } from './http/app.ts';
import { createLogger, type LogLevel } from './log.ts';
import { DEFAULT_CONFIG, type ServerConfig, type ServerContext } from './context.ts';
import { bootstrap } from './store/bootstrap.ts';
import { openDatabase, type Db } from './store/db.ts';
import { loadFixtures } from './store/fixtures.ts';
import { collectOrphanBlobs } from './store/snapshots.ts';
import { IamStore } from './store/iam-store.ts';
import { S3Store } from './store/s3-store.ts';
import { GroupCommit } from './store/group-commit.ts';
import { DecisionLog, decisionLogPath } from './store/decision-log.ts';
import { socketPair, type MemorySocket } from './testing/socket-pair.ts';
import { closeCredentialBindings } from './services/credentials-endpoint/bindings.ts';
import { serverStopped } from './after-stop.ts';

export interface ServeOptions {
  host?: string;
  port?: number;
  /** SQLite file, or ':memory:'. */
  db?: string;
  fixtures?: string[];
  config?: Partial<ServerConfig>;
  /** Request log level: 'info' logs one line per request. Default 'silent' (the CLI defaults to 'info'). */
  logLevel?: LogLevel;
  /** Clock override for tests. */
  now?: () => Date;
  /** Slow clients: the request headers must arrive within this many ms (default 60 s, as Node). */
  headersTimeoutMs?: number;
  /** Slow clients: the whole request must arrive within this many ms (default 300 s, as Node). */
  requestTimeoutMs?: number;
  /** Connections served at once; more are closed on arrival (default 1024). */
  maxConnections?: number;
  /** false: bind no port at all; requests only arrive through `connect()` (in-process use). Default true. */
  listen?: boolean;
}

export interface RunningServer {
  url: string;
  host: string;
  port: number;
  ctx: ServerContext;
  /** Whether a TCP port is bound (false with `listen: false`; `url` is then the synthetic http://iamlocal.internal). */
  listening: boolean;
  /** Opens an in-memory connection to the HTTP server (its real parser, no socket); returns the client end. */
  connect: () => MemorySocket;
  close: () => Promise<void>;
}

/** The endpoint SDK clients are given when iamlocal binds no port; only the in-process handler reaches it. */
export const IN_PROCESS_URL = 'http://iamlocal.internal';

export const DEFAULT_DB_PATH = '.iamlocal/iamlocal.sqlite';

/** Opens the store, applies fixtures and listens; resolves once the port is bound. */
/** A problem starting the server that the user can fix (port in use, unwritable database); shown without a stack. */
export class StartupError extends Error {}

export function createContext(options: ServeOptions = {}): ServerContext {
  const dbPath = options.db ?? DEFAULT_DB_PATH;
  let db: Db;
  try {
    db = openDatabase(dbPath);
  } catch (error) {
    throw new StartupError(`cannot open database ${dbPath}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const config: ServerConfig = { ...DEFAULT_CONFIG, ...options.config };
  const iam = new IamStore(db);
  const writes = new GroupCommit(db);
  const ctx: ServerContext = { config, db, iam, s3: new S3Store(db, dbPath, iam, writes), writes, decisions: new DecisionLog(decisionLogPath(dbPath), config.decisionLogSize), fixtureFiles: options.fixtures ?? [], dbPath, now: options.now ?? (() => new Date()),
    log: createLogger(options.logLevel ?? 'silent') };
  try {
    bootstrap(ctx.iam, config, ctx.now());
    for (const file of options.fixtures ?? []) loadFixtures(ctx, file);
    if (dbPath !== ':memory:') collectOrphanBlobs(ctx);
  } catch (error) {
    ctx.decisions.close();
    ctx.s3.close();
    db.close();
    throw error;
  }
  return ctx;
}

const CLIENT_ERRORS: Record<string, [code: string, message: string]> = {
  HPE_HEADER_OVERFLOW: ['RequestHeaderSectionTooLarge', 'Your request header section exceeds the maximum allowed size.'],
  ERR_HTTP_REQUEST_TIMEOUT: ['RequestTimeout', 'Your socket connection to the server was not read from or written to within the timeout period. Idle connections will be closed.'],
};

/**
 * Requests Node's HTTP parser rejects (oversized headers or URL, broken framing) or that arrive too slowly never reach
 * the app: answer them as S3 does, with an XML error, instead of Node's bare 431/408/400, and close the connection.
 */
function answerClientError(error: NodeJS.ErrnoException, socket: Duplex): void {
  const inFlight = (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage;
  if (!socket.writable || inFlight?.headersSent || error.code === 'ECONNRESET') {
    socket.destroy();
    return;
  }
  const [code, message] = CLIENT_ERRORS[error.code ?? ''] ?? ['BadRequest', 'An error occurred when parsing the HTTP request.'];
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message></Error>`;
  // A HEAD answer has no body. The parser keeps the packet it failed in, which starts with the request line when the
  // headers arrived in one piece; for oversized headers, unless it shows a method other than HEAD, leave the body out.
  const packet = (error as { rawPacket?: unknown }).rawPacket;
  const start = Buffer.isBuffer(packet) ? packet.subarray(0, 8).toString('latin1') : '';
  const bodyAllowed = !start.startsWith('HEAD ') && (error.code !== 'HPE_HEADER_OVERFLOW' || /^(GET|PUT|POST|DELETE|OPTIONS|PATCH) /.test(start));
  socket.end(`HTTP/1.1 400 Bad Request\r\nContent-Type: application/xml\r\nContent-Length: ${bodyAllowed ? Buffer.byteLength(body) : 0}\r\nConnection: close\r\n\r\n${bodyAllowed ? body : ''}`);
}

/**
 * How often Node looks for connections past their headers or request timeout. A slow client is cut at the first check
 * after its deadline, so the interval is how late the documented timeouts may be: at most a second, never more than a
 * fiftieth of the shorter timeout (Node's default of 30 s cut a 60 s headers timeout at up to 90 s).
 */
export function slowClientCheckIntervalMs(headersTimeoutMs: number, requestTimeoutMs: number): number {
  return Math.max(20, Math.min(1000, Math.floor(Math.min(headersTimeoutMs, requestTimeoutMs) / 50)));
}

export async function startServer(options: ServeOptions = {}): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1';
  // Anyone who can reach a non-loopback address could reset or read the state: the admin API then needs credentials.
  const loopback = host === '127.0.0.1' || host === '::1' || host === 'localhost';
  const ctx = createContext({ ...options, config: { ...options.config, adminAuthRequired: options.config?.adminAuthRequired ?? !loopback } });
  const app = createApp(ctx);
  const port = options.port ?? 4577;
  const headersTimeout = options.headersTimeoutMs ?? 60_000;
  const requestTimeout = options.requestTimeoutMs ?? 300_000;
  const server: Server = createServer({ headersTimeout, requestTimeout, connectionsCheckingInterval: slowClientCheckIntervalMs(headersTimeout, requestTimeout) }, app);
  const listen = options.listen ?? true;
  if (listen) {
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve();
        });
      });
    } catch (error) {
      ctx.s3.close();
      ctx.db.close();
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EADDRINUSE') throw new StartupError(`port ${port} on ${host} is already in use (another iamlocal?); choose another with --port`);
      if (code === 'EACCES') throw new StartupError(`not allowed to listen on ${host}:${port}`);
      if (code === 'EADDRNOTAVAIL') throw new StartupError(`${host} is not an address of this machine`);
      throw error;
    }
  }
  // SDKs keep connections alive between calls; match AWS's generous idle timeout.
  server.keepAliveTimeout = 65_000;
  server.maxConnections = options.maxConnections ?? 1024;
  server.on('clientError', answerClientError);
  // An Expect other than 100-continue: serve the request as if it were absent (Node alone would answer a bare 417).
  server.on('checkExpectation', app);
  const boundPort = listen ? (server.address() as AddressInfo).port : 0;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  // In-memory connections: node:http accepts any Duplex through its 'connection' event.
  const memory = new Set<MemorySocket>();
  let drained: (() => void) | undefined;
  let closed = false;
  const connect = (): MemorySocket => {
    if (closed) throw Object.assign(new Error('iamlocal has stopped'), { code: 'ECONNREFUSED' });
    const [client, serverEnd] = socketPair();
    memory.add(serverEnd);
    serverEnd.once('close', () => {
      memory.delete(serverEnd);
      if (memory.size === 0) drained?.();
    });
    server.emit('connection', serverEnd);
    return client;
  };
  return {
    url: listen ? `http://${shownHost}:${boundPort}` : IN_PROCESS_URL, host, port: boundPort, ctx, listening: listen, connect,
    // In-flight requests finish; idle keep-alive sockets close now; stragglers are cut after a grace period.
    close: async () => {
      closed = true;
      closeCredentialBindings(ctx);
      const force = setTimeout(() => {
        server.closeAllConnections();
        for (const socket of memory) socket.destroy();
      }, 1500);
      force.unref();
      const socketsClosed = listen ? new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }) : Promise.resolve();
      const memoryClosed = memory.size === 0 ? Promise.resolve() : new Promise<void>((resolve) => { drained = resolve; });
      await Promise.all([socketsClosed, memoryClosed]);
      clearTimeout(force);
      ctx.writes.flush();
      ctx.decisions.close();
      ctx.s3.close();
      ctx.db.close();
      serverStopped();
    },
  };
}
