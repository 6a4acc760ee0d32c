import assert from 'node:assert/strict';
import { after, before, beforeEach } from 'node:test';
import { IAMClient } from '@aws-sdk/client-iam';
import { startIamlocal, type Iamlocal } from '../../server/src/in-process.ts';

/** The error an SDK v3 call was rejected with (name, message, HTTP status); fails the test if it succeeded. */
export async function rejection(promise: Promise<unknown>): Promise<{ name: string; message: string; status?: number }> {
  try {
    await promise;
  } catch (error) {
    const e = error as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
    return { name: e.name, message: e.message, status: e.$metadata?.httpStatusCode };
  }
  return assert.fail('expected the call to be rejected');
}

/**
 * One in-process iamlocal for a test file, reset to an empty account before each test, and an IAM client for its
 * root user, handed to `use` once started. Call at the top of the file.
 */
export function iamlocalPerFile(use: (started: { local: Iamlocal; iam: IAMClient }) => void): void {
  let started: { local: Iamlocal; iam: IAMClient } | undefined;
  before(async () => {
    const local = await startIamlocal();
    started = { local, iam: new IAMClient(local.clientConfig()) };
    use(started);
  });
  beforeEach(() => started!.local.reset('empty'));
  after(async () => {
    started!.iam.destroy();
    await started!.local.stop();
  });
}
