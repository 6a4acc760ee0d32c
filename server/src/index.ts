// The package's public API: `import { startIamlocal } from 'iamlocal'` (ESM) or `require('iamlocal')` (CommonJS).
// Only what a test suite calls is exported; every signature uses the self-contained types of public-types.ts, so the
// declarations built from this file (dist/index.d.ts) need no other package's types.
import { startIamlocal as start } from './in-process.ts';
import { routeThroughIamlocal as route } from './testing/client-mock.ts';
import { totp as totpCode } from './auth/totp.ts';
import type { ClientMockLike, Iamlocal, RouteOptions, StartOptions } from './public-types.ts';

export type {
  ClientClass, ClientConfigOptions, ClientMockLike, CommandClass, Credentials, EnforceMode, Iamlocal, IamlocalClientConfig,
  IamlocalConfig, InProcessHandlerConfig, InProcessRequestHandler, LogLevel, PrincipalRef, RouteOptions, SdkHandlerOptions,
  SdkHttpRequest, SdkHttpResponse, StartOptions,
} from './public-types.ts';
export type * from './fixture-types.ts';

/**
 * Starts iamlocal inside this process: STS, IAM and S3 that verify SigV4 signatures and enforce IAM policies.
 * By default it listens on a free port of 127.0.0.1 and keeps its state in memory; with `listen: false` it binds no
 * port and SDK clients reach it through {@link Iamlocal.clientConfig}'s in-process handler.
 *
 * @example
 * const local = await startIamlocal({ listen: false, fixtures: ['test/fixtures.yaml'] });
 * const s3 = new S3Client(local.clientConfig({ role: 'app-role' }));
 * // ... after the tests:
 * await local.stop();
 */
export function startIamlocal(options: StartOptions = {}): Promise<Iamlocal> {
  return start(options);
}

/**
 * Routes chosen commands of an aws-sdk-client-mock stub through iamlocal, so that they get real SigV4 and policy
 * decisions while every other command keeps its mock. Credentials are minted on the first routed call (so the role
 * may be created later) and again after `local.reset()`. `mock.reset()` removes the routes: route again after it.
 *
 * @example
 * routeThroughIamlocal(mockClient(S3Client), local, { principal: { role: 'app-role' }, commands: [GetObjectCommand] });
 * @returns the mock
 */
export function routeThroughIamlocal<M extends ClientMockLike>(mock: M, local: Iamlocal, options: RouteOptions): M {
  return route(mock, local, options);
}

/**
 * The 6-digit TOTP code (RFC 6238, 30-second steps, SHA-1) of a virtual MFA device's base32 seed at `time` (default
 * now): the `TokenCode` for `sts:GetSessionToken` or `AssumeRole` with a fixture's `virtualMfaDevices` seed.
 */
export function totp(seedBase32: string, time: Date | number = Date.now()): string {
  return totpCode(seedBase32, time);
}
