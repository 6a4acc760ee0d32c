// Jest for the consumer examples: ts-jest compiles TypeScript test files to CommonJS.
module.exports = {
  testEnvironment: 'node',
  testMatch: ['**/*.jest.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: { module: 'commonjs', target: 'es2022', esModuleInterop: true, strict: true, isolatedModules: true } }] },
};
