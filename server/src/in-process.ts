import type { ServerContext } from './context.ts';
import { startServer, type ServeOptions } from './server.ts';
import { InProcessHttpHandler, type InProcessHandlerConfig } from './testing/http-handler.ts';
import type { Credentials, Iamlocal as PublicIamlocal, PrincipalRef } from './public-types.ts';
import { awsId, isoSeconds, secretAccessKey, sessionToken } from './store/ids.ts';
import { resetState } from './store/snapshots.ts';

export type { ClientConfigOptions, Credentials, IamlocalClientConfig, PrincipalRef } from './public-types.ts';

/** The running server as iamlocal's own tests see it: the public API plus the server's context. */
export interface Iamlocal extends PublicIamlocal {
  ctx: ServerContext;
  requestHandler: (config?: InProcessHandlerConfig) => InProcessHttpHandler;
}

export interface StartOptions extends ServeOptions {
  /** false: bind no port; only in-process clients reach the server (endpoint http://iamlocal.internal). Default true. */
  listen?: boolean;
}

// The context behind each Iamlocal handed out, for helpers that take the public type (routeThroughIamlocal).
const contexts = new WeakMap<PublicIamlocal, ServerContext>();

/** The server context of an Iamlocal from startIamlocal. */
export function contextOf(local: PublicIamlocal): ServerContext {
  const ctx = contexts.get(local);
  if (!ctx) throw new TypeError('iamlocal: not an Iamlocal returned by startIamlocal()');
  return ctx;
}

function mint(ctx: ServerContext, principal: PrincipalRef): Credentials {
  if (principal === 'root') return { accessKeyId: ctx.config.rootAccessKeyId, secretAccessKey: ctx.config.rootSecretAccessKey };
  const account = principal.account ?? ctx.config.accountId;
  const now = ctx.now();
  if ('user' in principal) {
    const user = ctx.iam.user(account, principal.user);
    if (!user) throw new Error(`iamlocal: no user ${principal.user} in account ${account}`);
    const key = ctx.iam.userAccessKeys(account, user.user_name).find((k) => k.status === 'Active');
    if (key) return { accessKeyId: key.access_key_id, secretAccessKey: key.secret_key };
    const created = { access_key_id: awsId('AKIA'), secret_key: secretAccessKey(), account_id: account, user_name: user.user_name, status: 'Active', created_at: isoSeconds(now) };
    ctx.iam.insertAccessKey(created);
    return { accessKeyId: created.access_key_id, secretAccessKey: created.secret_key };
  }
  const role = ctx.iam.role(account, principal.role);
  if (!role) throw new Error(`iamlocal: no role ${principal.role} in account ${account}`);
  const session = {
    access_key_id: awsId('ASIA'), secret_key: secretAccessKey(), session_token: sessionToken(), account_id: account, role_name: role.role_name,
    role_id: role.role_id, session_name: principal.session ?? 'iamlocal-test', source_identity: null, session_policy: null, session_policy_arns: null,
    issued_at: isoSeconds(now), expires_at: new Date(now.getTime() + role.max_session_duration * 1000).toISOString(),
  };
  ctx.iam.insertSession(session);
  return { accessKeyId: session.access_key_id, secretAccessKey: session.secret_key, sessionToken: session.session_token };
}

/** Starts iamlocal inside the test process on a free port, or on none with `listen: false` (in-memory database unless `db` is given). */
export async function startIamlocal(options: StartOptions = {}): Promise<Iamlocal> {
  const server = await startServer({ host: '127.0.0.1', port: 0, db: ':memory:', ...options });
  const credentials = (principal: PrincipalRef = 'root'): Credentials => mint(server.ctx, principal);
  const requestHandler = (config?: InProcessHandlerConfig): InProcessHttpHandler => new InProcessHttpHandler(server.connect, config);
  const local: Iamlocal = {
    endpoint: server.url,
    listening: server.listening,
    ctx: server.ctx,
    credentials,
    clientConfig: (principal = 'root', { inProcess = !server.listening } = {}) => ({
      endpoint: server.url, region: server.ctx.config.region, credentials: credentials(principal), forcePathStyle: true, maxAttempts: 1,
      ...(inProcess ? { requestHandler: requestHandler() } : {}),
    }),
    requestHandler,
    reset: (to = 'fixtures') => resetState(server.ctx, to),
    stop: () => server.close(),
  };
  contexts.set(local, server.ctx);
  return local;
}
