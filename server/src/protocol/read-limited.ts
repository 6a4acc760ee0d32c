import type { Readable } from 'node:stream';
import { AwsError, incompleteBody } from '../errors.ts';

/**
 * Reads a whole (small) body, failing once it exceeds `limit` bytes. The rest of an oversized body is then read and
 * dropped, never destroyed: destroying the request would reset the connection before the client sees the error.
 */
export function readLimited(stream: Readable, limit: number, tooLarge: () => AwsError): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = (): void => {
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('error', onError);
      stream.off('close', onClose);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size <= limit) {
        chunks.push(chunk);
        return;
      }
      cleanup();
      // A verifying stream may still fail later (signature, checksum); nobody is listening for that any more.
      stream.on('error', () => undefined);
      stream.resume();
      reject(tooLarge());
    };
    const onEnd = (): void => {
      cleanup();
      resolve(Buffer.concat(chunks));
    };
    const onError = (error: Error): void => {
      cleanup();
      reject(error);
    };
    const onClose = (): void => {
      cleanup();
      reject(incompleteBody());
    };
    if (stream.readableEnded) {
      resolve(Buffer.alloc(0));
      return;
    }
    if (stream.destroyed) {
      onClose();
      return;
    }
    stream.on('data', onData);
    stream.on('end', onEnd);
    stream.on('error', onError);
    stream.on('close', onClose);
  });
}
