// Shared by the robustness scripts (fuzz, crash-loop, concurrency) and their node:test versions: spawn a real
// server process, sign raw requests synchronously (SigV4, header or presigned, aws-chunked bodies) and send them.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, createHmac } from 'node:crypto';
import { Agent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { fileURLToPath } from 'node:url';
import { dirname, resolve } from 'node:path';
import { canonicalQuery, canonicalUri, deriveSigningKey, toAmzDate } from '../../server/src/auth/sigv4.ts';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const STORY = resolve(REPO, 'db/fixtures/seed-story.yaml');

export interface Credentials { accessKeyId: string; secretAccessKey: string; sessionToken?: string }
export const ROOT: Credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
/** The story's ready-made PowerUser session (see db/fixtures/seed-story.yaml). */
export const SAML: Credentials = { accessKeyId: 'ASIAEXAMPLESAMLLOGIN', secretAccessKey: 'saml-login-secret-access-key-example0000', sessionToken: 'saml-login-session-token-example' };

export interface SpawnedServer {
  url: string;
  host: string;
  child: ChildProcess;
  /** Everything the process wrote to stdout and stderr so far. */
  output: () => string;
  exited: Promise<number | null>;
  stop: (signal?: NodeJS.Signals) => Promise<number | null>;
}

/** Starts `iamlocal serve --port 0` as a child process and resolves with its URL once it prints it. */
export async function spawnServer(args: string[], env: NodeJS.ProcessEnv = {}): Promise<SpawnedServer> {
  const child = spawn(process.execPath, ['--import', 'tsx', resolve(REPO, 'server/src/cli.ts'), 'serve', '--port', '0', ...args], {
    cwd: REPO, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => { out += d; });
  child.stderr!.setEncoding('utf8').on('data', (d: string) => { out += d; });
  const exited = new Promise<number | null>((res) => child.once('exit', (code) => res(code)));
  const url = await new Promise<string>((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`server did not start:\n${out}`)), 30_000);
    const check = (): void => {
      const m = /^(http:\/\/\S+)$/m.exec(out);
      if (m) { clearTimeout(timer); child.stdout!.off('data', check); res(m[1]!); }
    };
    child.stdout!.on('data', check);
    void exited.then((code) => { clearTimeout(timer); rej(new Error(`server exited (${code}) before it was ready:\n${out}`)); });
  });
  return {
    url, host: new URL(url).host, child, output: () => out, exited,
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

const sha256Hex = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');
export const EMPTY_SHA256 = sha256Hex('');

export interface RawRequest {
  method: string;
  /** Path as sent, already percent-encoded. */
  path: string;
  /** Query string as sent, already encoded, without '?'. */
  query?: string;
  headers?: Record<string, string>;
  body?: Buffer;
}

export interface SignOptions {
  service: 'sts' | 'iam' | 's3';
  host: string;
  credentials?: Credentials;
  date?: Date;
  region?: string;
  /** S3: the x-amz-content-sha256 value (default: the body's hash). */
  payloadHash?: string;
}

export interface Signed { headers: Record<string, string>; signature: string; signingKey: Buffer; amzDate: string; scope: string }

/** Signs `req` in place of a client: adds host, x-amz-date, token and Authorization; every header present is signed. */
export function signRequest(req: RawRequest, o: SignOptions): Signed {
  const creds = o.credentials ?? ROOT;
  const amzDate = toAmzDate(o.date ?? new Date());
  const region = o.region ?? 'us-east-1';
  const headers: Record<string, string> = { ...req.headers, host: o.host, 'x-amz-date': amzDate };
  const body = req.body ?? Buffer.alloc(0);
  if (creds.sessionToken !== undefined) headers['x-amz-security-token'] = creds.sessionToken;
  const payload = o.service === 's3' ? (o.payloadHash ?? sha256Hex(body)) : sha256Hex(body);
  if (o.service === 's3') headers['x-amz-content-sha256'] = payload;
  const names = Object.keys(headers).map((n) => n.toLowerCase()).sort();
  const lower: Record<string, string> = {};
  for (const [n, v] of Object.entries(headers)) lower[n.toLowerCase()] = v;
  const canonicalHeaders = names.map((n) => `${n}:${lower[n]!.trim().replace(/\s+/g, ' ')}\n`).join('');
  const family = o.service === 's3' ? 's3' : 'query';
  const canonical = [req.method, canonicalUri(req.path, family), canonicalQuery(req.query ?? '', false), canonicalHeaders, names.join(';'), payload].join('\n');
  const scope = `${amzDate.slice(0, 8)}/${region}/${o.service}/aws4_request`;
  const signingKey = deriveSigningKey(creds.secretAccessKey, amzDate.slice(0, 8), region, o.service);
  const signature = createHmac('sha256', signingKey).update(`AWS4-HMAC-SHA256\n${amzDate}\n${scope}\n${sha256Hex(canonical)}`).digest('hex');
  headers.authorization = `AWS4-HMAC-SHA256 Credential=${creds.accessKeyId}/${scope}, SignedHeaders=${names.join(';')}, Signature=${signature}`;
  return { headers, signature, signingKey, amzDate, scope };
}

const enc = (s: string): string => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** A presigned (query-auth) version of `req`: returns the query string to send. `extra` params are signed too. */
export function presignQuery(req: RawRequest, o: SignOptions & { expires?: string }): string {
  const creds = o.credentials ?? ROOT;
  const amzDate = toAmzDate(o.date ?? new Date());
  const region = o.region ?? 'us-east-1';
  const scope = `${amzDate.slice(0, 8)}/${region}/${o.service}/aws4_request`;
  const params: [string, string][] = [
    ['X-Amz-Algorithm', 'AWS4-HMAC-SHA256'], ['X-Amz-Credential', `${creds.accessKeyId}/${scope}`], ['X-Amz-Date', amzDate],
    ['X-Amz-Expires', o.expires ?? '300'], ['X-Amz-SignedHeaders', 'host'],
  ];
  if (creds.sessionToken !== undefined) params.push(['X-Amz-Security-Token', creds.sessionToken]);
  const query = [req.query ?? '', ...params.map(([k, v]) => `${enc(k)}=${enc(v)}`)].filter((p) => p !== '').join('&');
  const family = o.service === 's3' ? 's3' : 'query';
  const canonical = [req.method, canonicalUri(req.path, family), canonicalQuery(query, false), `host:${o.host}\n`, 'host', o.service === 's3' ? 'UNSIGNED-PAYLOAD' : sha256Hex(req.body ?? '')].join('\n');
  const key = deriveSigningKey(creds.secretAccessKey, amzDate.slice(0, 8), region, o.service);
  const signature = createHmac('sha256', key).update(`AWS4-HMAC-SHA256\n${amzDate}\n${scope}\n${sha256Hex(canonical)}`).digest('hex');
  return `${query}&X-Amz-Signature=${signature}`;
}

/** A signed aws-chunked body (STREAMING-AWS4-HMAC-SHA256-PAYLOAD) for `data`, chained from the request's seed signature. */
export function chunkedBody(data: Buffer, chunkSize: number, seed: Signed): Buffer {
  const parts: Buffer[] = [];
  let previous = seed.signature;
  const chunks: Buffer[] = [];
  for (let i = 0; i < data.length; i += chunkSize) chunks.push(data.subarray(i, i + chunkSize));
  chunks.push(Buffer.alloc(0));
  for (const chunk of chunks) {
    const toSign = `AWS4-HMAC-SHA256-PAYLOAD\n${seed.amzDate}\n${seed.scope}\n${previous}\n${EMPTY_SHA256}\n${sha256Hex(chunk)}`;
    previous = createHmac('sha256', seed.signingKey).update(toSign).digest('hex');
    parts.push(Buffer.from(`${chunk.length.toString(16)};chunk-signature=${previous}\r\n`), chunk, Buffer.from('\r\n'));
  }
  return Buffer.concat(parts);
}

/** The encoded length of `chunkedBody(data, chunkSize, …)`, known before signing. */
export function chunkedLength(size: number, chunkSize: number): number {
  let total = 0;
  const sizes: number[] = [];
  for (let i = 0; i < size; i += chunkSize) sizes.push(Math.min(chunkSize, size - i));
  sizes.push(0);
  for (const s of sizes) total += s.toString(16).length + ';chunk-signature='.length + 64 + 2 + s + 2;
  return total;
}

export interface Answer { status: number; headers: IncomingHttpHeaders; body: Buffer; ms: number }

export class Timeout extends Error {}

/** Sends one request over `agent`; rejects with Timeout after `timeoutMs`. */
export function send(baseUrl: string, req: RawRequest, agent?: Agent, timeoutMs = 10_000): Promise<Answer> {
  const started = performance.now();
  const u = new URL(baseUrl);
  return new Promise<Answer>((res, rej) => {
    const r = httpRequest({
      host: u.hostname, port: u.port, method: req.method, path: `${req.path}${req.query ? `?${req.query}` : ''}`,
      headers: { ...req.headers, 'content-length': String(req.body?.length ?? 0) }, agent: agent ?? false, setHost: req.headers?.host === undefined,
    }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (c: Buffer) => chunks.push(c));
      response.on('end', () => { clearTimeout(timer); res({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks), ms: performance.now() - started }); });
      response.on('error', (e) => { clearTimeout(timer); rej(e); });
    });
    const timer = setTimeout(() => { r.destroy(new Timeout(`no answer within ${timeoutMs} ms: ${req.method} ${req.path}`)); }, timeoutMs);
    r.on('error', (e) => { clearTimeout(timer); rej(e); });
    r.end(req.body);
  });
}

