// Bridge for suites that use aws-sdk-client-mock: chosen commands of a mocked client are sent for real, through the
// in-process handler, to iamlocal, so they get real SigV4 and policy decisions; every other command keeps its mock.
// aws-sdk-client-mock stays the test suite's dependency: the mock is typed structurally and never imported.
import { lookupCredentials } from '../auth/caller.ts';
import { contextOf } from '../in-process.ts';
import type { ClientClass, ClientMockLike, Credentials, Iamlocal, RouteOptions } from '../public-types.ts';

export type { ClientClass, ClientMockLike, CommandClass, RouteOptions } from '../public-types.ts';

type Send = (this: object, command: object) => Promise<unknown>;

function isFunction(value: unknown): value is Send {
  return typeof value === 'function';
}

/** The SDK's own `send`, from under the sinon stub. */
function originalSend(mock: ClientMockLike, client: object): Send {
  const wrapped: unknown = Reflect.get(mock.send, 'wrappedMethod');
  if (isFunction(wrapped)) return wrapped;
  // No sinon metadata: the first `send` up the prototype chain that is not the stub.
  for (let proto: object | null = Object.getPrototypeOf(client) as object | null; proto; proto = Object.getPrototypeOf(proto) as object | null) {
    const own: unknown = Object.getOwnPropertyDescriptor(proto, 'send')?.value;
    if (isFunction(own) && own !== mock.send && !('wrappedMethod' in own)) return own;
  }
  throw new Error('routeThroughIamlocal: cannot find the client\'s original send()');
}

/**
 * Routes `commands` of an aws-sdk-client-mock stub through iamlocal:
 * `routeThroughIamlocal(mockClient(S3Client), local, { principal: { role: 'app-role' }, commands: [GetObjectCommand] })`.
 * Credentials are minted on the first routed call (so the role may be created later) and again after `local.reset()`.
 * `mock.reset()` removes the routes with every other behaviour: route again after it. Returns the mock.
 */
export function routeThroughIamlocal<M extends ClientMockLike>(mock: M, local: Iamlocal, options: RouteOptions): M {
  const principal = options.principal ?? 'root';
  const clients = new Map<ClientClass, { client: object; credentials: Credentials }>();

  const ctx = contextOf(local);
  const valid = (credentials: Credentials): boolean => {
    const found = lookupCredentials(ctx.iam, credentials.accessKeyId);
    return !!found && found.secretKey === credentials.secretAccessKey && (!found.expiresAt || found.expiresAt > ctx.now());
  };
  const realClient = (ClientCtor: ClientClass): object => {
    const cached = clients.get(ClientCtor);
    if (cached && valid(cached.credentials)) return cached.client;
    const config = local.clientConfig(principal, { inProcess: true });
    const client = new ClientCtor(config);
    clients.set(ClientCtor, { client, credentials: config.credentials });
    return client;
  };

  for (const Command of options.commands) {
    mock.on(Command).callsFake((input: object, getClient: () => object) => {
      const mocked = getClient();
      const ClientCtor = options.client ?? (mocked.constructor as ClientClass);
      const client = realClient(ClientCtor);
      const command = new (Command as new (input: object) => object)(input);
      return originalSend(mock, mocked).call(client, command);
    });
  }
  return mock;
}
