// The EC2 instance metadata service (IMDSv2 and v1) of one binding's "instance": what the SDKs' instance-profile
// credential providers read. Behaviour from the EC2 user guide, "Use the Instance Metadata Service to access instance
// metadata" (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/configuring-instance-metadata-service.html) and
// "Retrieve security credentials from instance metadata" (…/instance-metadata-security-credentials.html).
import { randomBytes } from 'node:crypto';
import type { ServerContext } from '../../context.ts';
import { isoSeconds } from '../../store/ids.ts';
import { BindingError, type Binding, type CredentialBindings } from './bindings.ts';

export interface MetadataRequest { method: string; path: string; headers: Record<string, string | string[] | undefined>; sourceIp: string }
export interface MetadataResponse { status: number; headers: Record<string, string>; body: string }

/** IMDSv2 session tokens live from 1 second to 6 hours. */
const MAX_TOKEN_TTL = 21600;
const TOKEN_TTL_HEADER = 'x-aws-ec2-metadata-token-ttl-seconds';
const TOKEN_HEADER = 'x-aws-ec2-metadata-token';
const TEXT = { 'Content-Type': 'text/plain', Server: 'EC2ws' };

/** IMDS pretty-prints its JSON documents with " : " separators. */
function imdsJson(value: Record<string, string | null>): string {
  return `{\n${Object.entries(value).map(([k, v]) => `  "${k}" : ${v === null ? 'null' : JSON.stringify(v)}`).join(',\n')}\n}`;
}

function errorPage(status: number, title: string): MetadataResponse {
  const body = `<?xml version="1.0" encoding="iso-8859-1"?>\n<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN"\n\t"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">\n<html xmlns="http://www.w3.org/1999/xhtml" xml:lang="en" lang="en">\n <head>\n  <title>${status} - ${title}</title>\n </head>\n <body>\n  <h1>${status} - ${title}</h1>\n </body>\n</html>\n`;
  return { status, headers: { 'Content-Type': 'text/html', Server: 'EC2ws' }, body };
}

const text = (body: string): MetadataResponse => ({ status: 200, headers: { ...TEXT }, body });

const header = (headers: MetadataRequest['headers'], name: string): string | undefined => {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
};

/** One instance's metadata: the binding's role through its instance profile, plus the identity document. */
export class InstanceMetadata {
  /** IMDSv2 session tokens of this instance and when they expire (ms). */
  private readonly tokens = new Map<string, number>();
  private readonly launchedAt: string;

  constructor(private readonly ctx: ServerContext, private readonly bindings: CredentialBindings, private readonly binding: Binding) {
    this.launchedAt = binding.createdAt;
  }

