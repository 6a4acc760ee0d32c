// Admin routes for web identity federation (/_iamlocal/oidc/…): the built-in issuer's discovery document and key set,
// minting test tokens, registering the key set of any other issuer, and OIDC providers until IAM's own API lands.
import { randomUUID } from 'node:crypto';
import type { Request, Response, Router } from 'express';
import type { ExpressModule } from './express-module.ts';
import type { ServerContext } from '../context.ts';
import { BUILTIN_ISSUER, checkJwks, oidcStore, providerKey, signJwt, type JwtClaims } from '../services/sts/oidc.ts';

function badRequest(res: Response, message: string): void {
  res.status(400).json({ error: message });
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isStringList = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');

export function oidcAdminRouter(ctx: ServerContext, express: ExpressModule): Router {
  const router = express.Router();
  const json = express.json({ limit: '1mb' });
  const store = oidcStore(ctx.db);
  const body = (req: Request): Record<string, unknown> | undefined => (isObject(req.body) ? req.body : undefined);

  router.get('/.well-known/openid-configuration', (req, res) => {
    res.json({
      issuer: BUILTIN_ISSUER,
      jwks_uri: `${req.protocol}://${req.headers.host ?? '127.0.0.1'}/_iamlocal/oidc/.well-known/jwks.json`,
      token_endpoint: `${req.protocol}://${req.headers.host ?? '127.0.0.1'}/_iamlocal/oidc/token`,
      response_types_supported: ['id_token'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['RS256'],
      claims_supported: ['iss', 'sub', 'aud', 'azp', 'exp', 'iat', 'nbf', 'amr', 'email'],
    });
  });

  router.get('/.well-known/jwks.json', (_req, res) => {
    res.json(store.builtinJwks());
  });

  /** {issuer, jwks}: the keys tokens from `issuer` are verified with. */
  router.put('/jwks', json, (req, res) => {
    const b = body(req);
    if (!b || typeof b.issuer !== 'string' || !b.issuer) return badRequest(res, 'issuer (a URL) is required');
    const jwks = checkJwks(b.jwks);
    if (typeof jwks === 'string') return badRequest(res, jwks);
    store.putJwks(b.issuer, jwks, ctx.now());
    res.json({ issuer: b.issuer, keys: jwks.keys.length });
  });

  /**
   * {issuer?, sub, aud, claims?, expiresIn?}: a token signed with the built-in key. For another issuer with no key set
   * registered, the built-in key set is registered for it, so the token verifies.
   */
  router.post('/token', json, (req, res) => {
    const b = body(req);
    if (!b) return badRequest(res, 'a JSON object is required');
    const issuer = b.issuer === undefined ? BUILTIN_ISSUER : b.issuer;
    if (typeof issuer !== 'string' || !/^https:\/\/[^\s]+$/.test(issuer)) return badRequest(res, 'issuer must be an https URL');
    if (typeof b.sub !== 'string' || !b.sub) return badRequest(res, 'sub (a string) is required');
    if (typeof b.aud !== 'string' && !isStringList(b.aud)) return badRequest(res, 'aud (a string or a list of strings) is required');
    if (b.claims !== undefined && !isObject(b.claims)) return badRequest(res, 'claims must be an object');
    const expiresIn = b.expiresIn ?? 3600;
    if (typeof expiresIn !== 'number' || !Number.isInteger(expiresIn)) return badRequest(res, 'expiresIn must be an integer number of seconds (negative for an expired token)');
    const now = Math.floor(ctx.now().getTime() / 1000);
    const claims: JwtClaims = { iss: issuer, sub: b.sub, aud: b.aud, iat: now, exp: now + expiresIn, jti: randomUUID(), ...(b.claims ?? {}) };
    if (providerKey(issuer) !== providerKey(BUILTIN_ISSUER) && !store.jwks(issuer)) store.putJwks(issuer, store.builtinJwks(), ctx.now());
    res.json({ token: signJwt(store, claims), issuer, expiresAt: new Date(Number(claims.exp) * 1000).toISOString() });
  });

  /** Stand-in for IAM CreateOpenIDConnectProvider: {url, clientIds, thumbprints?, account?}. */
  router.put('/providers', json, (req, res) => {
    const b = body(req);
    if (!b || typeof b.url !== 'string' || !/^https:\/\/[^\s]+$/.test(b.url)) return badRequest(res, 'url must be an https URL');
    if (!isStringList(b.clientIds)) return badRequest(res, 'clientIds must be a list of strings');
    const thumbprints = b.thumbprints ?? [];
    if (!isStringList(thumbprints)) return badRequest(res, 'thumbprints must be a list of strings');
    const account = b.account ?? ctx.config.accountId;
    if (typeof account !== 'string' || !/^\d{12}$/.test(account)) return badRequest(res, 'account must be a 12-digit account id');
    store.putProvider(account, b.url, b.clientIds, thumbprints, ctx.now());
    res.json({ arn: `arn:aws:iam::${account}:oidc-provider/${providerKey(b.url)}` });
  });

  router.get('/providers', (req, res) => {
    const account = new URLSearchParams(req.originalUrl.split('?')[1] ?? '').get('account') ?? ctx.config.accountId;
    res.json({ providers: store.providers(account).map((p) => ({ ...p, arn: `arn:aws:iam::${account}:oidc-provider/${p.url}` })) });
  });

  return router;
}
