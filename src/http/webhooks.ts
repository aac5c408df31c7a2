/**
 * The webhook listener: `POST /hooks/<integration>[/<instance>]`, one route per integration of
 * the registry that has a webhook. Its handler validates the body (or hands it to the
 * integration's running part); the 2xx is only sent once the resulting change is durably stored.
 */
import express, { type NextFunction, type Request, type Response } from 'express';
import { boundEvent } from '../adapters/bounds.js';
import type { AnimeRules, SourceNotice } from '../adapters/types.js';
import { WEBHOOK_BODY_LIMIT_BYTES } from '../config/schema.js';
import { StorageUnavailableError, type Engine } from '../engine/index.js';
import { REGISTRY, type Registry } from '../integrations/registry.js';
import { createShared } from '../integrations/runtime.js';
import type { SharedServices, WebhookHandler } from '../integrations/types.js';
import { errorMessage, redact, type Logger } from '../log.js';
import { isAuthorised } from './auth.js';

export interface WebhookRoute {
  handle: WebhookHandler;
  /** The segment after the id names an instance (documented as `[/<name>]`). */
  named: boolean;
  /** The segment is not an instance: receipts count under the id alone. */
  dropsInstance: boolean;
}

/** What the integrations' handlers get: the anime rules, the shared services, their running parts. */
export interface WebhookRuntime {
  anime: AnimeRules;
  shared: SharedServices;
  own(id: string): unknown;
  log: Logger;
}

/**
 * The routes by id. A Map, not an object literal: a route segment such as `constructor` or
 * `__proto__` must not find an inherited property.
 */
export function webhookRoutes(registry: Registry, runtime: WebhookRuntime): ReadonlyMap<string, WebhookRoute> {
  const routes = new Map<string, WebhookRoute>();
  for (const d of registry) {
    if (!d.webhook) continue;
    const handle = d.webhook.create({ anime: runtime.anime, shared: runtime.shared, own: () => runtime.own(d.id), log: runtime.log });
    routes.set(d.id, { handle, named: d.webhook.named ?? false, dropsInstance: d.webhook.dropsInstance ?? false });
  }
  return routes;
}

/** The route segments (integration ids) that take webhooks. */
export function webhookSources(registry: Registry = REGISTRY): string[] {
  return registry.filter((d) => d.webhook).map((d) => d.id);
}

export interface WebhookServerOptions {
  secret: string;
  anime: AnimeRules;
  engine: Engine;
  log: Logger;
  /** The routes (default: the built-in registry's, with nothing running: Jellyfin's answers 503). */
  routes?: ReadonlyMap<string, WebhookRoute>;
  /** Called for every valid webhook, e.g. to show "last event received" per source. */
  onReceived?: (source: string, instance: string | undefined) => void;
  /** What a source said about itself (a Sonarr/Radarr health check): for the source health. */
  onNotices?: (source: string, notices: readonly SourceNotice[]) => void;
}

/**
 * Sends a JSON answer. Answers may quote the sender's input (a bad value, a JSON parse error, an
 * unknown route segment), so configured secrets are masked there as they are in the log.
 */
function reply(res: Response, status: number, body: unknown): void {
  res
    .status(status)
    .type('application/json')
    .send(redact(JSON.stringify(body)));
}

export function createWebhookApp(opts: WebhookServerOptions): express.Express {
  const routes = opts.routes ?? webhookRoutes(REGISTRY, { anime: opts.anime, shared: createShared(), own: () => null, log: opts.log });
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);

  app.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });

  // Authenticate before reading the body: an unauthenticated sender gets nothing parsed.
  app.use('/hooks', (req, res, next) => {
    if (isAuthorised(req, opts.secret)) return next();
    res.set('WWW-Authenticate', 'Basic realm="media-tracker", charset="UTF-8"');
    reply(res, 401, { error: 'missing or wrong webhook secret (use Authorization: Bearer <secret>, HTTP Basic with the secret as password, or ?token=<secret>)' });
  });

  // Jellyfin's webhook plugin posts JSON as text/plain, so every content type is read as text.
  app.use('/hooks', express.text({ type: () => true, limit: WEBHOOK_BODY_LIMIT_BYTES, defaultCharset: 'utf-8' }));

  /** Reads the body as JSON, or answers 400 and returns undefined. */
  const readJson = (req: Request, res: Response): unknown => {
    const text = typeof req.body === 'string' ? req.body : '';
    if (text.trim() === '') {
      reply(res, 400, { error: 'empty body: expected a JSON object' });
      return undefined;
    }
    try {
      return JSON.parse(text) as unknown;
    } catch (err) {
      reply(res, 400, { error: `body is not valid JSON: ${errorMessage(err)}` });
      return undefined;
    }
  };

  const handle = async (req: Request, res: Response): Promise<void> => {
    const source = String(req.params.source);
    const route = routes.get(source);
    if (!route) {
      reply(res, 404, { error: `unknown webhook source "${source}"; expected one of ${[...routes.keys()].join(', ')}` });
      return;
    }
    const body = readJson(req, res);
    if (body === undefined) return;
    const instance = !route.dropsInstance && typeof req.params.instance === 'string' ? req.params.instance : undefined;
    const outcome = await route.handle({ body, raw: req.body as string, ...(instance ? { instance } : {}) });
    if (outcome.kind === 'invalid') {
      reply(res, 400, { error: `invalid ${source} payload`, fields: outcome.errors });
      return;
    }
    opts.onReceived?.(source, instance);
    if (outcome.kind === 'events' && outcome.notices && outcome.events.length === 0) {
      opts.onNotices?.(source, outcome.notices);
      reply(res, 200, { status: 'ok', note: outcome.note });
      return;
    }
    if (outcome.kind === 'ignored' || (outcome.kind === 'events' && outcome.events.length === 0)) {
      reply(res, 200, { status: 'ignored', note: outcome.note });
      return;
    }
    if (outcome.kind === 'unavailable') {
      reply(res, 503, { error: outcome.error });
      return;
    }
    try {
      if (outcome.kind === 'handled') {
        const out = await outcome.run();
        reply(res, 200, { status: 'ok', note: out.note, results: out.results });
        return;
      }
      const results = await opts.engine.ingest(outcome.events.map(boundEvent));
      reply(res, 200, { status: 'ok', note: outcome.note, results });
    } catch (err) {
      if (err instanceof StorageUnavailableError) {
        // A handled hint reports on its own; events that could not be stored are logged here.
        if (outcome.kind === 'events') opts.log.error(`${source} webhook not stored: ${err.message}`);
        reply(res, 503, { error: err.message });
        return;
      }
      throw err;
    }
  };
  app.post('/hooks/:source', handle);
  app.put('/hooks/:source', handle);
  app.post('/hooks/:source/:instance', handle);
  app.put('/hooks/:source/:instance', handle);

  const documented = [...routes].map(([id, r]) => `/hooks/${id}${r.named ? '[/<name>]' : ''}`).join(', ');
  app.use((_req, res) => {
    reply(res, 404, { error: `not found; webhooks are POST ${documented}` });
  });

  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const e = err as { type?: string; status?: number; message?: string };
    if (e.type === 'entity.too.large') {
      reply(res, 413, { error: `body larger than ${WEBHOOK_BODY_LIMIT_BYTES} bytes` });
      return;
    }
    if (typeof e.status === 'number' && e.status >= 400 && e.status < 500) {
      reply(res, e.status, { error: e.message ?? 'bad request' });
      return;
    }
    opts.log.error(`webhook handler failed: ${errorMessage(err)}`);
    reply(res, 500, { error: 'internal error; see the add-on log' });
  });
  return app;
}
