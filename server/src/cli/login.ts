import { parseArgs } from 'node:util';
import { lazyDependency } from '../lazy-dependency.ts';
import { configFilePath, credentialsFilePath, readSection, writeSection } from './aws-files.ts';

const fastXmlParser = lazyDependency<typeof import('fast-xml-parser')>('fast-xml-parser');

export const LOGIN_USAGE = `  iamlocal login --role NAME|ARN --session NAME [--profile saml] [--provider NAME|ARN] [--account ID] [--duration SECONDS]
                 [--credentials-file FILE] [--config-file FILE] [--endpoint URL] [--admin-token TOKEN]
      Signs in like a SAML IdP would: iamlocal's IdP signs an assertion, STS AssumeRoleWithSAML checks it, and the
      temporary credentials are written as a profile (endpoint_url and region go to the config file).
  iamlocal env [--profile saml] [--credentials-file FILE] [--config-file FILE]
      Prints export lines for a profile's credentials, endpoint and region.`;

function endpointOf(given: string | undefined): string {
  return (given ?? process.env.IAMLOCAL_ENDPOINT ?? process.env.AWS_ENDPOINT_URL ?? 'http://127.0.0.1:4577').replace(/\/$/, '');
}

class LoginError extends Error {}

async function post(url: string, init: RequestInit): Promise<{ status: number; text: string }> {
  try {
    const res = await fetch(url, init);
    return { status: res.status, text: await res.text() };
  } catch (error) {
    throw new LoginError(`cannot reach ${url}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

interface StsCredentials { AccessKeyId: string; SecretAccessKey: string; SessionToken: string; Expiration: string }

/** `iamlocal login`: the story's SAML sign-in, against a running iamlocal. */
export async function loginCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      role: { type: 'string' }, session: { type: 'string' }, profile: { type: 'string' }, provider: { type: 'string' }, account: { type: 'string' },
      duration: { type: 'string' }, 'credentials-file': { type: 'string' }, 'config-file': { type: 'string' }, endpoint: { type: 'string' }, 'admin-token': { type: 'string' },
      region: { type: 'string' },
    },
    strict: true,
  });
  if (!values.role || !values.session) {
    console.error(`iamlocal login: --role and --session are required\n${LOGIN_USAGE}`);
    return 2;
  }
  if (values.duration !== undefined && !/^\d+$/.test(values.duration)) {
    console.error(`iamlocal login: --duration must be a number of seconds, got '${values.duration}'`);
    return 2;
  }
  const endpoint = endpointOf(values.endpoint);
  const profile = values.profile ?? 'saml';
  const adminToken = values['admin-token'] ?? process.env.IAMLOCAL_ADMIN_TOKEN;
  try {
    // 1. The IdP (iamlocal's built-in one) signs an assertion naming the role and the provider.
    const idp = await post(`${endpoint}/_iamlocal/saml/assertion`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(adminToken ? { authorization: `Bearer ${adminToken}` } : {}) },
      body: JSON.stringify({ role: values.role, session: values.session, provider: values.provider, account: values.account }),
    });
    if (idp.status !== 200) throw new LoginError(`identity provider: ${idp.status} ${idp.text}`);
    const assertion = JSON.parse(idp.text) as { samlResponse: string; roleArn: string; principalArn: string };

    // 2. STS over the wire, unsigned as AssumeRoleWithSAML is.
    const form = new URLSearchParams({
      Action: 'AssumeRoleWithSAML', Version: '2011-06-15', RoleArn: assertion.roleArn, PrincipalArn: assertion.principalArn, SAMLAssertion: assertion.samlResponse,
      ...(values.duration ? { DurationSeconds: values.duration } : {}),
    });
    const sts = await post(`${endpoint}/`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' }, body: form.toString() });
    const parsed = new (fastXmlParser().XMLParser)({ parseTagValue: false }).parse(sts.text) as Record<string, Record<string, Record<string, unknown>>>;
    if (sts.status !== 200) {
      const error = parsed.ErrorResponse?.Error as { Code?: string; Message?: string } | undefined;
      throw new LoginError(`An error occurred (${error?.Code ?? sts.status}) when calling the AssumeRoleWithSAML operation: ${error?.Message ?? sts.text}`);
    }
    const result = parsed.AssumeRoleWithSAMLResponse?.AssumeRoleWithSAMLResult as { Credentials: StsCredentials; AssumedRoleUser: { Arn: string } };

    // 3. The profile: credentials in the credentials file, where to reach iamlocal in the config file.
    const credentialsFile = credentialsFilePath(values['credentials-file']);
    writeSection(credentialsFile, profile, {
      aws_access_key_id: result.Credentials.AccessKeyId, aws_secret_access_key: result.Credentials.SecretAccessKey, aws_session_token: result.Credentials.SessionToken,
    });
    const configFile = configFilePath(values['config-file']);
    writeSection(configFile, profile === 'default' ? 'default' : `profile ${profile}`, { region: values.region ?? process.env.AWS_REGION ?? 'us-east-1', endpoint_url: endpoint });
    console.error(`Logged in as ${result.AssumedRoleUser.Arn} until ${result.Credentials.Expiration}.`);
    console.error(`Profile '${profile}' written to ${credentialsFile} (endpoint in ${configFile}). Use: aws --profile ${profile} sts get-caller-identity`);
    console.log(result.AssumedRoleUser.Arn);
    return 0;
  } catch (error) {
    if (error instanceof LoginError) {
      console.error(`iamlocal login: ${error.message}`);
      return 1;
    }
    throw error;
  }
}

/** `iamlocal env`: export lines for a profile, for shells and tools that only read environment variables. */
export function envCommand(args: string[]): number {
  const { values } = parseArgs({
    args, options: { profile: { type: 'string' }, 'credentials-file': { type: 'string' }, 'config-file': { type: 'string' } }, strict: true,
  });
  const profile = values.profile ?? 'saml';
  const credentialsFile = credentialsFilePath(values['credentials-file']);
  const credentials = readSection(credentialsFile, profile);
  if (!credentials?.aws_access_key_id || !credentials.aws_secret_access_key) {
    console.error(`iamlocal env: no credentials for profile '${profile}' in ${credentialsFile} (run iamlocal login first)`);
    return 1;
  }
  const config = readSection(configFilePath(values['config-file']), profile === 'default' ? 'default' : `profile ${profile}`) ?? {};
  const quote = (v: string): string => `'${v.replace(/'/g, `'\\''`)}'`;
  const lines = [
    ['AWS_ACCESS_KEY_ID', credentials.aws_access_key_id],
    ['AWS_SECRET_ACCESS_KEY', credentials.aws_secret_access_key],
    ['AWS_SESSION_TOKEN', credentials.aws_session_token],
    ['AWS_ENDPOINT_URL', config.endpoint_url ?? endpointOf(undefined)],
    ['AWS_REGION', config.region],
    // AWS CLI v1 and older botocore read only AWS_DEFAULT_REGION.
    ['AWS_DEFAULT_REGION', config.region],
  ].filter((entry): entry is [string, string] => entry[1] !== undefined).map(([k, v]) => `export ${k}=${quote(v)}`);
  console.log(lines.join('\n'));
  return 0;
}
