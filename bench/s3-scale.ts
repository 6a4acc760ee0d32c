// npm run bench:s3 — S3 scale checks: server RSS while a 1 GiB object streams in and out, and the time to seed
// 100,000 objects through the admin fixtures API. Uses a spawned server so its memory is measured on its own.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { parseArgs } from 'node:util';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';

const { values } = parseArgs({ options: { gib: { type: 'string' }, objects: { type: 'string' } } });
const BYTES = Math.round(Number(values.gib ?? 1) * 1024 ** 3);
const OBJECTS = Number(values.objects ?? 100_000);

function memory(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const mb = (name: string): number => Number(new RegExp(`${name}:\\s+(\\d+)`).exec(status)?.[1] ?? 0) / 1024;
  return { rss: mb('VmRSS'), peak: mb('VmHWM') };
}

const dir = mkdtempSync(join(tmpdir(), 'iamlocal-s3-scale-'));
const child = spawn(process.execPath, ['--import', 'tsx', 'server/src/cli.ts', 'serve', '--port', '0', '--db', join(dir, 'db.sqlite'), '--log-level', 'silent'], { stdio: ['ignore', 'pipe', 'inherit'] });
try {
  const endpoint = await new Promise<string>((resolve) => child.stdout!.on('data', (d: Buffer) => {
    const m = /http:\/\/[\d.]+:\d+/.exec(d.toString());
    if (m) resolve(m[0]);
  }));
  const s3 = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  const idle = memory(child.pid!);
  await fetch(`${endpoint}/_iamlocal/fixtures`, { method: 'POST', body: 'buckets:\n  - name: scale\n' });

  // A generated stream: the client never holds the object either.
  const chunk = Buffer.alloc(1024 * 1024, 'z');
  let sent = 0;
  const body = new Readable({ read() { if (sent >= BYTES) this.push(null); else { const n = Math.min(chunk.length, BYTES - sent); sent += n; this.push(chunk.subarray(0, n)); } } });
  let started = performance.now();
  await new Upload({ client: s3, params: { Bucket: 'scale', Key: 'big.bin', Body: body }, partSize: 64 * 1024 * 1024, queueSize: 2 }).done();
  const uploadSeconds = (performance.now() - started) / 1000;
  const afterUpload = memory(child.pid!);
  started = performance.now();
  const got = await s3.send(new GetObjectCommand({ Bucket: 'scale', Key: 'big.bin' }));
  let received = 0;
  for await (const part of got.Body as Readable) received += (part as Buffer).length;
  const downloadSeconds = (performance.now() - started) / 1000;
  if (received !== BYTES) throw new Error(`downloaded ${received} of ${BYTES} bytes`);
  const afterDownload = memory(child.pid!);

  const objects = Array.from({ length: OBJECTS }, (_, i) => `      - key: seed/${String(i).padStart(6, '0')}.txt\n        content: "${i}"`).join('\n');
  const fixture = `buckets:\n  - name: seeded\n    objects:\n${objects}\n`;
  started = performance.now();
  const res = await fetch(`${endpoint}/_iamlocal/fixtures`, { method: 'POST', body: fixture });
  if (!res.ok) throw new Error(await res.text());
  const seedSeconds = (performance.now() - started) / 1000;

  console.log(`1 object of ${(BYTES / 1024 ** 3).toFixed(2)} GiB: upload ${uploadSeconds.toFixed(1)} s, download ${downloadSeconds.toFixed(1)} s`);
  console.log(`server RSS: idle ${idle.rss.toFixed(0)} MB, after upload ${afterUpload.rss.toFixed(0)} MB, after download ${afterDownload.rss.toFixed(0)} MB, peak ${afterDownload.peak.toFixed(0)} MB`);
  console.log(`seeding ${OBJECTS} objects through POST /_iamlocal/fixtures: ${seedSeconds.toFixed(1)} s`);
} finally {
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  rmSync(dir, { recursive: true, force: true });
}
