// The console's server side: its files are open, its data routes follow the admin API's authentication; filtering
// and paging are done by the decision log's database at 100,000 decisions; the live stream reads nothing while no
// console is connected. (The pages themselves are tested in Chromium: client-tests/console/console.test.ts.)
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import request from 'supertest';
import { createApp, type App } from '../src/http/app.ts';
import { deniedText } from '../src/http/console.ts';
import type { DecisionEntry } from '../src/store/decision-log.ts';
import { createContext } from '../src/server.ts';
import type { ServerContext } from '../src/context.ts';
import type { Decision } from '../src/policy/index.ts';

const ALLOW: Decision = { allowed: true, statements: [] };
const DENY: Decision = { allowed: false, reason: 'no-identity', statements: [] };
const USER = 'arn:aws:iam::123456789012:user/u';

// The AccessDenied text a client got, rebuilt from the log for the why view. The shapes are AWS's (IAM User Guide,
// "Troubleshoot access denied error messages": "User: P is not authorized to perform: A on resource: R because no
// identity-based policy allows the A action" / "with an explicit deny in ..."), as services/access-denied.ts and the
// STS federation handlers answer them.
test('the why view shows the AccessDenied text each service gives', () => {
  const entry = (principal: string, action: string, resource: string, reason: string | null): DecisionEntry => ({
    id: 1, at: '', principal, action, resource, decision: 'deny', proceeded: false, mode: 'on', reason, statements: [], context: {},
  });
  const role = 'arn:aws:iam::123456789012:role/r';
  assert.equal(deniedText(entry(USER, 'sts:AssumeRole', role, 'no-resource')), `User: ${USER} is not authorized to perform: sts:AssumeRole on resource: ${role}`);
  assert.equal(deniedText(entry(USER, 'iam:GetRole', role, 'no-identity')),
    `User: ${USER} is not authorized to perform: iam:GetRole on resource: ${role} because no identity-based policy allows the iam:GetRole action`);
  assert.equal(deniedText(entry(USER, 's3:GetObject', 'arn:aws:s3:::b/k', 'explicit-resource')),
    `User: ${USER} is not authorized to perform: s3:GetObject on resource: "arn:aws:s3:::b/k" with an explicit deny in a resource-based policy`);
  assert.equal(deniedText(entry('anonymous', 's3:GetObject', 'arn:aws:s3:::b/k', 'no-resource')), 'Access Denied');
  assert.equal(deniedText(entry('arn:aws:iam::123456789012:saml-provider/idp', 'sts:TagSession', role, 'no-resource')), 'Not authorized to perform sts:AssumeRoleWithSAML');
  assert.equal(deniedText(entry('arn:aws:iam::123456789012:oidc-provider/oidc.example.com', 'sts:AssumeRoleWithWebIdentity', role, 'no-resource')),
    'Not authorized to perform sts:AssumeRoleWithWebIdentity');
  assert.equal(deniedText({ ...entry(USER, 's3:GetObject', 'arn:aws:s3:::b/k', null), decision: 'allow' }), null);
});

