import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp } from './http/app.ts';
import { DEFAULT_CONFIG, type ServerConfig, type ServerContext } from './context.ts';
import { bootstrap } from './store/bootstrap.ts';
import { openDatabase } from './store/db.ts';
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
export function createContext(options: ServeOptions = {}): ServerContext {
  const dbPath = options.db ?? DEFAULT_DB_PATH;
  const db = openDatabase(dbPath);
  const config: ServerConfig = { ...DEFAULT_CONFIG, ...options.config };
  const ctx: ServerContext = { config, db, iam: new IamStore(db), s3: new S3Store(db, dbPath), decisions: new DecisionLog(db), fixtureFiles: options.fixtures ?? [], dbPath, now: options.now ?? (() => new Date()) };
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
  const ctx = createContext(options);
  const host = options.host ?? '127.0.0.1';
  const app = createApp(ctx);
  const server: Server = await new Promise((resolve, reject) => {
    const s = app.listen(options.port ?? 4577, host, (error?: Error) => (error ? reject(error) : resolve(s)));
    s.once('error', reject);
  });
  // SDKs keep connections alive between calls; match AWS's generous idle timeout.
  server.keepAliveTimeout = 65_000;
  const port = (server.address() as AddressInfo).port;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${port}`, host, port, ctx,
    close: () => new Promise<void>((resolve) => {
      server.close(() => {
        ctx.s3.close();
        ctx.db.close();
        resolve();
      });
      server.closeAllConnections();
    }),
  };
}
