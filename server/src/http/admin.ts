import express, { type Request, type Response, type Router } from 'express';
import { parse as parseYaml } from 'yaml';
import type { ServerContext } from '../context.ts';
import { applyFixtures, FixtureError } from '../store/fixtures.ts';
import { listSnapshots, resetState, restoreSnapshot, SnapshotError, takeSnapshot } from '../store/snapshots.ts';
import { exportState } from '../store/state.ts';

function badRequest(res: Response, message: string): void {
  res.status(400).json({ error: message });
}

/** Introspection and test-control routes under /_iamlocal/ (JSON in and out; fixtures also accept YAML). */
export function adminRouter(ctx: ServerContext): Router {
  const router = express.Router();
  const text = express.text({ type: () => true, limit: '256mb' });

  router.get('/health', (_req, res) => {
    res.json({ status: 'ok', accountId: ctx.config.accountId, region: ctx.config.region });
  });

  router.get('/decisions', (req, res) => {
    const q = new URLSearchParams(req.originalUrl.split('?')[1] ?? '');
    const decision = q.get('decision');
    if (decision !== null && decision !== 'allow' && decision !== 'deny') return badRequest(res, "decision must be 'allow' or 'deny'");
    const limit = Math.min(Math.max(Number(q.get('limit') ?? 100) || 100, 1), 1000);
    res.json({
      decisions: ctx.decisions.list({
        principal: q.get('principal') ?? undefined, action: q.get('action') ?? undefined, decision: decision ?? undefined, since: q.get('since') ?? undefined, limit,
      }),
    });
  });

  router.get('/state', (_req, res) => {
    res.json(exportState(ctx));
  });

  router.post('/fixtures', text, (req: Request, res: Response) => {
    let doc: unknown;
    try {
      doc = parseYaml(typeof req.body === 'string' ? req.body : '');
    } catch (error) {
      return badRequest(res, `request body: not YAML or JSON: ${error instanceof Error ? error.message : String(error)}`);
    }
    try {
      applyFixtures(ctx, doc, 'request body');
    } catch (error) {
      if (error instanceof FixtureError) return badRequest(res, error.message);
      throw error;
    }
    res.json({ loaded: true });
  });

  router.post('/reset', (req, res) => {
    const to = new URLSearchParams(req.originalUrl.split('?')[1] ?? '').get('to') ?? 'fixtures';
    if (to !== 'empty' && to !== 'fixtures') return badRequest(res, "to must be 'empty' or 'fixtures'");
    resetState(ctx, to);
    res.json({ reset: to });
  });

  router.get('/snapshots', (_req, res) => {
    res.json({ snapshots: listSnapshots(ctx) });
  });

  router.post('/snapshots/:name', async (req, res) => {
    try {
      await takeSnapshot(ctx, String(req.params.name));
    } catch (error) {
      if (error instanceof SnapshotError) return badRequest(res, error.message);
      throw error;
    }
    res.json({ snapshot: req.params.name });
  });

  router.post('/snapshots/:name/restore', (req, res) => {
    try {
      restoreSnapshot(ctx, String(req.params.name));
    } catch (error) {
      if (error instanceof SnapshotError) return res.status(404).json({ error: error.message });
      throw error;
    }
    res.json({ restored: req.params.name });
  });

  router.use((_req, res) => {
    res.status(404).json({ error: 'no such admin route' });
  });
  return router;
}
