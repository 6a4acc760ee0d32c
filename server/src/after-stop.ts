// Callbacks run once, after the first server of the process has stopped: by then its requests have compiled what they
// use. The code cache loader (code-cache.ts, dist/loader.cjs) registers one to write V8's code cache of the bundle.
const callbacks: Array<() => void> = [];

export function afterServerStopped(callback: () => void): void {
  callbacks.push(callback);
}

export function serverStopped(): void {
  for (const callback of callbacks.splice(0)) callback();
}
