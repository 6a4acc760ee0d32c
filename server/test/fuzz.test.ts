// Hostile input: a bounded run of the fuzz campaign (scripts/fuzz.ts; `npm run fuzz` sends 100,000), XML that tries
// entity expansion, external entities or deep nesting, and wildcard patterns built to make a matcher backtrack.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import request from 'supertest';
import type { App } from '../src/http/app.ts';
import { runFuzz } from '../../scripts/fuzz.ts';
import { createApp } from '../src/http/app.ts';
import { createContext } from '../src/server.ts';
import type { ServerContext } from '../src/context.ts';
import { parseXmlBody } from '../src/protocol/rest-xml.ts';
import { arnMatch, compileGlob, globMatch } from '../src/policy/wildcard.ts';
import { evaluate, parsePolicy } from '../src/policy/index.ts';
import type { CallerPrincipal } from '../src/policy/index.ts';
import { form, signedHeaders } from './support/sign.ts';

/**
 * A guard against blow-ups, not a performance target (those are in `npm run bench`): the inputs are sized so that linear
 * work takes milliseconds and quadratic or exponential work takes minutes, so a bound of seconds separates them on
 * however slow or busy a machine.
 */
const HANG_GUARD_MS = 5_000;

/** Runs `fn` and fails if it takes longer than the hang guard. */
function finishes<T>(what: string, fn: () => T): T {
  const started = performance.now();
  const result = fn();
  const took = performance.now() - started;
  assert.ok(took < HANG_GUARD_MS, `${what} took ${took.toFixed(0)} ms (guard ${HANG_GUARD_MS} ms)`);
  return result;
}

const codeOfThrown = (fn: () => unknown): string | undefined => {
  try {
    fn();
  } catch (error) {
    return (error as { code?: string }).code;
  }
  return undefined;
};

test('fuzz: 3,000 mutated, mostly validly signed requests at a live server — AWS errors or success only', { timeout: 60_000 }, async () => {
  const r = await runFuzz({ requests: 3000, seed: 424242, concurrency: 16, timeoutMs: 10_000, stateSampleEvery: 100, batch: 1500 });
  assert.deepEqual(r.tally.failures, []);
  assert.equal(r.tally.sent, 3000);
  assert.ok(r.tally.stateChecks > 0, 'some requests answered with an error were checked to leave the state alone');
  assert.ok((r.tally.byCode.OK ?? 0) > 100, 'a good share of the mutated requests still reached handlers and succeeded');
  assert.equal(r.healthAfter, 200);
  assert.equal(r.exitCode, 0);
  assert.equal(r.integrity, 'ok');
  assert.equal(r.loggedErrors, 0);
});

describe('XML request bodies are parsed safely', () => {
  const laughs = `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">${Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i || ''};`.repeat(10)}">`).join('')}]><Tagging><TagSet><Tag><Key>k</Key><Value>&lol9;</Value></Tag></TagSet></Tagging>`;

  test('billion laughs → MalformedXML at once, nothing expanded', () => {
    assert.equal(finishes('billion laughs', () => codeOfThrown(() => parseXmlBody(Buffer.from(laughs), 'Tagging'))), 'MalformedXML');
  });

  test('external entities (file and URL, general and parameter) → MalformedXML, nothing read', () => {
    for (const doc of [
      '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><Delete><Object><Key>&xxe;</Key></Object></Delete>',
      '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY % ext SYSTEM "http://127.0.0.1:9/evil.dtd"> %ext;]><Delete><Object><Key>k</Key></Object></Delete>',
      '<!DOCTYPE Delete SYSTEM "http://127.0.0.1:9/x.dtd"><Delete><Object><Key>k</Key></Object></Delete>',
    ]) {
      assert.equal(finishes('XXE', () => codeOfThrown(() => parseXmlBody(Buffer.from(doc), 'Delete'))), 'MalformedXML', doc);
    }
  });

  test('deep nesting → MalformedXML quickly; documents of ordinary depth still parse', () => {
    const deep = (n: number): string => `<Delete>${'<Object>'.repeat(n)}${'</Object>'.repeat(n)}</Delete>`;
    assert.equal(finishes('100,000 levels', () => codeOfThrown(() => parseXmlBody(Buffer.from(deep(100_000)), 'Delete'))), 'MalformedXML');
    assert.equal(finishes('unclosed 100,000 levels', () => codeOfThrown(() => parseXmlBody(Buffer.from(`<Delete>${'<a>'.repeat(100_000)}`), 'Delete'))), 'MalformedXML');
    assert.equal(finishes('64 KiB of <', () => codeOfThrown(() => parseXmlBody(Buffer.from(`<Delete>${'<'.repeat(65_536)}>`), 'Delete'))), 'MalformedXML');
    assert.deepEqual(parseXmlBody(Buffer.from(deep(10)), 'Delete').Object !== undefined, true);
    assert.deepEqual(parseXmlBody(Buffer.from('<Delete><Object><Key>a&amp;b&lt;</Key></Object></Delete>'), 'Delete'), { Object: { Key: 'a&b<' } });
  });

  describe('over HTTP', () => {
    let ctx: ServerContext;
    let app: App;
    before(() => {
      ctx = createContext({ db: ':memory:' });
      app = createApp(ctx);
    });
    after(() => {
      ctx.s3.close();
      ctx.db.close();
    });
    const s3 = async (method: 'put' | 'post', path: string, query: Record<string, string>, body: string) => {
      const headers = await signedHeaders('s3', '127.0.0.1:4577', { method: method.toUpperCase(), path, query, body });
      return request(app)[method](`${path}?${Object.keys(query).join('&')}`).set(headers).send(body);
    };

    test('PutBucketTagging with entity expansion, DeleteObjects with XXE → 400 MalformedXML, no tags and nothing deleted', async () => {
      assert.equal((await s3('put', '/xml-bucket', {}, '')).status, 200);
      assert.equal((await s3('put', '/xml-bucket/passwd', {}, 'keep me')).status, 200);
      const tagging = await s3('put', '/xml-bucket', { tagging: '' }, laughs);
      assert.equal(tagging.status, 400);
      assert.match(tagging.text, /<Code>MalformedXML<\/Code>/);
      assert.match(tagging.headers['content-type'] ?? '', /^application\/xml/);
      const xxe = await s3('post', '/xml-bucket', { delete: '' }, '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><Delete><Object><Key>&xxe;</Key></Object></Delete>');
      assert.match(xxe.text, /<Code>MalformedXML<\/Code>/);
      assert.equal(ctx.s3.object('xml-bucket', 'passwd')?.size, 7);
      assert.equal(ctx.s3.bucket('xml-bucket')?.tags ?? null, null);
    });
  });
});

