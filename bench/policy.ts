import { GCProfiler, getHeapStatistics } from 'node:v8';
// Authorization cost of the pure engine: a principal with 10 attached policies of 10 statements each (wildcards
// and conditions), evaluated the way a request is (compiled once, context built per request).
import { evaluate, parsePolicy, type BoundPolicy, type RequestContext } from '../server/src/policy/index.ts';

export interface PolicyBench { p50us: number; p99us: number; decisionsPerSecond: number; allocatedBytesPerDecision: number }

export function benchAuthorization(iterations = 200_000): PolicyBench {
  const policies: BoundPolicy[] = Array.from({ length: 10 }, (_, p) => ({
    source: { id: `arn:aws:iam::123456789012:policy/p${p}`, kind: 'identity' as const },
    policy: parsePolicy(JSON.stringify({
      Version: '2012-10-17',
      Statement: Array.from({ length: 10 }, (_, s) => ({
        Sid: `S${s}`, Effect: 'Allow',
        Action: [`s3:Get*`, `s3:List*`, `dynamodb:Query${s}`],
        Resource: [`arn:aws:s3:::bucket-${p}-${s}/*`, `arn:aws:s3:::shared/\${aws:username}/*`],
        Condition: { IpAddress: { 'aws:SourceIp': ['10.0.0.0/8', '127.0.0.0/8'] }, StringLikeIfExists: { 's3:prefix': ['home/*', ''] }, Bool: { 'aws:SecureTransport': 'false' } },
      })),
    }), 'identity'),
  }));
  const context = (): RequestContext => new Map([
    ['aws:sourceip', ['127.0.0.1']], ['aws:username', ['alice']], ['aws:securetransport', ['false']], ['aws:currenttime', [new Date().toISOString()]],
  ]);
  const request = (i: number) => ({
    principal: { kind: 'user' as const, accountId: '123456789012', arn: 'arn:aws:iam::123456789012:user/alice' },
    action: 's3:GetObject', resource: i % 2 ? 'arn:aws:s3:::shared/alice/report.csv' : 'arn:aws:s3:::bucket-9-9/k',
    resourceAccount: '123456789012', context: context(), identityPolicies: policies,
  });
  for (let i = 0; i < 20_000; i++) evaluate(request(i));
  const samples = new Float64Array(iterations);
  let allowed = 0;
  const started = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) {
    const t = process.hrtime.bigint();
    if (evaluate(request(i)).allowed) allowed++;
    samples[i] = Number(process.hrtime.bigint() - t) / 1000;
  }
  const elapsedSeconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (allowed !== iterations) throw new Error(`expected every request to be allowed, got ${allowed}/${iterations}`);
  samples.sort();
  // Allocations of evaluate() alone: requests are built first, and the heap is followed across every GC meanwhile.
  const prebuilt = Array.from({ length: 20_000 }, (_, i) => request(i));
  const allocated = allocatedBytes(() => {
    for (const r of prebuilt) evaluate(r);
  });
  return {
    allocatedBytesPerDecision: allocated / prebuilt.length,
    p50us: samples[Math.floor(iterations * 0.5)]!, p99us: samples[Math.floor(iterations * 0.99)]!, decisionsPerSecond: iterations / elapsedSeconds,
  };
}

/** Bytes allocated on the V8 heap while `run` runs: used-heap growth, adding back what each GC in between freed. */
function allocatedBytes(run: () => void): number {
  const profiler = new GCProfiler();
  const before = getHeapStatistics().used_heap_size;
  profiler.start();
  run();
  const after = getHeapStatistics().used_heap_size;
  const gcs = profiler.stop()?.statistics ?? [];
  let allocated = 0;
  let last = before;
  for (const gc of gcs) {
    allocated += gc.beforeGC.heapStatistics.usedHeapSize - last;
    last = gc.afterGC.heapStatistics.usedHeapSize;
  }
  return allocated + (after - last);
}
