// vitest for the consumer examples.
import { defineConfig } from 'vitest/config';

export default defineConfig({ test: { include: ['**/*.spec.ts'], exclude: ['**/node_modules/**'], testTimeout: 15_000 } });
