// Programmatic use: start iamlocal inside a test process.
export { startServer, createContext, DEFAULT_DB_PATH, IN_PROCESS_URL, type RunningServer, type ServeOptions } from './server.ts';
export { createApp } from './http/app.ts';
export { DEFAULT_CONFIG, type ServerConfig, type ServerContext } from './context.ts';
export { FixtureError } from './store/fixtures.ts';
export { startIamlocal, type Iamlocal, type PrincipalRef, type Credentials, type StartOptions, type ClientConfigOptions, type IamlocalClientConfig } from './in-process.ts';
export { InProcessHttpHandler, type InProcessHandlerConfig } from './testing/http-handler.ts';
export { routeThroughIamlocal, type ClientMockLike, type CommandClass, type RouteOptions } from './testing/client-mock.ts';
