import type { Db } from './store/db.ts';
import type { IamStore } from './store/iam-store.ts';
import type { S3Store } from './store/s3-store.ts';
import type { DecisionLog } from './store/decision-log.ts';

export interface ServerConfig {
  accountId: string;
  region: string;
  rootAccessKeyId: string;
  rootSecretAccessKey: string;
  /** Largest query-protocol (STS/IAM) body accepted, in bytes. */
  maxQueryBodyBytes: number;
}

export const DEFAULT_CONFIG: ServerConfig = {
  accountId: '123456789012',
  region: 'us-east-1',
  rootAccessKeyId: 'test',
  rootSecretAccessKey: 'test',
  maxQueryBodyBytes: 1024 * 1024,
};

/** Everything a request handler may touch; built once per server. */
export interface ServerContext {
  config: ServerConfig;
  db: Db;
  iam: IamStore;
  s3: S3Store;
  decisions: DecisionLog;
  /** Fixture files loaded at start, which a reset re-applies. */
  fixtureFiles: string[];
  dbPath: string;
  now: () => Date;
}
