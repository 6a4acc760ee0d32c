// Admin routes for credential bindings (/_iamlocal/credential-bindings): make a workload run as a role through the
// container endpoint or an instance metadata listener, as `iamlocal exec` does.
import type { Request, Response, Router } from 'express';
import type { ExpressModule } from './express-module.ts';
import type { ServerContext } from '../context.ts';
import { BindingError, credentialBindings, type Binding, type BindingRequest } from '../services/credentials-endpoint/bindings.ts';
import { startInstanceMetadata } from './credential-endpoints.ts';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Instance metadata URLs of the bindings that have a listener. */
const imdsUrls = new WeakMap<Binding, string>();

function view(ctx: ServerContext, binding: Binding, base: string): Record<string, unknown> {
  const { current, instanceId, ...rest } = binding;
  const imds = imdsUrls.get(binding);
  return {
    ...rest, region: ctx.config.region, currentAccessKeyId: current?.accessKeyId ?? null, currentExpiration: current?.expiration ?? null,
    ...(binding.kind === 'imds' ? { instanceId, imdsEndpoint: imds ?? null } : { credentialsUri: `${base}/_iamlocal/credentials` }),
  };
}

export function credentialBindingsRouter(ctx: ServerContext, express: ExpressModule): Router {
  const router = express.Router();
  const json = express.json({ limit: '1mb' });
  const bindings = credentialBindings(ctx);
  const base = (req: Request): string => `http://${req.headers.host ?? '127.0.0.1'}`;

  /** Body: {role, kind?: ecs|eks|imds|auto, sessionName?, durationSeconds?, testOnlyDurationSeconds?, policy?, instanceProfile?, httpTokens?, launchedBy?, imdsListener?: false}. */
  router.post('/', json, async (req: Request, res: Response) => {
    if (!isObject(req.body)) return res.status(400).json({ error: 'the body must be a JSON object', code: 'ValidationError' });
    const body = req.body as BindingRequest & { imdsListener?: unknown };
    let binding: Binding;
    try {
      binding = bindings.create(body, ctx.now());
    } catch (error) {
      if (error instanceof BindingError) return res.status(error.status).json({ error: error.message, code: error.code });
      throw error;
    }
    if (binding.kind === 'imds' && body.imdsListener !== false) {
      // Listen where the caller reached this server: loopback for local use, the container address under docker.
      const host = (req.socket.localAddress ?? '127.0.0.1').replace(/^::ffff:/, '');
      try {
        imdsUrls.set(binding, await startInstanceMetadata(ctx, binding, host));
      } catch (error) {
        bindings.delete(binding.id);
        throw error;
      }
    }
    res.status(201).json(view(ctx, binding, base(req)));
  });

  router.get('/', (req, res) => {
    res.json({ bindings: bindings.list().map((b) => view(ctx, b, base(req))) });
  });

  router.get('/:id', (req, res) => {
    const binding = bindings.get(req.params.id ?? '');
    if (!binding) return res.status(404).json({ error: `no credential binding ${req.params.id}` });
    res.json(view(ctx, binding, base(req)));
  });

  router.delete('/:id', (req, res) => {
    if (!bindings.delete(req.params.id ?? '')) return res.status(404).json({ error: `no credential binding ${req.params.id}` });
    res.status(204).end();
  });

  return router;
}
