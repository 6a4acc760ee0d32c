import type { Logger } from './log.ts';
import type { Db } from './store/db.ts';
import type { IamStore } from './store/iam-store.ts';
import type { S3Store } from './store/s3-store.ts';
import type { GroupCommit } from './store/group-commit.ts';
import type { DecisionLog, EnforceMode } from './store/decision-log.ts';

export interface ServerConfig {
  accountId: string;
  region: string;
  rootAccessKeyId: string;
  rootSecretAccessKey: string;
  /** Largest query-protocol (STS/IAM) body accepted, in bytes. */
  maxQueryBodyBytes: number;
  enforce: EnforceMode;
  /**
   * When set, /_iamlocal/ routes other than health need `Authorization: Bearer <token>` or a request signed by an
   * account root. Servers listening beyond loopback always require one of the two.
   */
  adminToken?: string;
  adminAuthRequired: boolean;
  /** Decisions kept in the decision log (oldest pruned first); 0 records none. */
  decisionLogSize: number;
}

export const DEFAULT_CONFIG: ServerConfig = {
  accountId: '123456789012',
  region: 'us-east-1',
  rootAccessKeyId: 'test',
  rootSecretAccessKey: 'test',
  maxQueryBodyBytes: 1024 * 1024,
  enforce: 'on',
  adminAuthRequired: false,
  decisionLogSize: 100_000,
};

/** Everything a request handler may touch; built once per server. */
export interface ServerContext {
  config: ServerConfig;
  db: Db;
  iam: IamStore;
  s3: S3Store;
  /** Group commit for the hot writes (PutObject, STS sessions): see GroupCommit. */
  writes: GroupCommit;
  decisions: DecisionLog;
  /** Fixture files loaded at start, which a reset re-applies. */
  fixtureFiles: string[];
  dbPath: string;
  now: () => Date;
  log: Logger;
}

/** The enforcement mode for requests by principals of `accountId`: a per-account setting, else the server's. */
export function enforcementFor(ctx: ServerContext, accountId: string): EnforceMode {
  const cache = ctx.iam.stateCache();
  const name = `enforce:${accountId}`;
  let value = cache.get(name) as string | null | undefined;
  if (value === undefined) cache.set(name, (value = ctx.iam.setting(name) ?? null));
  return value === 'on' || value === 'audit' || value === 'off' ? value : ctx.config.enforce;
}

export function decisionSink(ctx: ServerContext, at: Date, accountId: string): { decisions: DecisionLog; at: Date; mode: EnforceMode } {
  return { decisions: ctx.decisions, at, mode: enforcementFor(ctx, accountId) };
}
