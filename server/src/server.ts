import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp } from './http/app.ts';
import { createLogger, type LogLevel } from './http/log.ts';
import { DEFAULT_CONFIG, type ServerConfig, type ServerContext } from './context.ts';
import { bootstrap } from './store/bootstrap.ts';
import { openDatabase, type Db } from './store/db.ts';
import { loadFixtures } from './store/fixtures.ts';
import { IamStore } from './store/iam-store.ts';
import { S3Store } from './store/s3-store.ts';
import { DecisionLog } from './store/decision-log.ts';

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
}

export interface RunningServer {
  url: string;
  host: string;
  port: number;
  ctx: ServerContext;
  close: () => Promise<void>;
}

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
  const ctx: ServerContext = { config, db, iam: new IamStore(db), s3: new S3Store(db, dbPath), decisions: new DecisionLog(db), fixtureFiles: options.fixtures ?? [], dbPath, now: options.now ?? (() => new Date()),
    log: createLogger(options.logLevel ?? 'silent') };
  try {
    bootstrap(ctx.iam, config, ctx.now());
    for (const file of options.fixtures ?? []) loadFixtures(ctx, file);
  } catch (error) {
    ctx.s3.close();
    db.close();
    throw error;
  }
  return ctx;
}

export async function startServer(options: ServeOptions = {}): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1';
  // Anyone who can reach a non-loopback address could reset or read the state: the admin API then needs credentials.
  const loopback = host === '127.0.0.1' || host === '::1' || host === 'localhost';
  const ctx = createContext({ ...options, config: { ...options.config, adminAuthRequired: options.config?.adminAuthRequired ?? !loopback } });
  const app = createApp(ctx);
  const port = options.port ?? 4577;
  let server: Server;
  try {
    server = await new Promise((resolve, reject) => {
      const s = app.listen(port, host, (error?: Error) => (error ? reject(error) : resolve(s)));
      s.once('error', reject);
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
  // SDKs keep connections alive between calls; match AWS's generous idle timeout.
  server.keepAliveTimeout = 65_000;
  const boundPort = (server.address() as AddressInfo).port;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${boundPort}`, host, port: boundPort, ctx,
    // In-flight requests finish; idle keep-alive sockets close now; stragglers are cut after a grace period.
    close: () => new Promise<void>((resolve) => {
      const force = setTimeout(() => server.closeAllConnections(), 1500);
      force.unref();
      server.close(() => {
        clearTimeout(force);
        ctx.decisions.flush();
        ctx.s3.close();
        ctx.db.close();
        resolve();
      });
      server.closeIdleConnections();
    }),
  };
}
