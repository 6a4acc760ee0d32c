import { timingSafeEqual } from 'node:crypto';
import type { Request, Response, Router } from 'express';
import { lookupCredentials, type CredentialLookup } from '../auth/caller.ts';
import { authenticate } from '../auth/sigv4.ts';
import { advise, principalFilter, terraform, unusedAccess, type Granularity } from '../advise/advise.ts';
import { AdviceError, applyAdvice, entityOf, policiesOf } from '../advise/apply.ts';
import { samlAdminRouter } from './admin-saml.ts';
import { consoleFiles, consoleRouter } from './console.ts';
import { enforcementFor, type ServerContext } from '../context.ts';
import type { DecisionEntry } from '../store/decision-log.ts';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { applyFixtures, applyFixtureStream, FixtureError, parseFixtureText } from '../store/fixtures.ts';
import { fileSource } from '../store/fixture-stream.ts';
import { spoolable, spoolBody, type SpooledBody } from './fixture-body.ts';
import { listSnapshots, resetState, restoreSnapshot, SnapshotError, takeSnapshot } from '../store/snapshots.ts';
import { exportState } from '../store/state.ts';
import { encodeAuthorizationMessage } from '../services/sts/decode.ts';
import { runLifecycle } from '../services/s3/lifecycle.ts';
import { runRestores } from '../services/s3/restore.ts';
import { oidcAdminRouter } from './oidc-admin.ts';
import { credentialBindingsRouter } from './credential-bindings-admin.ts';
import type { ExpressModule } from './express-module.ts';
import { LOG_LEVELS, type LogLevel } from '../log.ts';

function badRequest(res: Response, message: string): void {
  res.status(400).json({ error: message });
}

