// The bench's load generator, run as its own process (bench/run.ts spawns it and talks over IPC) so that neither its
// CPU nor its event loop is the server's. It writes pre-built, pre-signed requests on raw keep-alive sockets
// (net.Socket, one request in flight per connection) and parses only what framing needs: the status line and
// Content-Length or chunked encoding. Bodies are counted, never buffered or decoded.
import net from 'node:net';
import { readFileSync } from 'node:fs';

export interface LoadJob {
  host: string;
  port: number;
  /** The whole request, head and body, as it goes on the wire. */
  request: string;
  connections: number;
  warmupMs: number;
  durationMs: number;
  /** The server process whose CPU (user + system, every thread) is read from /proc around the measured window. */
  serverPid?: number;
}

export interface LoadResult {
  requests: number;
  errors: number;
  /** Statuses seen that were not 2xx, first few, for the error message. */
  badStatuses: number[];
  rps: number;
  p50: number;
  p99: number;
  /** Server CPU per measured request, µs (undefined without serverPid). */
  serverCpuUs?: number;
  /** The generator's own CPU per request, µs, and as a share of one core. */
  generatorCpuUs: number;
  generatorCorePercent: number;
  responseBytes: number;
}

/** CPU seconds (user + system, all threads) a process has used, from /proc. */
export function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

const CRLFCRLF = Buffer.from('\r\n\r\n');

/** One keep-alive connection sending the same request again as soon as the previous response is complete. */
class Connection {
  private socket!: net.Socket;
  private head: Buffer | null = null;
  private state: 'head' | 'body' | 'chunk-size' | 'chunk-data' | 'trailer' | 'until-close' = 'head';
  /** The server closes the connection after this response (Connection: close, or HTTP/1.0 without keep-alive). */
  private closeAfter = false;
  private remaining = 0;
  private sizeLine = '';
  private sentAt = 0;
  private status = 0;
  private closed = false;

  constructor(private readonly job: LoadJob, private readonly wire: Buffer, private readonly onResponse: (status: number, ms: number, bytes: number) => void, private readonly onError: () => void) {
    this.connect();
  }

  private bytes = 0;

  private connect(): void {
    this.socket = net.connect({ host: this.job.host, port: this.job.port, noDelay: true });
    this.socket.on('connect', () => this.send());
    this.socket.on('data', (chunk: Buffer) => this.read(chunk));
    this.socket.on('error', () => undefined);
    const socket = this.socket;
    socket.on('close', () => {
      if (this.closed || socket !== this.socket) return;
      if (this.state === 'until-close') {
        // A body delimited by the end of the connection (no length, not chunked).
        this.closeAfter = true;
        this.complete();
        return;
      }
      // A server closing a keep-alive connection mid-response is an error of the run; start again on a new one.
      this.onError();
      this.head = null;
      this.state = 'head';
      this.connect();
    });
  }

  stop(): void {
    this.closed = true;
    this.socket.destroy();
  }

  private send(): void {
    if (this.closed) return;
    this.sentAt = performance.now();
    this.bytes = 0;
    this.socket.write(this.wire);
  }

  private complete(): void {
    this.onResponse(this.status, performance.now() - this.sentAt, this.bytes);
    this.state = 'head';
    if (this.closeAfter) {
      // A server that does not keep connections alive (moto's werkzeug, say): the next request on a new one.
      this.closeAfter = false;
      this.head = null;
      this.socket.destroy();
      this.connect();
      return;
    }
    this.send();
  }

