// The admin API is open on loopback only; otherwise it needs the admin token or a root-signed request.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import request from 'supertest';
import type { App } from '../src/http/app.ts';
import { createApp } from '../src/http/app.ts';
import { createContext } from '../src/server.ts';
import type { ServerContext } from '../src/context.ts';
import { signedHeaders } from './support/sign.ts';

let ctx: ServerContext;
let app: App;
before(() => {
  ctx = createContext({ db: ':memory:', config: { adminToken: 'let-me-in', adminAuthRequired: true } });
  app = createApp(ctx);
});
after(() => {
  ctx.s3.close();
  ctx.db.close();
});

test('health stays open; state needs credentials', async () => {
  assert.equal((await request(app).get('/_iamlocal/health')).status, 200);
  assert.equal((await request(app).get('/_iamlocal/state')).status, 401);
  assert.equal((await request(app).post('/_iamlocal/reset')).status, 401);
  assert.equal((await request(app).get('/_iamlocal/state').set('authorization', 'Bearer wrong-token')).status, 401);
});

test('the admin token or a root-signed request is accepted', async () => {
  assert.equal((await request(app).get('/_iamlocal/state').set('authorization', 'Bearer let-me-in')).status, 200);
  const headers = await signedHeaders('s3', '127.0.0.1:4577', { method: 'GET', path: '/_iamlocal/state' });
  assert.equal((await request(app).get('/_iamlocal/state').set(headers)).status, 200);
  const forged = await signedHeaders('s3', '127.0.0.1:4577', { method: 'GET', path: '/_iamlocal/state' }, { accessKeyId: 'test', secretAccessKey: 'guess' });
  assert.equal((await request(app).get('/_iamlocal/state').set(forged)).status, 401);
});

test('errors never carry secrets or stack traces', async () => {
  const res = await request(app).post('/').type('form').send('Action=GetCallerIdentity&X-Amz-Algorithm=AWS4-HMAC-SHA256');
  assert.ok(res.status >= 400 && res.status < 500);
  assert.doesNotMatch(res.text, /at .*\.ts:\d+|let-me-in/);
});
