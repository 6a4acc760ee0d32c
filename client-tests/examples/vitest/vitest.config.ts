// The vitest example's configuration: npx vitest run --config client-tests/examples/vitest/vitest.config.ts
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    root: fileURLToPath(new URL('.', import.meta.url)),
    include: ['**/*.spec.ts'],
    // iamlocal runs inside each test file's worker: no global setup, no port.
    testTimeout: 15_000,
  },
});