/** Introspection and test-control routes under /_iamlocal/ (JSON in and out; fixtures also accept YAML). */
export function adminRouter(ctx: ServerContext, express: ExpressModule): Router {
  const router = express.Router();
  const text = express.text({ type: () => true, limit: '256mb' });

  // GET /_iamlocal/health is answered in app.ts, without loading this router.
  // The console's static files hold no data: a browser off loopback loads them, then signs in (token) for the data.
  router.use('/ui', consoleFiles(express));

  router.use((req, res, next) => {
    if (!ctx.config.adminAuthRequired && !ctx.config.adminToken) return next();
    const auth = req.headers.authorization ?? '';
    const token = ctx.config.adminToken;
    if (token && auth.startsWith('Bearer ')) {
      const given = Buffer.from(auth.slice(7));
      const expected = Buffer.from(token);
      if (given.length === expected.length && timingSafeEqual(given, expected)) return next();
    }
    const [rawPath = '/', rawQuery = ''] = req.originalUrl.split('?');
    const result = authenticate<CredentialLookup>({ method: req.method, rawPath, rawQuery, headers: req.headers }, 's3', ctx.now(), (id) => lookupCredentials(ctx.iam, id));
    if (result.ok === true && result.credential.resolve().principal.kind === 'root') return next();
    res.status(401).json({ error: 'the admin API needs Authorization: Bearer <admin token> or a request signed by an account root' });
  });

  router.use('/console', consoleRouter(ctx, express));
  router.use('/saml', samlAdminRouter(ctx, express));
  router.use('/oidc', oidcAdminRouter(ctx, express));
  router.use('/credential-bindings', credentialBindingsRouter(ctx, express));

  router.get('/decisions', (req, res) => {
    const q = new URLSearchParams(req.originalUrl.split('?')[1] ?? '');
    const decision = q.get('decision');
    if (decision !== null && decision !== 'allow' && decision !== 'deny') return badRequest(res, "decision must be 'allow' or 'deny'");
    const limit = Math.min(Math.max(Number(q.get('limit') ?? 100) || 100, 1), 1000);
    res.json({
      decisions: ctx.decisions.list({
        principal: q.get('principal') ?? undefined, action: q.get('action') ?? undefined, decision: decision ?? undefined, since: q.get('since') ?? undefined, limit,
      }).map((entry) => ({ ...entry, encodedMessage: encodeAuthorizationMessage(ctx, entry) })),
    });
  });

  // What AWS's daily lifecycle pass would do, now or as of ?now=ISO-TIME (a later date, to see rules come due).
  router.post('/s3/lifecycle/run', (req, res) => {
    const given = new URLSearchParams(req.originalUrl.split('?')[1] ?? '').get('now');
    const now = given === null ? ctx.now() : new Date(given);
    if (Number.isNaN(now.getTime())) return badRequest(res, 'now must be an ISO 8601 date-time');
    res.json(runLifecycle(ctx, now));
  });

  // Completes archive restores (RestoreObject) now, as AWS does hours later: all ongoing ones, or with ?now=ISO-TIME
  // those whose retrieval time has passed by then.
  router.post('/s3/restore/run', (req, res) => {
    const given = new URLSearchParams(req.originalUrl.split('?')[1] ?? '').get('now');
    const now = given === null ? ctx.now() : new Date(given);
    if (Number.isNaN(now.getTime())) return badRequest(res, 'now must be an ISO 8601 date-time');
    res.json(runRestores(ctx, now, given === null));
  });

  router.get('/state', (_req, res) => {
    res.json(exportState(ctx));
  });

  // The body goes to a temporary file as it arrives; a JSON document is then applied from it a piece at a time (its
  // memory bounded by its largest entry); YAML, and JSON in another charset or content encoding, are read whole.
  router.post('/fixtures', (req: Request, res: Response, next: (error?: unknown) => void) => {
    if (!spoolable(req)) return text(req, res, next);
    spoolBody(req).then((spooled) => {
      res.locals.spooled = spooled;
      next();
    }, next);
  }, (req: Request, res: Response) => {
    const spooled = res.locals.spooled as SpooledBody | undefined;
    try {
      if (spooled) {
        const fd = openSync(spooled.path, 'r');
        try {
          if (applyFixtureStream(ctx, fileSource(fd, spooled.size, true), 'request body')) {
            res.json({ loaded: true });
            return;
          }
        } finally {
          closeSync(fd);
        }
      }
      let doc: unknown;
      try {
        // As the text parser decodes UTF-8: a leading byte order mark is not part of the text.
        const body = spooled ? readFileSync(spooled.path, 'utf8').replace(/^\uFEFF/, '') : typeof req.body === 'string' ? req.body : '';
        doc = parseFixtureText(body);
      } catch (error) {
        return badRequest(res, `request body: not YAML or JSON: ${error instanceof Error ? error.message : String(error)}`);
      }
      applyFixtures(ctx, doc, 'request body');
    } catch (error) {
      if (error instanceof FixtureError) return badRequest(res, error.message);
      throw error;
    } finally {
      spooled?.remove();
    }
    res.json({ loaded: true });
  });

  router.post('/reset', (req, res) => {
    const to = new URLSearchParams(req.originalUrl.split('?')[1] ?? '').get('to') ?? 'fixtures';
    if (to !== 'empty' && to !== 'fixtures') return badRequest(res, "to must be 'empty' or 'fixtures'");
    resetState(ctx, to);
    res.json({ reset: to });
  });

  router.get('/snapshots', (_req, res) => {
    res.json({ snapshots: listSnapshots(ctx) });
  });

  router.post('/snapshots/:name', async (req, res) => {
    try {
      await takeSnapshot(ctx, String(req.params.name));
    } catch (error) {
      if (error instanceof SnapshotError) return badRequest(res, error.message);
      throw error;
    }
    res.json({ snapshot: req.params.name });
  });

  router.post('/snapshots/:name/restore', (req, res) => {
    try {
      restoreSnapshot(ctx, String(req.params.name));
    } catch (error) {
      if (error instanceof SnapshotError) return res.status(404).json({ error: error.message });
      throw error;
    }
    res.json({ restored: req.params.name });
  });

  const query = (req: Request): URLSearchParams => new URLSearchParams(req.originalUrl.split('?')[1] ?? '');

  /** Reads principal/since/granularity and the principal's recorded decisions. */
  const recorded = (req: Request, res: Response): { principal: string; entries: DecisionEntry[]; granularity: Granularity } | undefined => {
    const q = query(req);
    const principal = q.get('principal') ?? '';
    const filter = principalFilter(principal);
    if (!filter) {
      badRequest(res, `principal must be a user, role or role session ARN, got '${principal}'`);
      return undefined;
    }
    try {
      entityOf(ctx, principal);
    } catch (error) {
      if (error instanceof AdviceError) {
        res.status(404).json({ error: error.message });
        return undefined;
      }
      throw error;
    }
    const granularity = q.get('granularity') ?? 'exact';
    if (granularity !== 'exact' && granularity !== 'prefix' && granularity !== 'bucket') {
      badRequest(res, "granularity must be 'exact', 'prefix' or 'bucket'");
      return undefined;
    }
    const entries = ctx.decisions.list({ ...filter, since: q.get('since') ?? undefined, limit: ctx.decisions.capacity });
    return { principal, entries, granularity };
  };

  router.get('/advice', (req, res) => {
    const r = recorded(req, res);
    if (!r) return;
    const advice = advise(r.principal, r.entries, r.granularity);
    if (query(req).get('format') === 'terraform') {
      res.type('text/plain').send(terraform(advice));
      return;
    }
    res.json(advice);
  });

  router.post('/advice/apply', (req, res) => {
    const r = recorded(req, res);
    if (!r) return;
    const advice = advise(r.principal, r.entries, r.granularity);
    if (!advice.policy) return badRequest(res, advice.message ?? 'nothing to apply');
    res.json({ ...applyAdvice(ctx, r.principal, advice), policy: advice.policy });
  });

  router.get('/unused', (req, res) => {
    const r = recorded(req, res);
    if (!r) return;
    res.json({ principal: r.principal, calls: r.entries.length, statements: unusedAccess(policiesOf(ctx, r.principal), r.entries) });
  });

  router.get('/enforce', (req, res) => {
    const account = query(req).get('account');
    res.json({ mode: account ? enforcementFor(ctx, account) : ctx.config.enforce });
  });

  router.post('/enforce', (req, res) => {
    const q = query(req);
    const mode = q.get('mode');
    if (mode !== 'on' && mode !== 'audit' && mode !== 'off') return badRequest(res, "mode must be 'on', 'audit' or 'off'");
    const account = q.get('account');
    if (account !== null && !/^\d{12}$/.test(account)) return badRequest(res, 'account must be a 12-digit account id');
    if (account) ctx.iam.putSetting(`enforce:${account}`, mode);
    else ctx.config.enforce = mode;
    res.json({ mode, account: account ?? undefined });
  });

  // The request log's level, changed without a restart (e.g. `debug` while chasing a problem, `silent` for a load test).
  router.get('/log-level', (_req, res) => {
    res.json({ level: ctx.log.level });
  });
  router.post('/log-level', (req, res) => {
    const level = query(req).get('level');
    if (!LOG_LEVELS.includes(level as LogLevel)) return badRequest(res, `level must be one of ${LOG_LEVELS.join(', ')}`);
    ctx.log.setLevel(level as LogLevel);
    res.json({ level });
  });

  // The account-level S3 Block Public Access setting (AWS keeps it in S3 Control): GET, PUT (JSON, the four booleans;
  // one left out is false) and DELETE, for ?account= (default: the configured account).
  const pabAccount = (req: Request, res: Response): string | undefined => {
    const account = query(req).get('account') ?? ctx.config.accountId;
    if (!/^\d{12}$/.test(account)) return void badRequest(res, 'account must be a 12-digit account id');
    if (!ctx.iam.account(account)) return void res.status(404).json({ error: `no account ${account}` });
    return account;
  };
  router.get('/s3/public-access-block', (req, res) => {
    const account = pabAccount(req, res);
    if (!account) return;
    const config = ctx.s3.accountPublicAccessBlock(account);
    if (!config) return void res.status(404).json({ error: `account ${account} has no public access block configuration` });
    res.json({ account, publicAccessBlock: JSON.parse(config) as unknown });
  });
  router.put('/s3/public-access-block', text, (req: Request, res: Response) => {
    const account = pabAccount(req, res);
    if (!account) return;
    let body: unknown;
    try {
      body = JSON.parse(typeof req.body === 'string' ? req.body : '');
    } catch {
      return badRequest(res, 'expected a JSON object of BlockPublicAcls, IgnorePublicAcls, BlockPublicPolicy and RestrictPublicBuckets');
    }
    const fields = ['BlockPublicAcls', 'IgnorePublicAcls', 'BlockPublicPolicy', 'RestrictPublicBuckets'];
    if (typeof body !== 'object' || body === null || Array.isArray(body)
      || Object.entries(body).some(([k, v]) => !fields.includes(k) || typeof v !== 'boolean')) {
      return badRequest(res, 'expected a JSON object of BlockPublicAcls, IgnorePublicAcls, BlockPublicPolicy and RestrictPublicBuckets (booleans)');
    }
    const config = Object.fromEntries(fields.map((f) => [f, (body as Record<string, unknown>)[f] === true]));
    ctx.s3.setAccountPublicAccessBlock(account, JSON.stringify(config));
    res.json({ account, publicAccessBlock: config });
  });
  router.delete('/s3/public-access-block', (req, res) => {
    const account = pabAccount(req, res);
    if (!account) return;
    ctx.s3.setAccountPublicAccessBlock(account, null);
    res.status(204).end();
  });

  router.use((_req, res) => {
    res.status(404).json({ error: 'no such admin route' });
  });
  return router;
}