describe('wildcards and patterns cannot backtrack catastrophically', () => {
  test('globMatch: StringLike-style `*a*a*…b` and `*aaaa…b` against long strings', () => {
    const value = 'a'.repeat(100_000);
    assert.equal(finishes('*a×2000 b vs 100k', () => globMatch(`${'*a'.repeat(2000)}*b`, value)), false);
    assert.equal(finishes('*a×2000 vs 100k', () => globMatch(`${'*a'.repeat(2000)}*`, value)), true);
    assert.equal(finishes('*a^1000 b vs 20k', () => globMatch(`*${'a'.repeat(1000)}b`, 'a'.repeat(20_000))), false);
    assert.equal(finishes('*?*?… vs 100k', () => globMatch(`${'*?'.repeat(1000)}b`, value)), false);
    assert.equal(finishes('compiled', () => compileGlob(`${'*a'.repeat(2000)}*b`)(value)), false);
  });

  test('arnMatch: S3 keys and ARN patterns with many wildcards', () => {
    const key = `arn:aws:s3:::bucket/${'a'.repeat(1024)}`;
    assert.equal(finishes('ARN', () => arnMatch(`arn:aws:s3:::bucket/${'*a'.repeat(500)}*b`, key)), false);
    assert.equal(finishes('ARN', () => arnMatch(`arn:*:*:*:*:${'*a'.repeat(500)}*`, key)), true);
    assert.equal(finishes('ARN segments', () => arnMatch(`arn:${'*a'.repeat(300)}:s3:::*`, `arn:${'a'.repeat(10_000)}:s3:::x`)), true);
  });

  test('the policy engine: a StringLike condition built to backtrack, against a long context value', () => {
    const pattern = `${'*a'.repeat(1000)}*b`;
    const policy = finishes('parse', () => parsePolicy(JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: 's3:ListBucket', Resource: `arn:aws:s3:::b${'*a'.repeat(200)}*`, Condition: { StringLike: { 's3:prefix': [pattern, pattern] } } }],
    }), 'identity'));
    const principal: CallerPrincipal = { kind: 'user', arn: 'arn:aws:iam::123456789012:user/u', accountId: '123456789012' };
    const decision = finishes('evaluate', () => evaluate({
      principal, action: 's3:ListBucket', resource: `arn:aws:s3:::b${'a'.repeat(1000)}`, resourceAccount: '123456789012',
      context: new Map([['s3:prefix', ['a'.repeat(50_000)]]]), identityPolicies: [{ policy, source: { kind: 'identity', id: 'p' } }],
    }));
    assert.equal(decision.allowed, false);
  });

  test('IAM input patterns (botocore regexes) on 200 KB hostile values answer promptly', async () => {
    const ctx = createContext({ db: ':memory:' });
    const app = createApp(ctx);
    try {
      const cases: Record<string, string>[] = [
        { Action: 'CreateUser', UserName: 'u', Path: `/${'a/'.repeat(100_000)}!` },
        { Action: 'CreateUser', UserName: `${'a'.repeat(200_000)}!` },
        { Action: 'CreatePolicy', PolicyName: 'p', Path: `/${'a,'.repeat(100_000)}`, PolicyDocument: '{}' },
        { Action: 'TagUser', UserName: 'u', 'Tags.member.1.Key': `${'a '.repeat(100_000)}\u0000`, 'Tags.member.1.Value': 'v' },
      ];
      for (const params of cases) {
        const body = form({ Version: '2010-05-08', ...params });
        const headers = await signedHeaders('iam', '127.0.0.1:4577', { method: 'POST', path: '/', headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' }, body });
        const started = performance.now();
        const res = await request(app).post('/').set(headers).send(body);
        assert.ok(performance.now() - started < HANG_GUARD_MS, `${params.Action} took ${performance.now() - started} ms`);
        assert.equal(res.status, 400, res.text.slice(0, 300));
        assert.match(res.text, /<Code>(ValidationError|MalformedPolicyDocument|InvalidInput)<\/Code>/);
      }
    } finally {
      ctx.s3.close();
      ctx.db.close();
    }
  });
});
