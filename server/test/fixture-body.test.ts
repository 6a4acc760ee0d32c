// POST /_iamlocal/fixtures bodies spooled to a temporary file (server/src/http/fixture-body.ts): the bytes as sent, the
// size limit as body-parser applied it (413, the rest of the body read off so the answer arrives), and bodies the text
// parser must still decode (a content encoding, another charset) left to it.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import { dirname } from 'node:path';
import { after, before, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import type { Request } from 'express';
import { spoolable, spoolBody } from '../src/http/fixture-body.ts';
import { startServer, type RunningServer } from '../src/server.ts';

let spoolServer: Server;
let url: string;
let iamlocal: RunningServer;
const seen: { path: string; bytes: Buffer }[] = [];

before(async () => {
  spoolServer = createServer((req, res) => {
    spoolBody(req as Request, 16).then((spooled) => {
      seen.push({ path: spooled.path, bytes: readFileSync(spooled.path) });
      spooled.remove();
      res.end(`ok ${spooled.size}`);
    }, (error: { status?: number; type?: string }) => {
      res.statusCode = error.status ?? 500;
      res.end(String(error.type));
    });
  });
  await new Promise<void>((resolve) => spoolServer.listen(0, '127.0.0.1', resolve));
  const address = spoolServer.address();
  url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  iamlocal = await startServer({ port: 0, db: ':memory:' });
});
after(async () => {
  await new Promise((resolve) => spoolServer.close(resolve));
  await iamlocal.close();
});

test('spoolBody: the bytes as sent in a file removed afterwards; over the limit, 413 entity.too.large once the body is read off', async () => {
  const small = await fetch(url, { method: 'POST', body: 'é{"a": 1}' });
  assert.equal(await small.text(), 'ok 10');
  const last = seen.at(-1)!;
  assert.equal(last.bytes.toString(), 'é{"a": 1}');
  assert.equal(existsSync(dirname(last.path)), false);
  const large = await fetch(url, { method: 'POST', body: 'x'.repeat(100_000) });
  assert.deepEqual([large.status, await large.text()], [413, 'entity.too.large']);
  // Declared too large: refused without a file, the body still read off.
  const declared = await new Promise<IncomingMessage>((resolve, reject) => {
    const req = request(`${url}/`, { method: 'POST', headers: { 'content-length': '17' } }, resolve);
    req.on('error', reject);
    req.end('y'.repeat(17));
  });
  assert.equal(declared.statusCode, 413);
  declared.resume();
  assert.equal(spoolable({ headers: { 'content-type': 'application/json; charset=UTF-8' } } as Request), true);
  assert.equal(spoolable({ headers: { 'content-type': 'text/plain; charset="latin1"' } } as Request), false);
  assert.equal(spoolable({ headers: { 'content-encoding': 'gzip' } } as Request), false);
});

test('POST /_iamlocal/fixtures: gzip and latin1 bodies are decoded by the text parser as before; JSON ones are streamed', async () => {
  const post = async (body: Uint8Array<ArrayBuffer> | string, headers: Record<string, string>): Promise<[number, unknown]> => {
    const res = await fetch(`${iamlocal.url}/_iamlocal/fixtures`, { method: 'POST', headers, body });
    return [res.status, await res.json()];
  };
  assert.deepEqual(await post(new Uint8Array(gzipSync(JSON.stringify({ users: [{ name: 'zipped' }] }))), { 'content-type': 'application/json', 'content-encoding': 'gzip' }), [200, { loaded: true }]);
  assert.deepEqual(await post(new Uint8Array(Buffer.from('{"users": [{"name": "caf\xe9"}]}', 'latin1')), { 'content-type': 'application/json; charset=latin1' }), [200, { loaded: true }]);
  assert.deepEqual(await post('{"users": [{"name": "streamed"}, {"name": ""}]}', { 'content-type': 'application/json' }),
    [400, { error: 'request body: users[1].name: expected a non-empty string' }]);
  const state = await (await fetch(`${iamlocal.url}/_iamlocal/state`)).json() as { users: { name: string }[] };
  assert.deepEqual(state.users.map((u) => u.name).sort(), ['café', 'zipped']);
});
