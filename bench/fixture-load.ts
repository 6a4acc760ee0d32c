// node --import tsx bench/fixture-load.ts [--objects N] [--via post|file] [--content-bytes B] [--timeline]
// Loads one bucket of N objects (default 1,000,000; keys as bench/s3-scale.ts makes them) as one JSON fixture document
// into a spawned server over a SQLite file: by POST /_iamlocal/fixtures, or as the file `serve --fixtures` loads at
// start. Reports the load's time, objects/s and the server's peak RSS (VmHWM) against its RSS before the load.
import { spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { objects: { type: 'string' }, via: { type: 'string' }, timeline: { type: 'boolean' }, 'content-bytes': { type: 'string' } } });
const OBJECTS = Number(values.objects ?? 1_000_000);
const VIA = values.via ?? 'post';
// Each object's body: its number, or (--content-bytes B) B bytes, as `npm run bench` loads 1 KiB objects.
const CONTENT_BYTES = values['content-bytes'] === undefined ? undefined : Number(values['content-bytes']);
const key = (i: number): string => `p${String(Math.floor(i / 1000)).padStart(4, '0')}/o${String(i).padStart(7, '0')}`;

/** CPU seconds (user + system) a process has used, from /proc. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function memory(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name: string): number => Number(new RegExp(`${name}:\\s+(\\d+)`).exec(status)?.[1] ?? 0) / 1024;
  return { rss: kb('VmRSS'), peak: kb('VmHWM') };
}

const dir = mkdtempSync(join(tmpdir(), 'iamlocal-fixture-load-'));
process.once('exit', () => rmSync(dir, { recursive: true, force: true }));

// The document written piece by piece, so the bench itself stays small.
const file = join(dir, 'bucket.json');
await new Promise<void>((resolve, reject) => {
  const out = createWriteStream(file);
  out.on('error', reject);
  out.write('{"buckets":[{"name":"seeded","objects":[');
  let chunk = '';
  for (let i = 0; i < OBJECTS; i++) {
    chunk += `${i ? ',' : ''}${JSON.stringify({ key: key(i), content: CONTENT_BYTES === undefined ? String(i) : String(i).padEnd(CONTENT_BYTES, '.') })}`;
    if (chunk.length > 1 << 16) { out.write(chunk); chunk = ''; }
  }
  out.end(`${chunk}]}]}`, resolve);
});
const size = statSync(file).size;

const args = ['--import', 'tsx', 'server/src/cli.ts', 'serve', '--port', '0', '--db', join(dir, 'db.sqlite'), '--log-level', 'silent'];
const started = performance.now();
const child = spawn(process.execPath, VIA === 'file' ? [...args, '--fixtures', file] : args, { stdio: ['ignore', 'pipe', 'inherit'] });
process.once('exit', () => child.kill('SIGKILL'));
const startTimeline: number[] = [];
const startSampler = setInterval(() => { try { startTimeline.push(Math.round(memory(child.pid!).rss)); } catch { /* not started yet */ } }, 500);
const endpoint = await new Promise<string>((resolve, reject) => {
  child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  child.stdout!.on('data', (d: Buffer) => {
    const m = /http:\/\/[\d.]+:\d+/.exec(d.toString());
    if (m) resolve(m[0]);
  });
});
const pid = child.pid!;
clearInterval(startSampler);
if (VIA === 'file') {
  if (values.timeline) console.log(`server RSS every 500 ms (MB): ${startTimeline.join(' ')}`);
  const seconds = (performance.now() - started) / 1000;
  console.log(`file of ${OBJECTS.toLocaleString('en-US')} objects (${(size / 1e6).toFixed(0)} MB) loaded at start: ${seconds.toFixed(1)} s (with the server's start), ${(OBJECTS / seconds).toFixed(0)} objects/s; server CPU ${cpuSeconds(pid).toFixed(1)} s; server peak RSS ${memory(pid).peak.toFixed(0)} MB, ${memory(pid).rss.toFixed(0)} MB after`);
} else {
  const before = memory(pid);
  const cpu = cpuSeconds(pid);
  const body = readFileSync(file);
  // RSS every 500 ms: where in the load the peak is (with --timeline).
  const timeline: number[] = [];
  const sampler = setInterval(() => timeline.push(Math.round(memory(pid).rss)), 500);
  const t = performance.now();
  const res = await fetch(`${endpoint}/_iamlocal/fixtures`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  if (!res.ok) throw new Error(`fixtures: ${res.status} ${await res.text()}`);
  const seconds = (performance.now() - t) / 1000;
  clearInterval(sampler);
  if (values.timeline) console.log(`server RSS every 500 ms (MB): ${timeline.join(' ')}`);
  console.log(`POST of ${OBJECTS.toLocaleString('en-US')} objects (${(size / 1e6).toFixed(0)} MB): ${seconds.toFixed(1)} s, ${(OBJECTS / seconds).toFixed(0)} objects/s; server CPU ${(cpuSeconds(pid) - cpu).toFixed(1)} s; server RSS ${before.rss.toFixed(0)} MB before, peak ${memory(pid).peak.toFixed(0)} MB, ${memory(pid).rss.toFixed(0)} MB after`);
}
child.kill('SIGTERM');
await new Promise((r) => child.once('exit', r));
