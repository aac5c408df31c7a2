/**
 * The ingress listener: the panel (frontend/dist) at `/`, `panel.json` (what the panel needs
 * besides MQTT), health, and the MQTT-over-WebSocket endpoint the panel uses (`./mqtt`,
 * attached to the same server by the broker).
 *
 * As an add-on, Home Assistant's ingress proxy (the Supervisor, 172.30.32.2) is the only
 * legitimate client: every other peer gets a 403 (loopback excepted, for a health check
 * inside the container), and only the Supervisor's `X-Remote-User-*` headers name the viewer
 * — it strips copies sent by the browser. `panel.json` says whether that viewer may send
 * commands (`command_users`, src/http/viewer.ts); the broker enforces it. Standalone, no header is trusted, and a `Host`
 * that is not one of the listener's names gets a 421 (src/http/origin.ts). Every answer
 * carries a Content-Security-Policy and `nosniff` (src/http/panel-headers.ts).
 */
import { resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import express from 'express';
import type { Options } from '../config/schema.js';
import type { PanelDocument, PanelLink, PanelSettings, PanelWebhookRoute, Viewer } from '../contract/panel.js';
import { REGISTRY, sliceOf, type Registry } from '../integrations/registry.js';
import { isLoopback, normaliseAddress } from './address.js';
import type { OriginPolicy } from './origin.js';
import { securityHeaders } from './panel-headers.js';
import { createViewerPolicy, viewerFrom } from './viewer.js';

/** The built panel, relative to the package root (this file runs as dist/http/ingress.js). */
export const PANEL_DIR = fileURLToPath(new URL('../../frontend/dist/', import.meta.url));

export type { PanelDocument, PanelSettings, Viewer };
export { viewerFrom };

export interface IngressOptions {
  /** Extra fields of `/health`. */
  health: () => Record<string, unknown>;
  panel: () => PanelSettings;
  /**
   * Add-on mode: the Supervisor's addresses. Only they (and loopback) may use the listener,
   * and only their viewer headers are believed. Null when standalone.
   */
  trustedProxies?: readonly string[] | null;
  /** With trusted proxies, whether loopback peers may use the listener too (default: yes, for a health check). */
  allowLoopback?: boolean;
  panelDir?: string;
  /** Host names and origins the listener answers (DNS rebinding); without it every Host is answered. */
  origins?: OriginPolicy;
  /** Origins besides the panel's own that may frame it (`panel_origins`). */
  frameAncestors?: readonly string[];
  /** `command_users`: who may send commands (src/http/viewer.ts); empty or absent, everyone. */
  commandUsers?: readonly string[];
}

/** A service's web UI without credentials (a URL with `user:password@` keeps neither); null unless http(s). */
function webUi(url: string): string | null {
  if (!url) return null;
  try {
    const u = new URL(url);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return null;
    u.username = '';
    u.password = '';
    return u.toString().replace(/\/+$/, '');
  } catch {
    return null;
  }
}

/**
 * The static part of `panel.json`, from the options, the webhook listener's port and the
 * registry: a route per integration with a webhook (per instance when the route names one), and
 * the web UIs of the configured integrations that describe theirs, with their link templates.
 */
export function panelSettings(o: Options, webhookPort: number, secret: string, registry: Registry = REGISTRY): PanelSettings {
  const routes = registry.flatMap((d): PanelWebhookRoute[] => {
    if (!d.webhook) return [];
    const { auth = 'token', where = null } = d.webhook;
    const route = (instance: string | null): PanelWebhookRoute => ({
      service: d.id,
      instance,
      path: instance === null ? `/hooks/${d.id}` : `/hooks/${d.id}/${encodeURIComponent(instance)}`,
      auth,
      where,
    });
    const names = d.webhook.named ? (d.options.instances?.(sliceOf(o, d)) ?? []) : [];
    return names.length ? names.map(route) : [route(null)];
  });
  const links = registry.flatMap((d): PanelLink[] => {
    const slice = sliceOf(o, d);
    if (!d.panel || !d.options.configured(slice)) return [];
    const { scope = 'all', ...templates } = d.panel.links ?? {};
    return d.panel.webUi(slice).flatMap(({ instance, url }) => {
      const ui = webUi(url);
      return ui ? [{ service: d.id, label: d.label, instance, url: ui, scope, templates }] : [];
    });
  });
  const approvals = registry.some((d) => d.roles.includes('request-manager') && d.options.configured(sliceOf(o, d)));
  return { base_topic: o.mqtt.base_topic, webhooks: { port: webhookPort, secret, routes }, links, approvals };
}

export function createIngressApp(opts: IngressOptions): express.Express {
  const app = express();
  const panelDir = opts.panelDir ?? PANEL_DIR;
  const trusted = opts.trustedProxies ? new Set(opts.trustedProxies.map(normaliseAddress)) : null;
  const allowLoopback = opts.allowLoopback ?? true;
  const policy = createViewerPolicy({ trustedProxies: opts.trustedProxies ?? null, commandUsers: opts.commandUsers ?? [] });
  app.disable('x-powered-by');
  app.use(securityHeaders(panelDir, opts.frameAncestors ?? []));
  if (trusted) {
    app.use((req, res, next) => {
      const peer = normaliseAddress(req.socket.remoteAddress);
      if (trusted.has(peer) || (allowLoopback && isLoopback(peer))) return next();
      res.status(403).type('text/plain').send('Forbidden: open Media Tracker from the Home Assistant sidebar.\n');
    });
  }
  app.get('/health', (_req, res) => {
    res.json({ status: 'ok', ...opts.health() });
  });
  const origins = opts.origins;
  if (origins) {
    app.use((req, res, next) => {
      if (origins.hostAllowed(req)) return next();
      res.status(421).type('text/plain').send("Misdirected request: open the panel by this machine's address, localhost, or a name in panel_origins.\n");
    });
  }
  app.get('/panel.json', (req, res) => {
    const { viewer, commands } = policy.access(req);
    const settings = opts.panel();
    // The secret lets anyone post webhooks: only for those who may set the services up.
    const webhooks = commands ? settings.webhooks : { ...settings.webhooks, secret: '' };
    const doc: PanelDocument = { ...settings, webhooks, viewer, commands };
    // Per viewer, and it may hold the webhook secret: never cached anywhere.
    res.setHeader('Cache-Control', 'no-store');
    res.json(doc);
  });
  const assets = resolve(panelDir, 'assets') + sep;
  app.use(
    express.static(panelDir, {
      index: 'index.html',
      // Relative URLs only: a redirect to `dir/` would be absolute and escape the ingress prefix.
      redirect: false,
      setHeaders: (res, path) => {
        // Vite puts a content hash in every file name under assets/; index.html names them.
        if (resolve(path).startsWith(assets)) res.setHeader('Cache-Control', 'public, max-age=31536000, immutable');
        else res.setHeader('Cache-Control', 'no-cache');
      },
    }),
  );
  // Reached only when the panel is not built (a checkout where `npm run build:panel` never ran).
  app.get('/', (_req, res) => {
    res.status(503).type('text/plain').send('Media Tracker is running, but its panel is not built: run `npm run build:panel`. MQTT over WebSocket: ./mqtt (subprotocol "mqtt").\n');
  });
  app.use((_req, res) => {
    res.status(404).json({ error: 'not found' });
  });
  return app;
}
