// The types of iamlocal's public API (the package's `import ... from 'iamlocal'`). This module imports nothing: its
// declarations are copied as they are into dist/index.d.ts, so a consumer's type-check needs neither @types/node nor
// any @types package of iamlocal's internals (better-sqlite3). The implementations (in-process.ts,
// testing/) are checked against these types.

/** AWS credentials, as SDK v3 clients take them. `sessionToken` is present for role sessions. */
export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/**
 * Who a test wants to be: the account root, an IAM user (an access key is created on first use and reused), or a
 * session of a role (minted directly, as a fixture session is: the role's trust policy is not consulted).
 * `account` defaults to the server's account (123456789012 unless configured).
 */
export type PrincipalRef = 'root' | { user: string; account?: string } | { role: string; session?: string; account?: string };

/** Options of {@link Iamlocal.clientConfig}. */
export interface ClientConfigOptions {
  /** Carry the client's requests through memory instead of a socket (the default when iamlocal listens on no port). */
  inProcess?: boolean;
}

/** What an SDK v3 client hands its request handler (smithy's `HttpRequest`), typed structurally. */
export interface SdkHttpRequest {
  method: string;
  protocol?: string;
  hostname: string;
  port?: number;
  path: string;
  query?: Record<string, string | readonly string[] | null>;
  headers: Record<string, string>;
  body?: unknown;
  fragment?: string;
}

/** What the in-process handler answers (smithy's `HttpResponse`); `body` is a Node.js readable stream. */
export interface SdkHttpResponse {
  statusCode: number;
  reason?: string;
  headers: Record<string, string>;
  body: unknown;
}

/** smithy's `HttpHandlerOptions`. */
export interface SdkHandlerOptions {
  abortSignal?: { readonly aborted: boolean };
  requestTimeout?: number;
}

/** Settings of an in-process request handler. */
export interface InProcessHandlerConfig {
  /** Milliseconds before a request without an answer fails with a TimeoutError; 0 (the default) waits forever. */
  requestTimeout?: number;
}

/**
 * An SDK v3 request handler (smithy's `HttpHandler`) that carries requests into iamlocal through memory: no socket,
 * but the server's real HTTP parser, SigV4 verification and policy evaluation. One per client; `client.destroy()`
 * ends only its own.
 */
export interface InProcessRequestHandler {
  readonly metadata: { handlerProtocol: string };
  handle(request: SdkHttpRequest, options?: SdkHandlerOptions): Promise<{ response: SdkHttpResponse }>;
  updateHttpClientConfig(key: keyof InProcessHandlerConfig, value: InProcessHandlerConfig[keyof InProcessHandlerConfig]): void;
  httpHandlerConfigs(): InProcessHandlerConfig;
  destroy(): void;
}

/** Spread into (or pass as) an SDK v3 client's configuration: `new S3Client(local.clientConfig({ role: 'app' }))`. */
export interface IamlocalClientConfig {
  endpoint: string;
  region: string;
  credentials: Credentials;
  /** S3 buckets in the path (iamlocal serves no virtual-hosted bucket names). */
  forcePathStyle: true;
  /** 1: a test sees the first answer, with no retries. */
  maxAttempts: number;
  /** Present for in-process clients. */
  requestHandler?: InProcessRequestHandler;
}

/** Request log levels. `info` logs one line per request. */
export type LogLevel = 'silent' | 'error' | 'warn' | 'info' | 'debug';

/** Policy enforcement: `on` denies as AWS does; `audit` allows but records what would be denied; `off` allows all. */
export type EnforceMode = 'on' | 'audit' | 'off';

/** The server's identity and behaviour; every field is optional. */
export interface IamlocalConfig {
  /** The account of the root credentials and of unqualified ARNs. Default `123456789012`. */
  accountId?: string;
  /** Default `us-east-1`. */
  region?: string;
  /** The root user's access key id. Default `test`. */
  rootAccessKeyId?: string;
  /** The root user's secret access key. Default `test`. */
  rootSecretAccessKey?: string;
  /** Default `on`. */
  enforce?: EnforceMode;
  /** When set, the admin API (`/_iamlocal/`, except health) needs `Authorization: Bearer <token>` or a root-signed request. */
  adminToken?: string;
  /** Policy decisions kept for `advise`/`unused` (oldest dropped first); 0 keeps none. Default 100000. */
  decisionLogSize?: number;
}

/** Options of {@link startIamlocal}. */
export interface StartOptions {
  /** false: bind no port; only in-process clients reach the server (endpoint `http://iamlocal.internal`). Default true. */
  listen?: boolean;
  /** Address to listen on. Default `127.0.0.1`. */
  host?: string;
  /** Port to listen on; 0 (the default) picks a free one. */
  port?: number;
  /** SQLite file for the state, or `:memory:` (the default). */
  db?: string;
  /** Fixture files (YAML or JSON, see {@link Fixtures}) loaded at start, in order, and again by `reset()`. */
  fixtures?: string[];
  config?: IamlocalConfig;
  /** Request log (to stdout). Default `silent`. */
  logLevel?: LogLevel;
  /** A clock for the server (session expiry, timestamps, MFA codes). Default: the real one. */
  now?: () => Date;
}

/** A running iamlocal, from {@link startIamlocal}. */
export interface Iamlocal {
  /** `http://127.0.0.1:PORT`, or `http://iamlocal.internal` when started with `listen: false`. */
  endpoint: string;
  /** Whether a TCP port is bound. */
  listening: boolean;
  /** Credentials of a principal (default: the account root). Users get an access key; roles a new session each call. */
  credentials(principal?: PrincipalRef): Credentials;
  /**
   * An SDK v3 client configuration for a principal (default: the account root): endpoint, region, credentials,
   * path-style S3, no retries, and the in-process handler when iamlocal listens on no port (or `inProcess: true`).
   */
  clientConfig(principal?: PrincipalRef, options?: ClientConfigOptions): IamlocalClientConfig;
  /** A new in-process request handler for an SDK v3 client's `requestHandler`. */
  requestHandler(config?: InProcessHandlerConfig): InProcessRequestHandler;
  /** Drops all state; `fixtures` (the default) loads the start's fixture files again, `empty` leaves only the root. */
  reset(to?: 'empty' | 'fixtures'): void;
  /** Stops the server: in-flight requests finish, the database closes. */
  stop(): Promise<void>;
}

/** An SDK v3 command class, e.g. `GetObjectCommand`. */
export type CommandClass = new (input: never) => object;

/** What {@link routeThroughIamlocal} needs of an aws-sdk-client-mock stub (`mockClient(S3Client)`), typed structurally. */
export interface ClientMockLike {
  on(command: CommandClass): { callsFake(fake: (input: object, getClient: () => object) => unknown): unknown };
  /** The sinon stub that replaced `send`; its `wrappedMethod` is the SDK's own `send`. */
  readonly send: object;
}

/** An SDK v3 client class, e.g. `S3Client`. */
export type ClientClass = new (config: IamlocalClientConfig) => object;

/** Options of {@link routeThroughIamlocal}. */
export interface RouteOptions {
  /** Who the routed calls are made as. Default: the account root. */
  principal?: PrincipalRef;
  /** The commands to route to iamlocal; each replaces any behaviour previously set for that command. */
  commands: readonly CommandClass[];
  /** The client class to send with; by default the class of the client the mocked call was made on. */
  client?: ClientClass;
}
