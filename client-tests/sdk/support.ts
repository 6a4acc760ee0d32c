import assert from 'node:assert/strict';

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
