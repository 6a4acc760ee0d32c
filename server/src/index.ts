// Programmatic use: start iamlocal inside a test process.
export { startServer, createContext, DEFAULT_DB_PATH, type RunningServer, type ServeOptions } from './server.ts';
export { createApp } from './http/app.ts';
export { DEFAULT_CONFIG, type ServerConfig, type ServerContext } from './context.ts';
export { FixtureError } from './store/fixtures.ts';
export { startIamlocal, type Iamlocal, type PrincipalRef, type Credentials } from './in-process.ts';