  handle(req: MetadataRequest): MetadataResponse {
    const now = this.ctx.now();
    const path = req.path.split('?')[0] ?? '/';
    if (path === '/latest/api/token') {
      if (req.method !== 'PUT') return errorPage(405, 'Method Not Allowed');
      // A token request relayed through a proxy (X-Forwarded-For) is refused, so a misconfigured proxy cannot get one.
      if (header(req.headers, 'x-forwarded-for') !== undefined) return errorPage(403, 'Forbidden');
      const ttlText = header(req.headers, TOKEN_TTL_HEADER);
      const ttl = ttlText !== undefined && /^\d{1,5}$/.test(ttlText) ? Number(ttlText) : NaN;
      if (!(ttl >= 1 && ttl <= MAX_TOKEN_TTL)) return errorPage(400, 'Missing or Invalid Parameters');
      this.prune(now.getTime());
      const token = randomBytes(42).toString('base64');
      this.tokens.set(token, now.getTime() + ttl * 1000);
      return { status: 200, headers: { ...TEXT, [TOKEN_TTL_HEADER]: String(ttl) }, body: token };
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return errorPage(405, 'Method Not Allowed');
    const token = header(req.headers, TOKEN_HEADER);
    if (token !== undefined) {
      const expires = this.tokens.get(token);
      if (expires === undefined || expires <= now.getTime()) return errorPage(401, 'Unauthorized');
    } else if (this.binding.httpTokens === 'required') {
      // HttpTokens=required: IMDSv1 requests (no token) are refused.
      return errorPage(401, 'Unauthorized');
    }
    return this.metadata(path, now, req.sourceIp);
  }

  private prune(nowMs: number): void {
    for (const [token, expires] of this.tokens) if (expires <= nowMs) this.tokens.delete(token);
  }

  private metadata(path: string, now: Date, sourceIp: string): MetadataResponse {
    const b = this.binding;
    const region = this.ctx.config.region;
    const role = b.roleName;
    switch (path) {
      case '/latest':
      case '/latest/':
        return text('dynamic\nmeta-data');
      case '/latest/meta-data':
      case '/latest/meta-data/':
        return text(['ami-id', 'hostname', 'iam/', 'instance-id', 'instance-type', 'local-hostname', 'local-ipv4', 'placement/'].join('\n'));
      case '/latest/meta-data/ami-id': return text('ami-0123456789abcdef0');
      case '/latest/meta-data/instance-id': return text(b.instanceId);
      case '/latest/meta-data/instance-type': return text('t3.micro');
      case '/latest/meta-data/hostname':
      case '/latest/meta-data/local-hostname': return text(`ip-127-0-0-1.ec2.internal`);
      case '/latest/meta-data/local-ipv4': return text('127.0.0.1');
      case '/latest/meta-data/placement':
      case '/latest/meta-data/placement/': return text('availability-zone\nregion');
      case '/latest/meta-data/placement/region': return text(region);
      case '/latest/meta-data/placement/availability-zone': return text(`${region}a`);
      case '/latest/meta-data/iam':
      case '/latest/meta-data/iam/': return text('info\nsecurity-credentials/');
      case '/latest/meta-data/iam/info':
        return text(imdsJson({ Code: 'Success', LastUpdated: b.current?.issuedAt ?? this.launchedAt, InstanceProfileArn: b.instanceProfile?.arn ?? null, InstanceProfileId: b.instanceProfile?.id ?? null }));
      case '/latest/meta-data/iam/security-credentials':
      case '/latest/meta-data/iam/security-credentials/': return text(role);
      case `/latest/meta-data/iam/security-credentials/${role}`: return this.credentials(now, sourceIp);
      case '/latest/dynamic':
      case '/latest/dynamic/': return text('instance-identity/');
      case '/latest/dynamic/instance-identity':
      case '/latest/dynamic/instance-identity/': return text('document');
      case '/latest/dynamic/instance-identity/document':
        return text(imdsJson({
          accountId: b.accountId, architecture: 'x86_64', availabilityZone: `${region}a`, billingProducts: null, devpayProductCodes: null,
          marketplaceProductCodes: null, imageId: 'ami-0123456789abcdef0', instanceId: b.instanceId, instanceType: 't3.micro', kernelId: null,
          pendingTime: this.launchedAt, privateIp: '127.0.0.1', ramdiskId: null, region, version: '2017-09-30',
        }));
      default:
        return errorPage(404, 'Not Found');
    }
  }

  private credentials(now: Date, sourceIp: string): MetadataResponse {
    try {
      const c = this.bindings.credentials(this.binding, now, sourceIp);
      return text(imdsJson({ Code: 'Success', LastUpdated: c.issuedAt, Type: 'AWS-HMAC', AccessKeyId: c.accessKeyId, SecretAccessKey: c.secretAccessKey, Token: c.token, Expiration: c.expiration }));
    } catch (error) {
      if (!(error instanceof BindingError)) throw error;
      if (error.code === 'NoSuchEntity') return errorPage(404, 'Not Found');
      // IMDS answers 200 with an error document when EC2 may not assume the role (as quoted in aws/aws-cli#2060).
      this.ctx.log.warn({ binding: this.binding.id }, error.message);
      return text(imdsJson({
        Code: 'AssumeRoleUnauthorizedAccess',
        Message: `EC2 cannot assume the role ${this.binding.roleName}.  Please see documentation at http://docs.amazonwebservices.com/IAM/latest/UserGuide/RolesTroubleshooting.html.`,
        LastUpdated: isoSeconds(now),
      }));
    }
  }
}