  private read(chunk: Buffer): void {
    let data = chunk;
    let at = 0;
    while (at < data.length) {
      if (this.state === 'head') {
        if (this.head) {
          data = Buffer.concat([this.head, data.subarray(at)]);
          at = 0;
          this.head = null;
        }
        const end = data.indexOf(CRLFCRLF, at);
        if (end < 0) {
          this.head = Buffer.from(data.subarray(at));
          return;
        }
        const text = data.toString('latin1', at, end).toLowerCase();
        this.status = Number(text.slice(9, 12));
        this.closeAfter = /\r\nconnection: *close/.test(text) || (text.startsWith('http/1.0') && !/\r\nconnection: *keep-alive/.test(text));
        at = end + 4;
        const length = /\r\ncontent-length: *(\d+)/.exec(text);
        if (length) {
          this.remaining = Number(length[1]);
          this.state = 'body';
          if (this.remaining === 0) this.complete();
        } else if (/\r\ntransfer-encoding: *chunked/.test(text)) {
          this.state = 'chunk-size';
          this.sizeLine = '';
        } else if (this.closeAfter && this.status !== 204 && this.status !== 304) {
          this.state = 'until-close';
        } else {
          this.remaining = 0;
          this.complete();
        }
      } else if (this.state === 'until-close') {
        this.bytes += data.length - at;
        return;
      } else if (this.state === 'body' || this.state === 'chunk-data') {
        const take = Math.min(this.remaining, data.length - at);
        this.remaining -= take;
        this.bytes += take;
        at += take;
        if (this.remaining === 0) {
          if (this.state === 'body') this.complete();
          else { this.state = 'chunk-size'; this.sizeLine = ''; }
        }
      } else {
        // chunk-size and trailer: lines up to CRLF.
        const nl = data.indexOf(10, at);
        if (nl < 0) {
          this.sizeLine += data.toString('latin1', at);
          return;
        }
        const line = (this.sizeLine + data.toString('latin1', at, nl)).trim();
        this.sizeLine = '';
        at = nl + 1;
        if (this.state === 'trailer') {
          if (line === '') this.complete();
        } else if (line === '') {
          // The CRLF that ends a chunk's data.
        } else {
          const size = parseInt(line, 16);
          if (size === 0) this.state = 'trailer';
          else { this.remaining = size; this.state = 'chunk-data'; }
        }
      }
    }
  }
}

export async function runLoad(job: LoadJob): Promise<LoadResult> {
  const wire = Buffer.from(job.request, 'latin1');
  let measuring = false;
  let latencies = new Float64Array(1 << 16);
  let count = 0;
  let errors = 0;
  let responseBytes = 0;
  const badStatuses: number[] = [];
  const onResponse = (status: number, ms: number, bytes: number): void => {
    if (!measuring) return;
    if (status < 200 || status >= 300) {
      errors++;
      if (badStatuses.length < 5) badStatuses.push(status);
    }
    if (count === latencies.length) {
      const grown = new Float64Array(latencies.length * 2);
      grown.set(latencies);
      latencies = grown;
    }
    latencies[count++] = ms;
    responseBytes += bytes;
  };
  const connections = Array.from({ length: job.connections }, () => new Connection(job, wire, onResponse, () => { if (measuring) errors++; }));
  await new Promise((r) => setTimeout(r, job.warmupMs));
  measuring = true;
  const serverBefore = job.serverPid ? cpuSeconds(job.serverPid) : 0;
  const ownBefore = process.cpuUsage();
  const started = performance.now();
  await new Promise((r) => setTimeout(r, job.durationMs));
  measuring = false;
  const elapsed = (performance.now() - started) / 1000;
  const own = process.cpuUsage(ownBefore);
  const serverAfter = job.serverPid ? cpuSeconds(job.serverPid) : 0;
  for (const c of connections) c.stop();
  const sorted = latencies.subarray(0, count).sort();
  const pct = (p: number): number => sorted[Math.min(count - 1, Math.floor(count * p))] ?? 0;
  const ownUs = own.user + own.system;
  return {
    requests: count, errors, badStatuses, rps: count / elapsed, p50: pct(0.5), p99: pct(0.99),
    serverCpuUs: job.serverPid && count ? ((serverAfter - serverBefore) / count) * 1e6 : undefined,
    generatorCpuUs: count ? ownUs / count : 0, generatorCorePercent: (ownUs / 1e6 / elapsed) * 100, responseBytes: count ? responseBytes / count : 0,
  };
}

// As a child process: one job per message, one result per job.
if (process.send) {
  process.on('message', (job: LoadJob) => {
    void runLoad(job).then((result) => process.send!(result));
  });
  process.on('disconnect', () => process.exit(0));
}
