// The container credentials endpoint (what ECS task roles and EKS Pod Identity serve): SDKs GET the URL in
// AWS_CONTAINER_CREDENTIALS_FULL_URI with AWS_CONTAINER_AUTHORIZATION_TOKEN (or the token file's content) as the
// Authorization header, and read AccessKeyId, SecretAccessKey, Token, Expiration and AccountId
// (https://docs.aws.amazon.com/sdkref/latest/guide/feature-container-credentials.html).
import type { ServerContext } from '../../context.ts';
import { BindingError, credentialBindings } from './bindings.ts';

export interface ContainerResponse { status: number; body: Record<string, string> }

export function containerCredentials(ctx: ServerContext, method: string, authorization: string | undefined, sourceIp: string): ContainerResponse {
  if (method !== 'GET') return { status: 405, body: { Code: 'MethodNotAllowed', Message: 'The container credentials endpoint answers GET only.' } };
  const given = authorization?.replace(/^Bearer\s+/i, '').trim();
  if (!given) {
    return { status: 401, body: { Code: 'MissingAuthorizationToken', Message: 'No Authorization header: set AWS_CONTAINER_AUTHORIZATION_TOKEN (or AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE) to the credential binding\'s token.' } };
  }
  const bindings = credentialBindings(ctx);
  const binding = bindings.withToken(given);
  if (!binding) {
    return { status: 403, body: { Code: 'AccessDenied', Message: 'The authorization token matches no credential binding of this server (it was deleted, or belongs to another iamlocal).' } };
  }
  try {
    const c = bindings.credentials(binding, ctx.now(), sourceIp);
    return { status: 200, body: { AccessKeyId: c.accessKeyId, SecretAccessKey: c.secretAccessKey, Token: c.token, Expiration: c.expiration, RoleArn: binding.roleArn, AccountId: binding.accountId } };
  } catch (error) {
    if (error instanceof BindingError) return { status: error.status, body: { Code: error.code, Message: error.message } };
    throw error;
  }
}
