import type { Request, Response, Router } from 'express';
import type { ExpressModule } from './express-module.ts';
import { roleArn } from '../auth/caller.ts';
import type { ServerContext } from '../context.ts';
import { parsePolicy } from '../policy/index.ts';
import { identityProvider, IDP_ENTITY_ID, idpMetadata, signedSamlResponse } from '../saml/idp.ts';
import { parseIdpMetadata } from '../saml/verify.ts';
import { samlStore, type SamlProviderRow } from '../store/saml-store.ts';

/** Thrown for a bad assertion request; answered as 400 with the message. */
class SamlRequestError extends Error {}

interface AssertionBody {
  role: string;
  session: string;
  account?: string;
  provider?: string;
  nameId?: string;
  sourceIdentity?: string;
  attributes?: Record<string, string[]>;
  validForSeconds?: number;
}

function readBody(body: unknown): AssertionBody {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new SamlRequestError('expected a JSON object');
  const b = body as Record<string, unknown>;
  const optString = (name: string): string | undefined => {
    const v = b[name];
    if (v === undefined) return undefined;
    if (typeof v !== 'string' || v === '') throw new SamlRequestError(`${name} must be a non-empty string`);
    return v;
  };
  const role = optString('role');
  const session = optString('session');
  if (!role || !session) throw new SamlRequestError('role and session are required');
  const attributes = b.attributes;
  if (attributes !== undefined && (typeof attributes !== 'object' || attributes === null || Array.isArray(attributes)
    || !Object.values(attributes).every((v) => Array.isArray(v) && v.every((x) => typeof x === 'string')))) {
    throw new SamlRequestError('attributes must map attribute names to lists of strings');
  }
  const valid = b.validForSeconds;
  if (valid !== undefined && (typeof valid !== 'number' || !Number.isInteger(valid) || valid < -3600 || valid > 3600)) {
    throw new SamlRequestError('validForSeconds must be an integer from -3600 to 3600');
  }
  return {
    role, session, account: optString('account'), provider: optString('provider'), nameId: optString('nameId'), sourceIdentity: optString('sourceIdentity'),
    attributes: attributes as Record<string, string[]> | undefined, validForSeconds: valid as number | undefined,
  };
}

const usesBuiltInIdp = (row: SamlProviderRow): boolean => {
  if (row.metadata === '') return true;
  try {
    return parseIdpMetadata(row.metadata).entityId === IDP_ENTITY_ID;
  } catch {
    return false;
  }
};

/** The provider to sign for: the one asked for, else one backed by the built-in IdP that the role's trust policy names. */
function chooseProvider(ctx: ServerContext, accountId: string, wanted: string | undefined, trustPolicy: string | undefined): SamlProviderRow {
  const store = samlStore(ctx.db);
  if (wanted) {
    const row = wanted.startsWith('arn:') ? store.provider(wanted) : store.providerNamed(accountId, wanted);
    if (!row) throw new SamlRequestError(`no SAML provider ${wanted} in account ${accountId}`);
    return row;
  }
  const candidates = store.providers(accountId).filter(usesBuiltInIdp);
  const trusted = trustPolicy ? parsePolicy(trustPolicy, 'trust').statements.flatMap((s) => [...(s.principals?.federated ?? [])]) : [];
  const pick = candidates.find((c) => trusted.includes(c.arn)) ?? candidates[0];
  if (!pick) {
    throw new SamlRequestError(`no SAML provider in account ${accountId} uses iamlocal's IdP: create one (aws iam create-saml-provider) with the metadata from GET /_iamlocal/saml/metadata`);
  }
  return pick;
}

/** The built-in SAML identity provider: its metadata, and signed assertions for `iamlocal login` and tests. */
export function samlAdminRouter(ctx: ServerContext, express: ExpressModule): Router {
  const router = express.Router();

  router.get('/metadata', (req: Request, res: Response) => {
    const location = `http://${req.headers.host ?? '127.0.0.1'}/_iamlocal/saml/assertion`;
    res.type('application/samlmetadata+xml').send(idpMetadata(identityProvider(ctx.iam, ctx.now()), location));
  });

  router.post('/assertion', express.json({ limit: '1mb' }), (req: Request, res: Response) => {
    let body: AssertionBody;
    try {
      body = readBody(req.body);
      const accountId = body.account ?? ctx.config.accountId;
      const arnMatch = /^arn:aws:iam::(\d{12}):role(?:\/.*)?\/([\w+=,.@-]+)$/.exec(body.role);
      const roleAccount = arnMatch?.[1] ?? accountId;
      const role = ctx.iam.role(roleAccount, arnMatch?.[2] ?? body.role);
      const targetRoleArn = arnMatch ? body.role : role ? roleArn(roleAccount, role.path, role.role_name) : undefined;
      if (!targetRoleArn) throw new SamlRequestError(`no role ${body.role} in account ${roleAccount}`);
      const provider = chooseProvider(ctx, roleAccount, body.provider, role?.trust_policy);
      const now = ctx.now();
      const xml = signedSamlResponse(identityProvider(ctx.iam, now), {
        roles: [{ roleArn: targetRoleArn, providerArn: provider.arn }], sessionName: body.session, nameId: body.nameId ?? body.session,
        sourceIdentity: body.sourceIdentity, attributes: body.attributes, now, validForSeconds: body.validForSeconds,
      });
      res.json({ samlResponse: Buffer.from(xml, 'utf8').toString('base64'), roleArn: targetRoleArn, principalArn: provider.arn });
    } catch (error) {
      if (error instanceof SamlRequestError) {
        res.status(400).json({ error: error.message });
        return;
      }
      throw error;
    }
  });

  return router;
}
