import { CliFailure, stringFlag, UsageError, type CliCommand, type FlagValues } from './command.ts';
import { lazyDependency } from '../lazy-dependency.ts';
import { configFilePath, credentialsFilePath, readSection, writeSection } from './aws-files.ts';

const fastXmlParser = lazyDependency<typeof import('fast-xml-parser')>('fast-xml-parser');

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
async function login(flags: FlagValues): Promise<number> {
  const values = {
    role: stringFlag(flags, 'role'), session: stringFlag(flags, 'session'), profile: stringFlag(flags, 'profile'), provider: stringFlag(flags, 'provider'),
    account: stringFlag(flags, 'account'), duration: stringFlag(flags, 'duration'), 'credentials-file': stringFlag(flags, 'credentials-file'),
    'config-file': stringFlag(flags, 'config-file'), endpoint: stringFlag(flags, 'endpoint'), 'admin-token': stringFlag(flags, 'admin-token'), region: stringFlag(flags, 'region'),
  };
  if (!values.role || !values.session) throw new UsageError('--role and --session are required');
  if (values.duration !== undefined && !/^\d+$/.test(values.duration)) throw new UsageError(`--duration must be a number of seconds, got '${values.duration}'`);
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
    if (error instanceof LoginError) throw new CliFailure(error.message);
    throw error;
  }
}

/** `iamlocal env`: export lines for a profile, for shells and tools that only read environment variables. */
function env(values: FlagValues): number {
  const profile = stringFlag(values, 'profile') ?? 'saml';
  const credentialsFile = credentialsFilePath(stringFlag(values, 'credentials-file'));
  const credentials = readSection(credentialsFile, profile);
  if (!credentials?.aws_access_key_id || !credentials.aws_secret_access_key) throw new CliFailure(`no credentials for profile '${profile}' in ${credentialsFile} (run iamlocal login first)`);
  const config = readSection(configFilePath(stringFlag(values, 'config-file')), profile === 'default' ? 'default' : `profile ${profile}`) ?? {};
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

const files = {
  'credentials-file': { arg: 'FILE', env: 'AWS_SHARED_CREDENTIALS_FILE', text: 'The AWS credentials file (default ~/.aws/credentials).' },
  'config-file': { arg: 'FILE', env: 'AWS_CONFIG_FILE', text: 'The AWS config file (default ~/.aws/config).' },
};

export const loginCommand: CliCommand = {
  summary: 'Sign in to a role through iamlocal\'s SAML IdP and write the credentials as an AWS profile.',
  synopsis: '--role NAME|ARN --session NAME [--profile saml] [--provider NAME|ARN] [--account ID] [--duration SECONDS] [other options]',
  description: [
    'Signs in like a SAML IdP would: iamlocal\'s IdP signs an assertion, STS AssumeRoleWithSAML checks it, and the',
    'temporary credentials are written as a profile (endpoint_url and region go to the config file). Needs a running iamlocal.',
  ].join('\n'),
  flags: {
    role: { arg: 'NAME|ARN', text: 'The role to assume. Required.' },
    session: { arg: 'NAME', text: 'The role session name (e.g. your e-mail address). Required.' },
    profile: { arg: 'NAME', text: 'The profile to write (default saml).' },
    provider: { arg: 'NAME|ARN', text: 'The IAM SAML provider (default: one backed by the built-in IdP that the role\'s trust policy names).' },
    account: { arg: 'ID', text: 'The role\'s account, when --role is a name (default: the server\'s account).' },
    duration: { arg: 'SECONDS', text: 'DurationSeconds of the session.' },
    ...files,
    endpoint: { arg: 'URL', env: 'IAMLOCAL_ENDPOINT', text: 'The running iamlocal (else AWS_ENDPOINT_URL, else http://127.0.0.1:4577).' },
    'admin-token': { arg: 'TOKEN', env: 'IAMLOCAL_ADMIN_TOKEN', text: 'Bearer token for a server whose admin API needs one.' },
    region: { arg: 'REGION', env: 'AWS_REGION', text: 'The region written to the profile (default us-east-1).' },
  },
  env: { AWS_ENDPOINT_URL: 'Used when neither --endpoint nor IAMLOCAL_ENDPOINT is set.' },
  run: login,
};

export const envCommand: CliCommand = {
  summary: 'Print export lines for a profile\'s credentials, endpoint and region.',
  synopsis: '[--profile saml] [--credentials-file FILE] [--config-file FILE]',
  description: 'Prints shell export lines (AWS_ACCESS_KEY_ID, ..., AWS_ENDPOINT_URL, AWS_REGION) for a profile written by iamlocal login.',
  flags: {
    profile: { arg: 'NAME', text: 'The profile to read (default saml).' },
    ...files,
  },
  env: { IAMLOCAL_ENDPOINT: 'The endpoint printed when the profile has no endpoint_url (else AWS_ENDPOINT_URL, else http://127.0.0.1:4577).', AWS_ENDPOINT_URL: 'See IAMLOCAL_ENDPOINT.' },
  run: env,
};
