// npm run bench:in-process [-- --duration S] [--concurrency N]
// GetCallerIdentity from one SDK v3 STSClient: in-process handler (no socket) vs the SDK's own handler over TCP
// (keep-alive), against the same iamlocal. Sequential (concurrency 1) and with N requests in flight.
import { parseArgs } from 'node:util';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { startIamlocal } from '../server/src/in-process.ts';

const { values } = parseArgs({ options: { duration: { type: 'string' }, concurrency: { type: 'string' } } });
const DURATION_MS = Number(values.duration ?? 3) * 1000;
const CONCURRENCY = Number(values.concurrency ?? 16);

async function measure(client: STSClient, concurrency: number): Promise<number> {
  // Warm-up: credentials resolution, endpoint rules, JIT.
  for (let i = 0; i < 200; i++) await client.send(new GetCallerIdentityCommand({}));
  let done = 0;
  const end = performance.now() + DURATION_MS;
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (performance.now() < end) {
      await client.send(new GetCallerIdentityCommand({}));
      done += 1;
    }
  }));
  return done / ((performance.now() - started) / 1000);
}

const local = await startIamlocal();
const rows: Array<{ mode: string; concurrency: number; rps: number }> = [];
for (const concurrency of [1, CONCURRENCY]) {
  const socket = new STSClient(local.clientConfig('root'));
  const inProcess = new STSClient(local.clientConfig('root', { inProcess: true }));
  rows.push({ mode: 'socket (TCP, keep-alive)', concurrency, rps: await measure(socket, concurrency) });
  rows.push({ mode: 'in-process', concurrency, rps: await measure(inProcess, concurrency) });
  socket.destroy();
  inProcess.destroy();
}
await local.stop();
console.log(`GetCallerIdentity, one STSClient, ${DURATION_MS / 1000} s each, node ${process.version}`);
for (const r of rows) console.log(`${r.mode.padEnd(26)} concurrency ${String(r.concurrency).padStart(3)}  ${r.rps.toFixed(0).padStart(6)} req/s`);
