// The local web console (/_iamlocal/ui/): static files, and the JSON and event-stream routes it reads under
// /_iamlocal/console/. The static files hold no data and are served to anyone; every data route sits behind the admin
// API's authentication (adminRouter mounts consoleRouter after its check).
import { readFile } from 'node:fs/promises';
import type { Request, Response, Router } from 'express';
import { compileStoredPolicy, guardrailLookup } from '../auth/caller.ts';
import { organizationsStore } from '../store/organizations-store.ts';
import { AdviceError, entityOf, policiesOf } from '../advise/apply.ts';
import type { ServerContext } from '../context.ts';
import { uiAsset } from '../paths.ts';
import { denyReasonText, evaluate, organizationGuardrails, parsePolicy, PolicyDocumentError, type BoundPolicy, type CallerPrincipal, type Decision, type PolicyKind } from '../policy/index.ts';
import type { DecisionEntry, DecisionFilter } from '../store/decision-log.ts';
import { encodeAuthorizationMessage } from '../services/sts/decode.ts';

type ExpressModule = typeof import('express');

const UI_FILE = /^[a-z0-9-]+\.(html|js|css|png|svg)$/;
const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8', js: 'text/javascript; charset=utf-8', css: 'text/css; charset=utf-8', png: 'image/png', svg: 'image/svg+xml',
};

/** GET /_iamlocal/ui/FILE: the console's files from server/ui/ (a fixed set of names: no path ever reaches the disk). */
export function consoleFiles(express: ExpressModule): Router {
  const router = express.Router();
  router.get(/^\/(.*)$/, async (req: Request, res: Response, next: () => void) => {
    if (req.path === '/' && !req.originalUrl.split('?')[0]!.endsWith('/')) return res.redirect(301, '/_iamlocal/ui/');
    const name = req.path === '/' ? 'index.html' : req.path.slice(1);
    if (!UI_FILE.test(name)) return next();
    let body: Buffer;
    try {
      body = await readFile(uiAsset(name));
    } catch {
      return next();
    }
    res.set({
      'Content-Type': TYPES[name.split('.').pop()!]!, 'Cache-Control': 'no-cache', 'X-Content-Type-Options': 'nosniff', 'Referrer-Policy': 'no-referrer',
      // Nothing but our own files: an injected string could run no script, and the page cannot be framed.
      'Content-Security-Policy': "default-src 'self'; img-src 'self' data:; style-src 'self'; frame-ancestors 'none'",
    });
    res.send(body);
  });
  return router;
}