describe('off loopback', () => {
  let ctx: ServerContext;
  let app: App;
  before(() => {
    ctx = createContext({ db: ':memory:', config: { adminToken: 'let-me-in', adminAuthRequired: true } });
    app = createApp(ctx);
  });
  after(() => {
    ctx.decisions.close();
    ctx.s3.close();
    ctx.db.close();
  });

  test('the files are served to anyone, with a content security policy; the data needs the admin token', async () => {
    const page = await request(app).get('/_iamlocal/ui/');
    assert.equal(page.status, 200);
    assert.match(page.headers['content-type'] ?? '', /^text\/html/);
    assert.match(page.headers['content-security-policy'] ?? '', /default-src 'self'/);
    assert.match(page.text, /<label for="token">Admin token<\/label>/);
    assert.equal((await request(app).get('/_iamlocal/ui')).headers.location, '/_iamlocal/ui/');
    const script = await request(app).get('/_iamlocal/ui/app.js');
    assert.equal(script.status, 200);
    assert.match(script.headers['content-type'] ?? '', /^text\/javascript/);
    // Only the console's own file names reach the disk.
    for (const path of ['/_iamlocal/ui/..%2f..%2fpackage.json', '/_iamlocal/ui/%2e%2e/%2e%2e/package.json', '/_iamlocal/ui/nope.js']) {
      assert.equal((await request(app).get(path)).status, 401, path);
    }
    for (const path of ['/_iamlocal/console/decisions', '/_iamlocal/console/stream', '/_iamlocal/console/state', '/_iamlocal/console/why?id=1']) {
      assert.equal((await request(app).get(path)).status, 401, path);
      assert.equal((await request(app).get(path).set('authorization', 'Bearer wrong')).status, 401, path);
    }
    assert.equal((await request(app).post('/_iamlocal/console/trust/apply?id=1')).status, 401);
    const decisions = await request(app).get('/_iamlocal/console/decisions').set('authorization', 'Bearer let-me-in');
    assert.equal(decisions.status, 200);
    assert.deepEqual(decisions.body, { decisions: [], next: null });
  });
});

