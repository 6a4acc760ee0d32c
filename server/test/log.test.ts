// The request log: the line written by Logger.request (built field by field, for speed) is the JSON line info() writes
// for the same fields, in the same key order, with the same omissions and escaping.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger, type RequestLine } from '../src/log.ts';

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
    // Lines are batched for a few milliseconds.
    await new Promise((r) => setTimeout(r, 30));
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
