// The request log: the line written by Logger.request (built field by field, for speed) is the JSON line info() writes
// for the same fields, in the same key order, with the same omissions and escaping.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger, msText, type RequestLine } from '../src/log.ts';

async function captured(write: () => void): Promise<string[]> {
  const original = process.stdout.write.bind(process.stdout);
  let out = '';
  // The logger writes strings; the test runner's own reports (serialized buffers) go through.
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: never[]): boolean => {
    if (typeof chunk !== 'string') return original(chunk, ...rest);
    out += chunk;
    return true;
  }) as typeof process.stdout.write;
  try {
    write();
    // Lines are batched for up to 25 ms.
    await new Promise((r) => setTimeout(r, 60));
  } finally {
    process.stdout.write = original;
  }
  return out.split('\n').filter(Boolean);
}

const withoutTime = (line: string): string => line.replace(/"time":\d+,/, '');

test('Logger.request writes what info() writes for the same fields', async () => {
  const log = createLogger('info', false);
  const lines: RequestLine[] = [
    { service: 'iam', operation: 'GetRole', principal: 'arn:aws:iam::123456789012:root', status: 200, errorCode: undefined, ms: 1.23 },
    { service: 's3', operation: 'GET', principal: undefined, status: 403, errorCode: 'AccessDenied', ms: 0.5 },
    { service: 'sts', operation: 'Odd"name\\\n\u0001é', principal: 'arn:aws:sts::123456789012:assumed-role/r/"s"', status: 400, errorCode: 'Bad"Code', ms: 12 },
  ];
  for (const line of lines) {
    const [fast, slow] = await captured(() => { log.request(line); log.info({ ...line }); });
    assert.ok(fast && slow);
    assert.equal(withoutTime(fast), withoutTime(slow));
    assert.deepEqual({ ...JSON.parse(fast), time: 0 }, { level: 30, time: 0, ...JSON.parse(JSON.stringify(line)) });
  }
});

test('Logger.request writes nothing below info, and a readable line on a terminal', async () => {
  assert.deepEqual(await captured(() => createLogger('warn', false).request({ service: 'iam', operation: 'GetRole', principal: undefined, status: 200, errorCode: undefined, ms: 1 })), []);
  const [pretty] = await captured(() => createLogger('info', true).request({ service: 'iam', operation: 'GetRole', principal: 'p', status: 200, errorCode: undefined, ms: 1 }));
  assert.match(pretty ?? '', /INFO +iam +GetRole +200 1ms p$/);
});

test('request lines are queued and formatted when written: same JSON, in call order with other entries, whatever the ms', async () => {
  const log = createLogger('info', false);
  const line = (i: number): RequestLine => ({ service: 's3', operation: i % 2 ? 'GetObject' : 'Put"Object', principal: i % 3 ? `arn:aws:iam::123456789012:user/u${i % 5}` : undefined, status: 200 + i, errorCode: i % 4 ? undefined : 'NoSuchKey', ms: [0, 0.01, 0.1, 0.5, 1, 12.3, 12.34, 99999.99, 100000, 123456.78, 0.125, 1e21][i % 12]! });
  const lines = await captured(() => {
    for (let i = 0; i < 30; i++) {
      log.request(line(i));
      if (i % 10 === 9) log.warn({ i }, `after ${i}`);
    }
  });
  assert.equal(lines.length, 33);
  let next = 0;
  for (const text of lines) {
    const parsed = JSON.parse(text) as Record<string, unknown>;
    if (parsed.level === 40) {
      assert.equal(parsed.msg, `after ${next - 1}`);
      continue;
    }
    assert.deepEqual({ ...parsed, time: 0 }, { level: 30, time: 0, ...JSON.parse(JSON.stringify(line(next))) });
    // The very text info() writes for the same fields.
    const [slow] = await captured(() => log.info({ ...line(next) }));
    assert.equal(withoutTime(text), withoutTime(slow!));
    next++;
  }
});

test('ms is written as JavaScript writes the number', () => {
  for (let h = 0; h < 200_000; h += 7) assert.equal(msText(h / 100), String(h / 100));
  for (const ms of [0, 0.01, 0.09, 0.1, 0.99, 1, 9.9, 10, 99999.99, 100000, 100000.01, 1e7, 0.125, -1, 1e21, Number.NaN]) assert.equal(msText(ms), String(ms));
});

test('a burst is written without waiting for the timer; setLevel changes what is written from then on', async () => {
  const log = createLogger('info', false);
  const original = process.stdout.write.bind(process.stdout);
  let out = '';
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: never[]): boolean => (typeof chunk === 'string' ? ((out += chunk), true) : original(chunk, ...rest))) as typeof process.stdout.write;
  try {
    for (let i = 0; i < 600; i++) log.request({ service: 'sts', operation: 'GetCallerIdentity', principal: undefined, status: 200, errorCode: undefined, ms: 1 });
    // 512 queued lines go out at once; the rest wait for the timer.
    assert.equal(out.split('\n').filter(Boolean).length, 512);
    log.setLevel('silent');
    assert.equal(log.level, 'silent');
    assert.equal(log.isLevelEnabled('error'), false);
    log.request({ service: 'sts', operation: 'Hidden', principal: undefined, status: 200, errorCode: undefined, ms: 1 });
    log.setLevel('warn');
    log.request({ service: 'sts', operation: 'Hidden', principal: undefined, status: 200, errorCode: undefined, ms: 1 });
    log.warn({}, 'shown');
    log.setLevel('info');
    assert.equal(log.isLevelEnabled('info'), true);
    assert.equal(log.isLevelEnabled('debug'), false);
    log.request({ service: 'sts', operation: 'Shown', principal: undefined, status: 200, errorCode: undefined, ms: 1 });
    await new Promise((r) => setTimeout(r, 60));
  } finally {
    process.stdout.write = original;
  }
  const lines = out.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { operation?: string; msg?: string });
  assert.equal(lines.length, 602);
  assert.deepEqual(lines.slice(600).map((l) => l.operation ?? l.msg), ['shown', 'Shown']);
});