describe('on loopback', () => {
  let ctx: ServerContext;
  let app: App;
  let server: Server;
  let base: string;
  before(async () => {
    ctx = createContext({ db: ':memory:' });
    app = createApp(ctx);
    server = createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    ctx.decisions.close();
    ctx.s3.close();
    ctx.db.close();
  });

  test('bad input is a 400 naming the parameter, an unknown decision a 404', async () => {
    assert.deepEqual((await request(app).get('/_iamlocal/console/decisions?decision=maybe')).body, { error: "decision must be 'allow' or 'deny'" });
    assert.equal((await request(app).get('/_iamlocal/console/decisions?before=x')).status, 400);
    assert.equal((await request(app).get('/_iamlocal/console/decisions?service=s3%25')).status, 400);
    assert.equal((await request(app).get('/_iamlocal/console/why?id=abc')).status, 400);
    assert.equal((await request(app).get('/_iamlocal/console/why?id=99999999')).status, 404);
    ctx.decisions.record(new Date(), USER, 's3:GetObject', 'arn:aws:s3:::b/k', ALLOW, new Map(), 'on');
    const [entry] = ctx.decisions.list({ limit: 1 });
    // Writes need the console's header: a cross-site form or no-cors fetch cannot send it.
    const forged = await request(app).post(`/_iamlocal/console/trust/apply?id=${entry!.id}`);
    assert.equal(forged.status, 403);
    const applied = await request(app).post(`/_iamlocal/console/trust/apply?id=${entry!.id}`).set('x-iamlocal-console', '1');
    assert.equal(applied.status, 400);
    assert.match(applied.body.error as string, /not an AssumeRole \(or its TagSession, SetSourceIdentity\) denied by the role's trust policy/);
    const simulated = await request(app).post(`/_iamlocal/console/simulate?id=${entry!.id}`).set('x-iamlocal-console', '1').send({ policyId: 'x', document: '{' });
    assert.equal(simulated.status, 400);
  });

  test('100,000 decisions: the server filters and pages, each page in well under a second', async () => {
    ctx.decisions.clear();
    const at = new Date('2026-01-01T00:00:00Z');
    const context = new Map([['aws:sourceip', ['127.0.0.1']]]);
    for (let i = 0; i < 100_000; i++) {
      // Every 1000th call is a denied s3:GetObject on a key with a needle in it.
      if (i % 1000 === 999) ctx.decisions.record(at, USER, 's3:GetObject', `arn:aws:s3:::b/needle-${i}`, DENY, context, 'on');
      else ctx.decisions.record(at, `arn:aws:iam::123456789012:user/u${i % 50}`, i % 2 ? 'iam:GetUser' : 's3:PutObject', `arn:aws:s3:::b/k${i}`, ALLOW, context, 'on');
    }
    ctx.decisions.flush();
    const time = async (path: string): Promise<{ body: { decisions: { id: number; resource: string; decision: string; action: string }[]; next: number | null }; ms: number }> => {
      const started = performance.now();
      const res = await request(app).get(path);
      assert.equal(res.status, 200, res.text);
      return { body: res.body as never, ms: performance.now() - started };
    };
    const found = await time('/_iamlocal/console/decisions?service=s3&decision=deny&q=NEEDLE&limit=500');
    assert.equal(found.body.decisions.length, 100);
    assert.ok(found.body.decisions.every((d) => d.decision === 'deny' && d.action === 's3:GetObject' && d.resource.includes('needle')));
    assert.equal(found.body.next, null);
    // Guards against a runaway scan only; the figures are in the bench.
    assert.ok(found.ms < 5000, `filtered search took ${found.ms} ms`);
    // Paging back through the allowed IAM calls: pages of 500 that neither overlap nor skip.
    let before: number | null = null;
    const seen = new Set<number>();
    for (let page = 0; page < 4; page++) {
      const { body, ms } = await time(`/_iamlocal/console/decisions?service=iam&limit=500${before === null ? '' : `&before=${before}`}`);
      assert.equal(body.decisions.length, 500);
      assert.ok(ms < 5000, `page ${page} took ${ms} ms`);
      for (const d of body.decisions) {
        assert.ok(!seen.has(d.id));
        seen.add(d.id);
      }
      before = body.next;
    }
  });

  test('the live stream sends new decisions (filtered) and reads the log only while a console is connected', async () => {
    ctx.decisions.clear();
    let reads = 0;
    const list = ctx.decisions.list.bind(ctx.decisions);
    ctx.decisions.list = (filter) => {
      reads++;
      return list(filter);
    };
    try {
      const abort = new AbortController();
      const res = await fetch(`${base}/_iamlocal/console/stream?decision=deny`, { signal: abort.signal });
      assert.equal(res.headers.get('content-type'), 'text/event-stream; charset=utf-8');
      const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
      assert.equal((await reader.read()).value, ': connected\n\n');
      // Connected and idle: nothing recorded, nothing read.
      reads = 0;
      await new Promise((resolve) => setTimeout(resolve, 500));
      assert.equal(reads, 0);
      const started = Date.now();
      ctx.decisions.record(new Date(), USER, 's3:GetObject', 'arn:aws:s3:::b/allowed', ALLOW, new Map(), 'on');
      ctx.decisions.record(new Date(), USER, 's3:GetObject', 'arn:aws:s3:::b/denied', DENY, new Map(), 'on');
      let text = '';
      while (!text.includes('\n\n')) text += (await reader.read()).value ?? '';
      // Pushed, not polled on a long period; generous so that a busy machine does not fail it.
      assert.ok(Date.now() - started < 2500);
      const sent = JSON.parse(text.replace(/^data: /, '')) as { resource: string; message: string }[];
      assert.deepEqual(sent.map((d) => d.resource), ['arn:aws:s3:::b/denied']);
      assert.equal(sent[0]!.message, `User: ${USER} is not authorized to perform: s3:GetObject on resource: "arn:aws:s3:::b/denied" because no identity-based policy allows the s3:GetObject action`);
      abort.abort();
      await reader.cancel().catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, 300));
      // Disconnected: decisions are only counted, never read back.
      reads = 0;
      for (let i = 0; i < 100; i++) ctx.decisions.record(new Date(), USER, 's3:GetObject', 'arn:aws:s3:::b/k', DENY, new Map(), 'on');
      await new Promise((resolve) => setTimeout(resolve, 500));
      assert.equal(reads, 0);
    } finally {
      ctx.decisions.list = list;
    }
  });
});