/** The text of the AccessDenied error the client was given for a denied decision (see services/access-denied.ts). */
export function deniedText(entry: DecisionEntry): string | null {
  if (entry.decision === 'allow') return null;
  if (entry.principal === 'anonymous' && entry.action.startsWith('s3:')) return 'Access Denied';
  // AssumeRoleWithSAML / WithWebIdentity name no caller (the identity provider is the principal), whichever of their
  // actions (TagSession, SetSourceIdentity) the trust policy refused.
  if (/^arn:aws:iam::\d{12}:saml-provider\//.test(entry.principal)) return 'Not authorized to perform sts:AssumeRoleWithSAML';
  if (/^arn:aws:iam::\d{12}:oidc-provider\//.test(entry.principal)) return 'Not authorized to perform sts:AssumeRoleWithWebIdentity';
  // Organizations gives one text for every denial (services/organizations/common.ts).
  if (entry.action.startsWith('organizations:')) return "You don't have permissions to access this resource.";
  const head = `User: ${entry.principal} is not authorized to perform: ${entry.action} on resource: `;
  if (entry.action.startsWith('sts:')) return `${head}${entry.resource}`;
  const why = entry.reason ? ` ${denyReasonText(entry.reason as Parameters<typeof denyReasonText>[0], entry.action)}` : '';
  return `${head}${entry.action.startsWith('s3:') ? `"${entry.resource}"` : entry.resource}${why}`;
}

interface Filters { principal?: string; action?: string; decision?: 'allow' | 'deny'; service?: string; text?: string }

function filtersOf(q: URLSearchParams): Filters | string {
  const get = (name: string): string | undefined => q.get(name)?.trim() || undefined;
  const decision = get('decision');
  if (decision !== undefined && decision !== 'allow' && decision !== 'deny') return "decision must be 'allow' or 'deny'";
  const service = get('service');
  if (service !== undefined && !/^[a-z0-9-]+$/i.test(service)) return 'service must be a service prefix such as s3, iam or sts';
  return { principal: get('principal'), action: get('action'), decision, service, text: get('q') };
}

/** The SQL filter of the decision log, in JavaScript, for decisions pushed to a live stream. */
function matches(entry: DecisionEntry, f: Filters): boolean {
  if (f.principal && entry.principal !== f.principal) return false;
  if (f.action && entry.action.toLowerCase() !== f.action.toLowerCase()) return false;
  if (f.decision && entry.decision !== f.decision) return false;
  if (f.service && !entry.action.toLowerCase().startsWith(`${f.service.toLowerCase()}:`)) return false;
  if (f.text && !`${entry.principal} ${entry.action} ${entry.resource}`.toLowerCase().includes(f.text.toLowerCase())) return false;
  return true;
}

const row = (entry: DecisionEntry): DecisionEntry & { message: string | null } => ({ ...entry, message: deniedText(entry) });

/**
 * Live decisions for connected consoles. The request path only counts decisions (DecisionLog.recorded); while a
 * console is connected a timer looks at that count every POLL_MS and, when it moved, reads the new rows by id. With no
 * console connected there is no timer and no read: the stream costs requests nothing.
 */
const POLL_MS = 200;
const HEARTBEAT_MS = 15_000;
const MAX_BUFFERED = 8 * 1024 * 1024;
class DecisionStream {
  private readonly clients = new Map<Response, Filters>();
  private timer: NodeJS.Timeout | undefined;
  private lastId = 0;
  private seen = -1;
  private quietSince = Date.now();

  constructor(private readonly ctx: ServerContext) {}

  add(res: Response, filters: Filters): void {
    if (this.clients.size === 0) {
      this.lastId = this.ctx.decisions.list({ limit: 1 })[0]?.id ?? 0;
      this.seen = this.ctx.decisions.recorded;
      this.timer = setInterval(() => this.tick(), POLL_MS);
      this.timer.unref();
    }
    this.clients.set(res, filters);
    res.on('close', () => {
      this.clients.delete(res);
      if (this.clients.size === 0 && this.timer) {
        clearInterval(this.timer);
        this.timer = undefined;
      }
    });
  }

  private tick(): void {
    const recorded = this.ctx.decisions.recorded;
    if (recorded === this.seen) {
      if (Date.now() - this.quietSince > HEARTBEAT_MS) {
        this.quietSince = Date.now();
        for (const res of this.clients.keys()) res.write(': heartbeat\n\n');
      }
      return;
    }
    this.seen = recorded;
    let entries: DecisionEntry[];
    try {
      entries = this.ctx.decisions.list({ afterId: this.lastId, limit: 500 });
    } catch (error) {
      this.ctx.log.error({ err: error }, 'console stream: cannot read the decision log');
      return;
    }
    if (entries.length === 0) return;
    this.lastId = entries[0]!.id;
    entries.reverse();
    for (const [res, filters] of this.clients) {
      // A console that stopped reading is let go rather than buffered for without end.
      if (res.writableLength > MAX_BUFFERED) {
        res.end();
        continue;
      }
      const shown = entries.filter((e) => matches(e, filters)).map(row);
      if (shown.length) res.write(`data: ${JSON.stringify(shown)}\n\n`);
    }
  }
}

interface ConsultedPolicy { type: string; id: string; versionId?: string; document: string | null; note?: string; matched: number[] }

/** Account and name of a role ARN (the resource of sts:AssumeRole*). */
const roleOfArn = (arn: string): { account: string; name: string } | undefined => {
  const m = /^arn:aws:iam::(\d{12}):role\/(?:.*\/)?([\w+=,.@-]+)$/.exec(arn);
  return m ? { account: m[1]!, name: m[2]! } : undefined;
};

const accountOfArn = (arn: string): string | undefined => /^arn:aws:(?:iam|sts)::(\d{12}):/.exec(arn)?.[1];

/**
 * The policies evaluated for a decision, as stored now (each with the statements that decided, by index): the
 * principal's identity policies and boundary, and the resource's policy (a role's trust policy, a bucket policy).
 */
function consulted(ctx: ServerContext, entry: DecisionEntry): ConsultedPolicy[] {
  const out: ConsultedPolicy[] = [];
  const matchedIn = (id: string): number[] => entry.statements.filter((s) => s.policy === id).map((s) => s.index);
  let entity: ReturnType<typeof entityOf> | undefined;
  try {
    entity = entityOf(ctx, entry.principal);
  } catch (error) {
    if (!(error instanceof AdviceError)) throw error;
  }
  if (entity) {
    const identity = policiesOf(ctx, entry.principal);
    for (const p of identity) out.push({ type: 'identity', id: p.id, versionId: p.versionId, document: p.document, matched: matchedIn(p.id) });
    if (identity.length === 0) out.push({ type: 'identity', id: `${entity.kind}/${entity.name}`, document: null, note: 'no identity-based policy is attached or inline', matched: [] });
    const row = entity.kind === 'user' ? ctx.iam.user(entity.account, entity.name) : ctx.iam.role(entity.account, entity.name);
    const boundary = row?.permissions_boundary;
    if (boundary) {
      const policy = ctx.iam.policy(boundary);
      const version = policy && ctx.iam.version(policy.arn, policy.default_version);
      out.push({ type: 'permissions boundary', id: boundary, versionId: version?.version_id, document: version?.document ?? null, matched: matchedIn(boundary) });
    }
    if (entry.principal.includes(':assumed-role/')) {
      out.push({ type: 'session', id: 'session-policy', document: null, note: 'session policies passed to AssumeRole, if any, are not kept by the log', matched: matchedIn('session-policy') });
    }
  } else if (/:root$/.test(entry.principal)) {
    out.push({ type: 'identity', id: 'root', document: null, note: 'the account root is allowed everything its account owns', matched: [] });
  }
  const role = entry.action.toLowerCase().startsWith('sts:assumerole') ? roleOfArn(entry.resource) : undefined;
  if (role) {
    const r = ctx.iam.role(role.account, role.name);
    const id = `role/${role.name}/trust`;
    out.push({ type: 'trust (resource-based)', id, document: r?.trust_policy ?? null, note: r ? undefined : 'the role no longer exists', matched: matchedIn(id) });
  }
  const bucket = /^arn:aws:s3:::([^/]+)/.exec(entry.resource)?.[1];
  if (bucket) {
    const b = ctx.s3.bucket(bucket);
    const id = `bucket/${bucket}`;
    out.push({ type: 'bucket policy (resource-based)', id, document: b?.policy ?? null, note: b ? (b.policy ? undefined : 'the bucket has no policy') : 'the bucket no longer exists', matched: matchedIn(id) });
  }
  // The organization's guardrails as they stand now: the SCPs of the caller's account, the RCPs of the resource's.
  const { scps, rcps } = guardrailsOfEntry(ctx, entry);
  const orgs = organizationsStore(ctx.db);
  const seen = new Set<string>();
  for (const [type, levels] of [['service control policy', scps], ['resource control policy', rcps]] as const) {
    for (const bound of (levels ?? []).flat()) {
      if (seen.has(bound.source.id)) continue;
      seen.add(bound.source.id);
      out.push({ type, id: bound.source.id, document: orgs.policy(bound.source.id)?.content ?? null, matched: matchedIn(bound.source.id) });
    }
  }
  return out;
}

/** The SCP levels of a logged decision's principal and the RCP levels of its resource, from the current organization. */
function guardrailsOfEntry(ctx: ServerContext, entry: DecisionEntry): { scps?: BoundPolicy[][]; rcps?: BoundPolicy[][]; scpChain?: string[]; rcpChain?: string[] } {
  const lookup = guardrailLookup(ctx.iam);
  const principalAccount = accountOfArn(entry.principal);
  const resourceAccount = entry.context['aws:resourceaccount']?.[0] ?? accountOfArn(entry.resource) ?? bucketOwner(ctx, entry.resource);
  const principalOrg = principalAccount ? lookup(principalAccount) : undefined;
  const resourceOrg = resourceAccount ? lookup(resourceAccount) : undefined;
  return {
    scps: principalOrg?.serviceControlPolicies, rcps: resourceOrg?.resourceControlPolicies,
    scpChain: principalOrg?.chain, rcpChain: resourceOrg?.chain,
  };
}

/**
 * For a guardrail's implicit deny (no-scp, no-rcp): the root, OU or account where no policy of that type allows the
 * action, from the organization as it stands now (undefined when that no longer holds).
 */
function guardrailGap(ctx: ServerContext, entry: DecisionEntry): { policyType: string; target: string; fullAccess: string } | undefined {
  if (entry.reason !== 'no-scp' && entry.reason !== 'no-rcp') return undefined;
  const principal = callerPrincipal(ctx, entry.principal) ?? { kind: 'anonymous' as const, accountId: '', arn: entry.principal };
  const g = guardrailsOfEntry(ctx, entry);
  const outcome = organizationGuardrails({
    principal, action: entry.action, resource: entry.resource, resourceAccount: entry.context['aws:resourceaccount']?.[0] ?? principal.accountId,
    context: new Map(Object.entries(entry.context)), identityPolicies: [], serviceControlPolicies: g.scps, resourceControlPolicies: g.rcps,
  });
  const scp = entry.reason === 'no-scp';
  const { level } = scp ? outcome.scp : outcome.rcp;
  const target = level === undefined ? undefined : (scp ? g.scpChain : g.rcpChain)?.[level];
  return target ? { policyType: scp ? 'service control policy' : 'resource control policy', target, fullAccess: scp ? 'FullAWSAccess' : 'RCPFullAWSAccess' } : undefined;
}

/** Trust-policy actions of AssumeRole: the role itself, and the tags and source identity a caller passes. */
const TRUST_ACTIONS = new Set(['sts:AssumeRole', 'sts:TagSession', 'sts:SetSourceIdentity']);

/**
 * The trust-policy statement that would have let a denied AssumeRole through: the caller, named exactly. Only for
 * AWS principals: a statement for a SAML or OIDC provider needs conditions (audience, subject) only its owner knows.
 */
function missingTrustStatement(entry: DecisionEntry): { Effect: 'Allow'; Principal: { AWS: string }; Action: string } | undefined {
  if (entry.decision !== 'deny' || entry.reason !== 'no-resource' || !TRUST_ACTIONS.has(entry.action)) return undefined;
  if (!/^arn:aws:(?:iam::\d{12}:(?:user\/|root$)|sts::\d{12}:assumed-role\/)/.test(entry.principal)) return undefined;
  if (!roleOfArn(entry.resource)) return undefined;
  return { Effect: 'Allow', Principal: { AWS: entry.principal }, Action: entry.action };
}

export function consoleRouter(ctx: ServerContext, express: ExpressModule): Router {
  const router = express.Router();
  const json = express.json({ limit: '1mb' });
  const stream = new DecisionStream(ctx);
  const query = (req: Request): URLSearchParams => new URLSearchParams(req.originalUrl.split('?')[1] ?? '');
  const bad = (res: Response, message: string): void => void res.status(400).json({ error: message });

  // Writes need a header no cross-site form or no-cors fetch can send (a browser asks first, and is not answered):
  // on loopback, where the admin API is open, another web page cannot make the console change a trust policy.
  router.use((req, res, next) => {
    if (req.method === 'GET' || req.method === 'HEAD' || req.headers['x-iamlocal-console'] === '1') return next();
    res.status(403).json({ error: 'console writes need the header x-iamlocal-console: 1' });
  });

  /** Newest first, filtered by the log's database; `before` (an id) pages back. */
  router.get('/decisions', (req, res) => {
    const q = query(req);
    const filters = filtersOf(q);
    if (typeof filters === 'string') return bad(res, filters);
    const before = q.get('before');
    if (before !== null && !/^\d{1,15}$/.test(before)) return bad(res, 'before must be a decision id');
    const limit = Math.min(Math.max(Number(q.get('limit') ?? 100) || 100, 1), 500);
    const filter: DecisionFilter = { ...filters, beforeId: before === null ? undefined : Number(before), limit: limit + 1 };
    const entries = ctx.decisions.list(filter);
    const more = entries.length > limit;
    const page = entries.slice(0, limit);
    res.json({ decisions: page.map(row), next: more ? page[page.length - 1]!.id : null });
  });

  router.get('/stream', (req, res) => {
    const filters = filtersOf(query(req));
    if (typeof filters === 'string') return bad(res, filters);
    res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store', 'X-Accel-Buffering': 'no' });
    res.write(': connected\n\n');
    stream.add(res, filters);
  });

  const entryOf = (req: Request, res: Response): DecisionEntry | undefined => {
    const id = query(req).get('id') ?? '';
    if (!/^\d{1,15}$/.test(id)) return void bad(res, 'id must be a decision id');
    const entry = ctx.decisions.list({ beforeId: Number(id) + 1, afterId: Number(id) - 1, limit: 1 })[0];
    if (!entry) return void res.status(404).json({ error: `no decision ${id} in the log` });
    return entry;
  };

  router.get('/why', (req, res) => {
    const entry = entryOf(req, res);
    if (!entry) return;
    res.json({
      ...row(entry), encodedMessage: encodeAuthorizationMessage(ctx, entry),
      explicitDeny: entry.decision === 'deny' && (entry.reason ?? '').startsWith('explicit-'),
      consulted: consulted(ctx, entry), missingTrustStatement: missingTrustStatement(entry) ?? null, guardrailGap: guardrailGap(ctx, entry) ?? null,
    });
  });

  /** Adds the missing trust statement of a denied AssumeRole to the role's trust policy. */
  router.post('/trust/apply', (req, res) => {
    const entry = entryOf(req, res);
    if (!entry) return;
    const statement = missingTrustStatement(entry);
    if (!statement) return bad(res, 'this decision is not an AssumeRole (or its TagSession, SetSourceIdentity) denied by the role\'s trust policy');
    const role = roleOfArn(entry.resource)!;
    const r = ctx.iam.role(role.account, role.name);
    if (!r) return void res.status(404).json({ error: `no such role: ${entry.resource}` });
    const trust = JSON.parse(r.trust_policy) as { Version?: string; Statement?: unknown };
    const statements = Array.isArray(trust.Statement) ? trust.Statement : trust.Statement === undefined ? [] : [trust.Statement];
    // A second click adds nothing: the statement is there already.
    if (statements.some((st) => JSON.stringify(st) === JSON.stringify(statement))) return void res.json({ role: entry.resource, trustPolicy: r.trust_policy });
    const document = JSON.stringify({ ...trust, Version: trust.Version ?? '2012-10-17', Statement: [...statements, statement] }, null, 2);
    ctx.iam.updateTrustPolicy(role.account, role.name, document);
    res.json({ role: entry.resource, trustPolicy: document });
  });

  /**
   * Replays a decision with one consulted policy replaced by an edited document (the stored policies otherwise, the
   * recorded context keys). Session policies are not kept by the log and are left out.
   */
  router.post('/simulate', json, (req: Request, res: Response) => {
    const entry = entryOf(req, res);
    if (!entry) return;
    const body = req.body as { policyId?: unknown; document?: unknown } | undefined;
    const policyId = typeof body?.policyId === 'string' ? body.policyId : undefined;
    const edited = typeof body?.document === 'string' ? body.document : undefined;
    const principal = callerPrincipal(ctx, entry.principal);
    if (!principal) return bad(res, `cannot simulate for principal ${entry.principal}`);
    const identity: BoundPolicy[] = [];
    let boundary: BoundPolicy | undefined;
    let resource: BoundPolicy | undefined;
    const policies = consulted(ctx, entry);
    if (policyId !== undefined && !policies.some((p) => p.id === policyId && p.document !== null)) return bad(res, `policyId must name a policy consulted for this decision, got '${policyId}'`);
    if ((policyId === undefined) !== (edited === undefined)) return bad(res, 'give both policyId and document, or neither (a replay as stored)');
    try {
      for (const p of policies) {
        const kind: PolicyKind = p.type === 'identity' ? 'identity' : p.type === 'permissions boundary' ? 'boundary' : p.type.startsWith('trust') ? 'trust' : p.type.startsWith('bucket') ? 'resource' : 'session';
        if (kind === 'session') continue;
        const document = p.id === policyId && edited !== undefined ? edited : p.document;
        if (document === null) continue;
        const bound: BoundPolicy = { source: { id: p.id, kind, versionId: p.versionId }, policy: p.id === policyId ? parsePolicy(document, kind) : compileStoredPolicy(document, kind) };
        if (kind === 'identity') identity.push(bound);
        else if (kind === 'boundary') boundary = bound;
        else resource = bound;
      }
    } catch (error) {
      if (error instanceof PolicyDocumentError) return bad(res, `the edited policy: ${error.message}`);
      throw error;
    }
    const isAssume = entry.action.toLowerCase().startsWith('sts:assumerole');
    // SCPs and RCPs as they stand, with the edited one in place of its stored text.
    const guardrails = guardrailsOfEntry(ctx, entry);
    try {
      const replace = (levels: BoundPolicy[][] | undefined, kind: 'scp' | 'rcp'): BoundPolicy[][] | undefined => levels?.map((level) => level.map((bound) => {
        if (bound.source.id !== policyId || edited === undefined) return bound;
        return { source: bound.source, policy: parsePolicy(edited, kind) };
      }));
      guardrails.scps = replace(guardrails.scps, 'scp');
      guardrails.rcps = replace(guardrails.rcps, 'rcp');
    } catch (error) {
      if (error instanceof PolicyDocumentError) return bad(res, `the edited policy: ${error.message}`);
      throw error;
    }
    const decision: Decision = evaluate({
      principal, action: entry.action, resource: entry.resource,
      resourceAccount: accountOfArn(entry.resource) ?? (bucketOwner(ctx, entry.resource) ?? principal.accountId),
      context: new Map(Object.entries(entry.context)), identityPolicies: identity, permissionsBoundary: boundary, resourcePolicy: resource, resourcePolicyRequired: isAssume,
      serviceControlPolicies: guardrails.scps, resourceControlPolicies: guardrails.rcps,
    });
    const simulated: DecisionEntry = { ...entry, decision: decision.allowed ? 'allow' : 'deny', reason: decision.reason ?? null,
      statements: decision.statements.map((s) => ({ policy: s.source.id, kind: s.source.kind, versionId: s.source.versionId, sid: s.sid, index: s.index, effect: s.effect })) };
    res.json({ decision: simulated.decision, reason: simulated.reason, statements: simulated.statements, message: deniedText(simulated) });
  });

  // The state browser's summary: no secrets and no object contents (GET /_iamlocal/state has those), so that 100,000
  // objects cost a count, not a download.
  const sql = {
    accounts: ctx.db.prepare<[], { account_id: string }>("SELECT account_id FROM accounts WHERE account_id <> 'aws' ORDER BY account_id"),
    users: ctx.db.prepare<[], { account_id: string; user_name: string; path: string; permissions_boundary: string | null; created_at: string }>(
      'SELECT account_id, user_name, path, permissions_boundary, created_at FROM users ORDER BY account_id, user_name'),
    roles: ctx.db.prepare<[], { account_id: string; role_name: string; path: string; trust_policy: string; permissions_boundary: string | null; created_at: string }>(
      'SELECT account_id, role_name, path, trust_policy, permissions_boundary, created_at FROM roles ORDER BY account_id, role_name'),
    attached: ctx.db.prepare<[], { account_id: string; principal_kind: string; principal_name: string; policy_arn: string }>(
      'SELECT account_id, principal_kind, principal_name, policy_arn FROM policy_attachments ORDER BY policy_arn'),
    inline: ctx.db.prepare<[], { account_id: string; principal_kind: string; principal_name: string; policy_name: string; document: string }>(
      'SELECT account_id, principal_kind, principal_name, policy_name, document FROM inline_policies ORDER BY policy_name'),
    policies: ctx.db.prepare<[], { arn: string; default_version: string }>("SELECT arn, default_version FROM managed_policies WHERE account_id <> 'aws' ORDER BY arn"),
    versions: ctx.db.prepare<[], { policy_arn: string; version_id: string; document: string; created_at: string }>(
      "SELECT policy_arn, version_id, document, created_at FROM policy_versions WHERE policy_arn NOT LIKE 'arn:aws:iam::aws:%' ORDER BY policy_arn, CAST(substr(version_id, 2) AS INTEGER)"),
    buckets: ctx.db.prepare<[], { bucket_name: string; account_id: string; policy: string | null; objects: number }>(
      'SELECT b.bucket_name, b.account_id, b.policy, (SELECT count(*) FROM objects o WHERE o.bucket_name = b.bucket_name) AS objects FROM buckets b ORDER BY b.bucket_name'),
    sessions: ctx.db.prepare<[], { account_id: string; role_name: string; session_name: string; access_key_id: string; expires_at: string }>(
      'SELECT account_id, role_name, session_name, access_key_id, expires_at FROM sessions ORDER BY expires_at DESC LIMIT 500'),
  };
  router.get('/state', (_req, res) => {
    const attached = sql.attached.all();
    const inline = sql.inline.all();
    const of = <T extends { account_id: string; principal_kind: string; principal_name: string }>(rows: T[], account: string, kind: string, name: string): T[] =>
      rows.filter((r) => r.account_id === account && r.principal_kind === kind && r.principal_name.toLowerCase() === name.toLowerCase());
    const versions = sql.versions.all();
    const now = ctx.now().toISOString();
    res.json({
      accounts: sql.accounts.all().map((a) => a.account_id),
      users: sql.users.all().map((u) => ({
        arn: `arn:aws:iam::${u.account_id}:user${u.path}${u.user_name}`, name: u.user_name, createDate: u.created_at, permissionsBoundary: u.permissions_boundary,
        attachedPolicies: of(attached, u.account_id, 'user', u.user_name).map((a) => a.policy_arn),
        inlinePolicies: of(inline, u.account_id, 'user', u.user_name).map((p) => ({ name: p.policy_name, document: p.document })),
      })),
      roles: sql.roles.all().map((r) => ({
        arn: `arn:aws:iam::${r.account_id}:role${r.path}${r.role_name}`, name: r.role_name, createDate: r.created_at, permissionsBoundary: r.permissions_boundary,
        trustPolicy: r.trust_policy, lastUsed: ctx.iam.role(r.account_id, r.role_name)?.last_used_at ?? null,
        attachedPolicies: of(attached, r.account_id, 'role', r.role_name).map((a) => a.policy_arn),
        inlinePolicies: of(inline, r.account_id, 'role', r.role_name).map((p) => ({ name: p.policy_name, document: p.document })),
      })),
      policies: sql.policies.all().map((p) => ({
        arn: p.arn, defaultVersion: p.default_version,
        versions: versions.filter((v) => v.policy_arn === p.arn).map((v) => ({ id: v.version_id, document: v.document, createDate: v.created_at })),
      })),
      buckets: sql.buckets.all().map((b) => ({ name: b.bucket_name, account: b.account_id, policy: b.policy, objects: b.objects })),
      sessions: sql.sessions.all().map((s) => ({
        arn: `arn:aws:sts::${s.account_id}:assumed-role/${s.role_name}/${s.session_name}`, accessKeyId: s.access_key_id, expiresAt: s.expires_at, expired: s.expires_at <= now,
      })),
    });
  });

  router.use((_req, res) => {
    res.status(404).json({ error: 'no such console route' });
  });
  return router;
}

/** The account owning the bucket an S3 ARN names. */
function bucketOwner(ctx: ServerContext, arn: string): string | undefined {
  const bucket = /^arn:aws:s3:::([^/]+)/.exec(arn)?.[1];
  return bucket ? ctx.s3.bucket(bucket)?.account_id : undefined;
}

/** The principal of a recorded ARN as policies see it (a session carries its role's ARN). */
function callerPrincipal(ctx: ServerContext, arn: string): CallerPrincipal | undefined {
  const account = accountOfArn(arn);
  if (!account) return undefined;
  if (arn.endsWith(':root')) return { kind: 'root', accountId: account, arn };
  const session = /^arn:aws:sts::\d{12}:assumed-role\/([^/]+)\//.exec(arn);
  if (session) {
    const role = ctx.iam.role(account, session[1]!);
    return { kind: 'assumed-role', accountId: account, arn, roleArn: role ? `arn:aws:iam::${account}:role${role.path}${role.role_name}` : undefined };
  }
  if (/:user\//.test(arn)) return { kind: 'user', accountId: account, arn };
  return undefined;
}
