// POST /_iamlocal/fixtures bodies, written to a private temporary file as they arrive instead of held in memory, so
// a large JSON document can be applied a piece at a time from it (applyFixtureStream). Bodies Express's text parser
// would have decoded differently (another charset, a content encoding) still go through it.
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Request } from 'express';

/** What express.text({ limit: '256mb' }) allowed. */
export const FIXTURE_BODY_LIMIT = 256 * 1024 * 1024;

export interface SpooledBody {
  path: string;
  size: number;
  /** Removes the file (and its directory). */
  remove(): void;
}

/** Whether the body is UTF-8 as sent (what the spooled file holds is then exactly what the text parser would decode). */
export function spoolable(req: Request): boolean {
  const encoding = (req.headers['content-encoding'] ?? 'identity').toLowerCase();
  if (encoding !== 'identity') return false;
  const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(req.headers['content-type'] ?? '')?.[1];
  return charset === undefined || /^utf-?8$/i.test(charset);
}

/** As body-parser's: status 413, type entity.too.large (the admin error handler answers 413 "request body: too large"). */
function tooLarge(): Error {
  return Object.assign(new Error('request entity too large'), { status: 413, type: 'entity.too.large', expose: true });
}

/**
 * Writes the request's body to a new file (mode 0600, in a directory of its own). Over the limit (by Content-Length,
 * or as it arrives), the rest is read off and discarded, as body-parser does, and the promise fails with a 413 error.
 */
export function spoolBody(req: Request, limit = FIXTURE_BODY_LIMIT): Promise<SpooledBody> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    let failed: Error | undefined = Number.isFinite(declared) && declared > limit ? tooLarge() : undefined;
    let dir: string | undefined;
    let fd: number | undefined;
    let size = 0;
    const cleanup = (): void => {
      if (fd !== undefined) { closeSync(fd); fd = undefined; }
      if (dir !== undefined) { rmSync(dir, { recursive: true, force: true }); dir = undefined; }
    };
    try {
      if (!failed) {
        dir = mkdtempSync(join(tmpdir(), 'iamlocal-fixtures-'));
        fd = openSync(join(dir, 'body'), 'wx', 0o600);
      }
    } catch (error) {
      cleanup();
      reject(error instanceof Error ? error : new Error(String(error)));
      return;
    }
    req.on('data', (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > limit) {
        failed = tooLarge();
        cleanup();
        return;
      }
      try {
        writeSync(fd!, chunk);
      } catch (error) {
        failed = error instanceof Error ? error : new Error(String(error));
        cleanup();
      }
    });
    req.once('error', (error) => { cleanup(); reject(error); });
    req.once('end', () => {
      if (failed) { cleanup(); reject(failed); return; }
      closeSync(fd!);
      fd = undefined;
      const path = join(dir!, 'body');
      resolve({ path, size, remove: cleanup });
    });
  });
}
