import { Duplex } from 'node:stream';

/**
 * One end of an in-memory connection: what one side writes, the other reads. Enough of net.Socket's surface for
 * node:http on both sides (the server through its 'connection' event, the client through `createConnection`).
 */
export class MemorySocket extends Duplex {
  peer: MemorySocket | undefined;
  readonly remoteAddress = '127.0.0.1';
  readonly remoteFamily = 'IPv4';
  readonly localAddress = '127.0.0.1';
  readonly remotePort: number;
  readonly localPort: number;
  readonly connecting = false;
  /** The peer's write waiting for this side to read (backpressure). */
  private blocked: (() => void) | undefined;

  constructor(localPort: number, remotePort: number) {
    super({ allowHalfOpen: true });
    this.localPort = localPort;
    this.remotePort = remotePort;
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    const peer = this.peer;
    if (!peer || peer.destroyed || peer.readableEnded) {
      callback(Object.assign(new Error('write after the other end closed'), { code: 'EPIPE' }));
      return;
    }
    if (peer.push(chunk)) callback();
    else peer.blocked = () => callback();
  }

  override _read(): void {
    // Reading resumes the peer's write that was waiting for room.
    const resume = this.blocked;
    this.blocked = undefined;
    resume?.();
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.peer?.endReading();
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    // Like a closed TCP socket: the peer reads what was already sent, then end of stream.
    // A peer write waiting for this side completes; its next write fails with EPIPE.
    const resume = this.blocked;
    this.blocked = undefined;
    resume?.();
    if (this.peer) {
      this.peer.blocked = undefined;
      this.peer.endReading();
    }
    callback(error);
  }

  private endReading(): void {
    if (!this.destroyed && !this.readableEnded && this.readable) this.push(null);
  }

  /** As net.Socket: end, and destroy once everything written has been taken (unread input is dropped). */
  destroySoon(): void {
    if (this.writable) this.end();
    if (this.writableFinished) this.destroy();
    else this.once('finish', () => this.destroy());
  }

  // net.Socket methods node:http calls; nothing to do in memory.
  setNoDelay(_noDelay?: boolean): this { return this; }
  setKeepAlive(_enable?: boolean, _delay?: number): this { return this; }
  setTimeout(_ms: number, _callback?: () => void): this { return this; }
  ref(): this { return this; }
  unref(): this { return this; }
  address(): { address: string; family: string; port: number } { return { address: this.localAddress, family: 'IPv4', port: this.localPort }; }
}

let nextPort = 40000;

/** A connected pair: [client end, server end]. */
export function socketPair(): [MemorySocket, MemorySocket] {
  const clientPort = nextPort;
  nextPort = nextPort >= 65000 ? 40000 : nextPort + 1;
  const client = new MemorySocket(clientPort, 443);
  const server = new MemorySocket(443, clientPort);
  client.peer = server;
  server.peer = client;
  return [client, server];
}