/** A signed query-protocol (STS/IAM) call. */
export function queryCall(host: string, service: 'sts' | 'iam', params: Record<string, string>, credentials: Credentials = ROOT): RawRequest {
  const body = Buffer.from(new URLSearchParams({ Version: service === 'sts' ? '2011-06-15' : '2010-05-08', ...params }).toString());
  const req: RawRequest = { method: 'POST', path: '/', headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' }, body };
  req.headers = signRequest(req, { service, host, credentials }).headers;
  return req;
}

/** A signed S3 call; `path` and `query` as sent (already encoded). */
export function s3Call(host: string, method: string, path: string, body: Buffer | string = '', headers: Record<string, string> = {}, query = '', credentials: Credentials = ROOT): RawRequest {
  const req: RawRequest = { method, path, query, headers, body: typeof body === 'string' ? Buffer.from(body) : body };
  req.headers = signRequest(req, { service: 's3', host, credentials }).headers;
  return req;
}

export const codeOf = (text: string): string | undefined => /<Code>([^<]*)<\/Code>/.exec(text)?.[1];

/** PRAGMA integrity_check on a database file (opened read-only beside whatever else has it open). */
export async function integrityCheck(dbPath: string): Promise<string> {
  const { default: Database } = await import('better-sqlite3');
  const db = new Database(dbPath, { readonly: true, fileMustExist: true });
  try {
    return (db.pragma('integrity_check', { simple: true }) as string);
  } finally {
    db.close();
  }
}
