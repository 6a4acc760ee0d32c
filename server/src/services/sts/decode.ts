// DecodeAuthorizationMessage: iamlocal hands out an encoded message for every recorded decision (GET
// /_iamlocal/decisions, field encodedMessage): the decision in AWS's DecodedMessage shape, compressed and sealed with
// AES-256-GCM under a per-database key, so only this server can read it and nobody can forge one.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { lazyDependency } from '../../lazy-dependency.ts';
import { authorizeCaller, baseContext } from '../../auth/caller.ts';
import { decisionSink, type ServerContext } from '../../context.ts';
import { AwsError } from '../../errors.ts';
import type { DecisionEntry } from '../../store/decision-log.ts';
import { accessDenied } from '../access-denied.ts';
import { req, type QueryCall, type QueryService } from '../query-service.ts';
import { requireSigned } from './role-session.ts';

// node:zlib is loaded on the first encoded authorization message, not with the server.
const zlib = lazyDependency<typeof import('node:zlib')>('node:zlib');

const KEY_SETTING = 'sts:authorization-message-key';
const VERSION = 1;

interface Items<T> { items: T[] }
export interface DecodedMessage {
  allowed: boolean;
  explicitDeny: boolean;
  matchedStatements: Items<{ statementId: string; effect: string; source: string; sourceKind: string; index: number }>;
  failures: Items<{ reason: string }>;
  context: {
    principal: { arn: string };
    action: string;
    resource: string;
    conditions: Items<{ key: string; values: Items<{ value: string }> }>;
  };
}

function keyOf(ctx: ServerContext): Buffer {
  let hex = ctx.iam.setting(KEY_SETTING);
  if (!hex) {
    hex = randomBytes(32).toString('hex');
    ctx.iam.putSetting(KEY_SETTING, hex);
  }
  return Buffer.from(hex, 'hex');
}

/** AWS's DecodedMessage for one recorded decision. */
export function decodedMessageOf(entry: DecisionEntry): DecodedMessage {
  return {
    allowed: entry.decision === 'allow',
    explicitDeny: entry.decision === 'deny' && (entry.reason ?? '').startsWith('explicit-'),
    matchedStatements: {
      items: entry.statements.map((s) => ({
        statementId: s.sid ?? `${s.policy}#${s.index}`, effect: s.effect.toUpperCase(), source: s.policy, sourceKind: s.kind, index: s.index,
      })),
    },
    failures: { items: entry.decision === 'deny' && entry.reason ? [{ reason: entry.reason }] : [] },
    context: {
      principal: { arn: entry.principal },
      action: entry.action,
      resource: entry.resource,
      conditions: { items: Object.entries(entry.context).map(([key, values]) => ({ key, values: { items: values.map((value) => ({ value })) } })) },
    },
  };
}

/** The opaque, authenticated token DecodeAuthorizationMessage accepts for a decision. */
export function encodeAuthorizationMessage(ctx: ServerContext, entry: DecisionEntry): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', keyOf(ctx), iv);
  const body = Buffer.concat([cipher.update(zlib().deflateRawSync(JSON.stringify(decodedMessageOf(entry)))), cipher.final()]);
  return Buffer.concat([Buffer.from([VERSION]), iv, cipher.getAuthTag(), body]).toString('base64url');
}

function open(ctx: ServerContext, token: string): string | undefined {
  if (!/^[A-Za-z0-9_-]+$/.test(token)) return undefined;
  const raw = Buffer.from(token, 'base64url');
  if (raw.length < 30 || raw[0] !== VERSION) return undefined;
  try {
    const decipher = createDecipheriv('aes-256-gcm', keyOf(ctx), raw.subarray(1, 13));
    decipher.setAuthTag(raw.subarray(13, 29));
    return zlib().inflateRawSync(Buffer.concat([decipher.update(raw.subarray(29)), decipher.final()])).toString('utf8');
  } catch {
    return undefined;
  }
}

export function decodeAuthorizationMessage(call: QueryCall): ReturnType<QueryService['handlers'][string]> {
  const { ctx, caller } = call;
  requireSigned(call);
  const decision = authorizeCaller(caller, {
    action: 'sts:DecodeAuthorizationMessage', resource: '*', resourceAccount: caller.principal.accountId, context: baseContext(caller, call.facts),
  }, decisionSink(ctx, call.facts.now, caller.principal.accountId));
  if (!decision.allowed) throw accessDenied('sts', caller, 'sts:DecodeAuthorizationMessage', '*', decision);
  const decoded = open(ctx, req(call.input, 'EncodedMessage'));
  if (decoded === undefined) throw new AwsError('InvalidAuthorizationMessageException', 'Message is not valid', 400);
  return { DecodedMessage: decoded };
}
