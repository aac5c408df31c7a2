/**
 * The webhook listener: `POST /hooks/{jellyseerr,sonarr,radarr}[/<instance>]`. The body is
 * validated by the source's adapter; the 2xx is only sent once the resulting change is
 * durably stored.
 */
import express, { type NextFunction, type Request, type Response } from 'express';
import { boundEvent } from '../adapters/bounds.js';
import { parseJellyfin, type JellyfinHint } from '../integrations/jellyfin/adapter.js';
import { parseJellyseerr } from '../integrations/jellyseerr/adapter.js';
import { parseRadarr } from '../integrations/radarr/adapter.js';
import { parseSonarr } from '../integrations/sonarr/adapter.js';
import type { AdapterContext, AnimeRules, ParseResult } from '../adapters/types.js';
import { WEBHOOK_BODY_LIMIT_BYTES } from '../config/schema.js';
import { StorageUnavailableError, type Engine } from '../engine.js';
import { errorMessage, redact, type Logger } from '../log.js';
import { isAuthorised } from './auth.js';

type Parser = (body: unknown, ctx: AdapterContext) => ParseResult;

/**
 * The routes and their parsers. A Map, not an object literal: a route segment such as
 * `constructor` or `__proto__` must not find an inherited property.
 */
export const WEBHOOK_SOURCES: ReadonlyMap<string, Parser> = new Map<string, Parser>([
  ['jellyseerr', parseJellyseerr],
  ['sonarr', parseSonarr],
  ['radarr', parseRadarr],
]);

/** Handles a Jellyfin webhook hint (verification against the API, or the webhook alone). */
export type JellyfinHintHandler = (hint: JellyfinHint) => Promise<{ note: string; results: unknown[] }>;

export interface WebhookServerOptions {
  /** Jellyfin's webhook plugin; without a handler the route answers 503 naming what is missing. */
  onJellyfin?: JellyfinHintHandler;
  secret: string;
  anime: AnimeRules;
  /** Which configured Sonarr/Radarr instances serve 4K requests (see src/integrations/arr/kinds.ts). */
  arrKind?: AdapterContext['arrKind'];
  engine: Engine;
  log: Logger;
  /** Called for every valid webhook, e.g. to show "last event received" per source. */
  onReceived?: (source: string, instance: string | undefined) => void;
  /** Passes every authenticated Jellyseerr body on to the receiver whose webhook slot was taken over. */
  forwardJellyseerr?: (raw: string, body: unknown) => Promise<void>;
}

/**
 * Sends a JSON answer. Answers may quote the sender's input (a bad value, a JSON parse error, an
 * unknown route segment), so configured secrets are masked there as they are in the log.
 */
function reply(res: Response, status: number, body: unknown): void {
  res.status(status).type('application/json').send(redact(JSON.stringify(body)));
}

export function createWebhookApp(opts: WebhookServerOptions): express.Express {
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

  const handleJellyfin = async (req: Request, res: Response): Promise<void> => {
    const body = readJson(req, res);
    if (body === undefined) return;
    const parsed = parseJellyfin(body);
    if (!parsed.ok) {
      reply(res, 400, { error: 'invalid jellyfin payload', fields: parsed.errors });
      return;
    }
    opts.onReceived?.('jellyfin', undefined);
    if (!parsed.hint) {
      reply(res, 200, { status: 'ignored', note: parsed.note });
      return;
    }
    if (!opts.onJellyfin) {
      reply(res, 503, { error: 'Jellyfin webhooks need the jellyfin watcher, which is not running' });
      return;
    }
    try {
      const out = await opts.onJellyfin(parsed.hint);
      reply(res, 200, { status: 'ok', note: out.note, results: out.results });
    } catch (err) {
      if (err instanceof StorageUnavailableError) {
        reply(res, 503, { error: err.message });
        return;
      }
      throw err;
    }
  };

  const handle = async (req: Request, res: Response): Promise<void> => {
    const source = String(req.params.source);
    if (source === 'jellyfin') {
      await handleJellyfin(req, res);
      return;
    }
    const parser = WEBHOOK_SOURCES.get(source);
    if (!parser) {
      reply(res, 404, { error: `unknown webhook source "${source}"; expected one of ${[...WEBHOOK_SOURCES.keys(), 'jellyfin'].join(', ')}` });
      return;
    }
    const body = readJson(req, res);
    if (body === undefined) return;
    // Forwarded whatever we make of it: the previous receiver keeps getting everything it got before.
    if (source === 'jellyseerr' && opts.forwardJellyseerr) void opts.forwardJellyseerr(req.body as string, body);
    const instance = typeof req.params.instance === 'string' ? req.params.instance : undefined;
    const parsed = parser(body, { anime: opts.anime, ...(instance ? { instance } : {}), ...(opts.arrKind ? { arrKind: opts.arrKind } : {}) });
    if (!parsed.ok) {
      reply(res, 400, { error: `invalid ${source} payload`, fields: parsed.errors });
      return;
    }
    opts.onReceived?.(source, instance);
    if (parsed.events.length === 0) {
      reply(res, 200, { status: 'ignored', note: parsed.note });
      return;
    }
    try {
      const results = await opts.engine.ingest(parsed.events.map(boundEvent));
      reply(res, 200, { status: 'ok', note: parsed.note, results });
    } catch (err) {
      if (err instanceof StorageUnavailableError) {
        opts.log.error(`${source} webhook not stored: ${err.message}`);
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

  app.use((_req, res) => {
    reply(res, 404, { error: 'not found; webhooks are POST /hooks/jellyseerr, /hooks/sonarr[/<name>], /hooks/radarr[/<name>], /hooks/jellyfin' });
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
