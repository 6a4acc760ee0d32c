// The admin API (an Express router, loaded on the first admin request): client faults in a body are 4xx JSON answers
// (never a 500), routing keeps Express's defaults (trailing slash, case, HEAD on GET routes, decoded :params), and an
// unknown admin route is a JSON 404.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startServer, type RunningServer } from '../src/server.ts';

let server: RunningServer;
before(async () => { server = await startServer({ port: 0, db: ':memory:' }); });
after(() => server.close());

const post = (path: string, body: string, type = 'application/json'): Promise<Response> =>
  fetch(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': type }, body });

test('bodies: invalid JSON → 400, a JSON scalar → 400, too large → 413; all JSON answers', async () => {
  const invalid = await post('/_iamlocal/oidc/token', '{"sub": ');
  assert.equal(invalid.status, 400);
  assert.match(((await invalid.json()) as { error: string }).error, /^request body: not JSON/);
  const scalar = await post('/_iamlocal/oidc/token', '"text"');
  assert.equal(scalar.status, 400);
  const large = await post('/_iamlocal/saml/assertion', `{"role":"${'x'.repeat(1024 * 1024)}"}`);
  assert.equal(large.status, 413);
  assert.match(large.headers.get('content-type') ?? '', /^application\/json; charset=utf-8$/);
  // Not JSON at all (no JSON content type): the route sees no body and says what it needs.
  const none = await post('/_iamlocal/oidc/token', 'sub=x', 'application/x-www-form-urlencoded');
  assert.equal(none.status, 400);
  assert.deepEqual(await none.json(), { error: 'a JSON object is required' });
  const good = await post('/_iamlocal/oidc/token', JSON.stringify({ sub: 'repo:o/r:ref:refs/heads/main', aud: 'sts.amazonaws.com' }));
  assert.equal(good.status, 200);
  assert.match(((await good.json()) as { token: string }).token, /^ey/);
});

test('routing: trailing slash and case as Express, HEAD on GET routes, decoded :params, JSON 404', async () => {
  assert.equal((await fetch(`${server.url}/_iamlocal/state/`)).status, 200);
  assert.equal((await fetch(`${server.url}/_iamlocal/STATE`)).status, 200);
  const head = await fetch(`${server.url}/_iamlocal/snapshots`, { method: 'HEAD' });
  assert.equal(head.status, 200);
  assert.equal(await head.text(), '');
  const taken = await fetch(`${server.url}/_iamlocal/snapshots/before%2Dtests`, { method: 'POST' });
  assert.deepEqual(await taken.json(), { snapshot: 'before-tests' });
  const restored = await fetch(`${server.url}/_iamlocal/snapshots/before%2Dtests/restore`, { method: 'POST' });
  assert.deepEqual(await restored.json(), { restored: 'before-tests' });
  const missing = await fetch(`${server.url}/_iamlocal/nothing-here`);
  assert.equal(missing.status, 404);
  assert.deepEqual(await missing.json(), { error: 'no such admin route' });
  const metadata = await fetch(`${server.url}/_iamlocal/saml/metadata`);
  assert.equal(metadata.headers.get('content-type'), 'application/samlmetadata+xml; charset=utf-8');
});
