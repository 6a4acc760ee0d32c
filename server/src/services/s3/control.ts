// S3 Control's account-level Block Public Access (PutPublicAccessBlock, GetPublicAccessBlock, DeletePublicAccessBlock
// at /v20180820/configuration/publicAccessBlock with x-amz-account-id). AWS docs: S3 Control API reference; the
// setting combines with each bucket's own (S3 User Guide, "Blocking public access to your Amazon S3 storage").
import { AwsError } from '../../errors.ts';
import { XML_DECLARATION } from '../../protocol/xml.ts';
import { parsePab, PAB_FIELDS, type PublicAccessBlock } from './acl-model.ts';
import { noSuchPab, parsePabXml } from './access.ts';
import { authorize, MAX_XML_BODY, requireSigned, type S3Call, type S3Handler, type S3Result } from './common.ts';

const CONTROL_NAMESPACE = 'http://awss3control.amazonaws.com/doc/2018-08-20/';

/** The account the request names; only that account's own principals may read or change its setting. */
function targetAccount(call: S3Call, action: string): string {
  requireSigned(call);
  const raw = call.headers['x-amz-account-id'];
  const account = typeof raw === 'string' ? raw : undefined;
  if (account === undefined) throw new AwsError('InvalidRequest', 'Missing required header for this request: x-amz-account-id', 400);
  if (!/^\d{12}$/.test(account)) throw new AwsError('InvalidAccountId', 'Account id is invalid', 400);
  // Account-level actions have no resource type: they are authorized on "*" (Service Authorization Reference).
  authorize(call, undefined, action, '*');
  if (account !== call.caller.principal.accountId) throw new AwsError('AccessDenied', 'Access Denied', 403);
  return account;
}

export function controlPabXml(config: PublicAccessBlock): string {
  const fields = PAB_FIELDS.map((f) => `<${f}>${config[f]}</${f}>`).join('');
  return `${XML_DECLARATION}<PublicAccessBlockConfiguration xmlns="${CONTROL_NAMESPACE}">${fields}</PublicAccessBlockConfiguration>`;
}

export async function putAccountPublicAccessBlock(call: S3Call): Promise<S3Result> {
  const account = targetAccount(call, 's3:PutAccountPublicAccessBlock');
  const config = parsePabXml(await call.readBody(MAX_XML_BODY));
  call.ctx.s3.setAccountPublicAccessBlock(account, JSON.stringify(config));
  return {};
}

export const getAccountPublicAccessBlock: S3Handler = (call) => {
  const account = targetAccount(call, 's3:GetAccountPublicAccessBlock');
  const config = parsePab(call.ctx.s3.accountPublicAccessBlock(account));
  if (!config) throw noSuchPab();
  return { body: controlPabXml(config) };
};

/** Deleting needs s3:PutAccountPublicAccessBlock, as for buckets. */
export const deleteAccountPublicAccessBlock: S3Handler = (call) => {
  const account = targetAccount(call, 's3:PutAccountPublicAccessBlock');
  call.ctx.s3.setAccountPublicAccessBlock(account, null);
  return { status: 204 };
};
