import type { Caller } from '../auth/caller.ts';
import { AwsError } from '../errors.ts';
import { denyReasonText, type Decision } from '../policy/index.ts';

export type DenialStyle = 'sts' | 'iam' | 's3';

/**
 * AWS's AccessDenied text for a denied request. STS keeps the short historical form ("... on resource: ARN"), IAM and
 * S3 add why ("because no identity-based policy allows ..."); S3 quotes the resource and hides details from anonymous callers.
 */
export function accessDenied(style: DenialStyle, caller: Caller, action: string, resource: string, decision: Decision): AwsError {
  if (style === 's3' && caller.principal.kind === 'anonymous') return new AwsError('AccessDenied', 'Access Denied', 403);
  const head = `User: ${caller.principal.arn} is not authorized to perform: ${action} on resource: `;
  if (style === 'sts') return new AwsError('AccessDenied', `${head}${resource}`, 403);
  const why = decision.reason ? ` ${denyReasonText(decision.reason, action)}` : '';
  const shown = style === 's3' ? `"${resource}"` : resource;
  return new AwsError('AccessDenied', `${head}${shown}${why}`, 403);
}
