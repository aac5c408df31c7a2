/**
 * `./panel.json` from the tracker's ingress listener (src/http/ingress.ts): the base topic,
 * the viewer (Home Assistant's ingress user) and whether they may send commands, the webhook routes and the services' web UIs with
 * their link templates (src/contract/panel.ts). Checked before use; anything malformed is
 * dropped, so a missing or broken document only costs the viewer name, the webhook URLs and the
 * deep links. No service is named here: routes and links come as the registry lists them.
 */
import type { IntegrationInfo, LinkScope, LinkTemplates, PanelLink, PanelWebhookRoute, StatePayload } from '../../../src/contract/index.js';
import { isObject, oneOf } from './guards.js';

export interface Viewer {
  id: string;
  name: string;
  /** The name to show: falls back to `name` when Home Assistant has no display name. */
  display_name: string;
}

export type WebhookRoute = PanelWebhookRoute;

export interface PanelConfig {
  base_topic: string | null;
  viewer: Viewer | null;
  webhooks: { port: number; secret: string; routes: WebhookRoute[] } | null;
  links: PanelLink[];
  /** Requests waiting for approval can be approved and declined from here. */
  approvals: boolean;
  /**
   * This viewer's commands are carried out (`command_users`). Only an explicit `false` makes the
   * panel read-only: without the document the buttons stay, and the broker decides.
   */
  commands: boolean;
}

export const EMPTY_CONFIG: PanelConfig = { base_topic: null, viewer: null, webhooks: null, links: [], approvals: false, commands: true };

const str = (x: unknown): string | null => (typeof x === 'string' && x !== '' ? x : null);
const TOPIC = /^[^#+/\s][^#+\s]*$/;
/** An integration id as the registry spells them (also a route segment). */
const ID = /^[a-z0-9][a-z0-9_-]*$/;
const AUTH = ['token', 'bearer'] as const;
const SCOPES: readonly LinkScope[] = ['linked', 'all'];
const MEDIA = ['movie', 'tv'] as const;

/** Only http(s) URLs become links (a `javascript:` URL from a broken config must not). */
function webUrl(x: unknown): string | null {
  const s = str(x);
  if (!s) return null;
  try {
    const u = new URL(s);
    return u.protocol === 'http:' || u.protocol === 'https:' ? s.replace(/\/+$/, '') : null;
  } catch {
    return null;
  }
}

const id = (x: unknown): string | null => (typeof x === 'string' && ID.test(x) ? x : null);

function parseRoute(r: unknown): WebhookRoute[] {
  if (!isObject(r)) return [];
  const service = id(r.service);
  // The route is the service's own: `/hooks/<id>` or `/hooks/<id>/<instance>`.
  if (!service || typeof r.path !== 'string' || !(r.path === `/hooks/${service}` || r.path.startsWith(`/hooks/${service}/`))) return [];
  const auth = r.auth === undefined ? 'token' : oneOf(r.auth, AUTH);
  if (!auth) return [];
  return [{ service, instance: str(r.instance), path: r.path, auth, where: str(r.where) }];
}

function parseLink(l: unknown): PanelLink[] {
  if (!isObject(l)) return [];
  const service = id(l.service);
  const url = webUrl(l.url);
  const scope = oneOf(l.scope, SCOPES);
  if (!service || !url || !scope) return [];
  const templates: LinkTemplates = {};
  const t = isObject(l.templates) ? l.templates : {};
  for (const media of MEDIA) {
    const template = str(t[media]);
    // Only a page of the instance's own UI.
    if (template?.startsWith('{ui}')) templates[media] = template;
  }
  return [{ service, label: str(l.label) ?? service, instance: str(l.instance), url, scope, templates }];
}

export function parsePanelConfig(raw: unknown): PanelConfig {
  if (!isObject(raw)) return EMPTY_CONFIG;
  const base = str(raw.base_topic);
  const v = raw.viewer;
  const viewer = isObject(v) && str(v.id) ? { id: str(v.id)!, name: str(v.name) ?? '', display_name: str(v.display_name) ?? str(v.name) ?? '' } : null;
  const w = raw.webhooks;
  let webhooks: PanelConfig['webhooks'] = null;
  if (isObject(w) && typeof w.port === 'number' && Number.isInteger(w.port) && w.port > 0 && w.port < 65536 && typeof w.secret === 'string' && Array.isArray(w.routes)) {
    webhooks = { port: w.port, secret: w.secret, routes: w.routes.flatMap(parseRoute) };
  }
  return {
    base_topic: base && TOPIC.test(base) ? base : null,
    viewer,
    webhooks,
    links: Array.isArray(raw.links) ? raw.links.flatMap(parseLink) : [],
    approvals: raw.approvals === true,
    commands: raw.commands !== false,
  };
}

/** Whether a request was made by the viewer: its requester is the viewer's user name or display name, in any case. */
export function mineFor(viewer: Viewer | null): ((requestedBy: string | null) => boolean) | null {
  if (!viewer) return null;
  const names = new Set([viewer.name, viewer.display_name].map((n) => n.trim().toLowerCase()).filter(Boolean));
  if (names.size === 0) return null;
  return (requestedBy) => requestedBy !== null && names.has(requestedBy.trim().toLowerCase());
}

/** Whether the bridge info lists the service; before it has come (empty), every service is kept. */
function listed(service: string, integrations: readonly IntegrationInfo[]): boolean {
  return integrations.length === 0 || integrations.some((i) => i.id === service);
}

/** The base topic: `?base=` on the panel URL, else the tracker's, else `media`. */
export function baseTopic(search: string, config: PanelConfig): string {
  const override = new URLSearchParams(search).get('base');
  return override || config.base_topic || 'media';
}

export interface WebhookUrl {
  service: string;
  instance: string | null;
  path: string;
  /** What to paste, secret included. */
  url: string;
  /** The same with the secret masked, for the screen. */
  shown: string;
  /** A service that sends its header verbatim: the "Authorization Header" value, and masked. */
  header: { value: string; shown: string } | null;
  /** Where the URL goes when not the service's own webhook settings (`webhook plugin`). */
  where?: string;
}

const MASK = '••••••••';

/**
 * Webhook URLs on the host the panel was opened on (Home Assistant's, as an add-on: the
 * webhook port is mapped there), for the services the bridge info lists. The secret goes in
 * `?token=`, or, for a route whose service sends its Authorization header verbatim (`bearer`),
 * as `Bearer <secret>` there.
 */
export function webhookUrls(config: PanelConfig, pageUrl: string, integrations: readonly IntegrationInfo[] = []): WebhookUrl[] {
  const w = config.webhooks;
  if (!w) return [];
  const page = new URL(pageUrl);
  // `hostname` keeps the brackets of an IPv6 address.
  const origin = `http://${page.hostname}:${w.port}`;
  return w.routes
    .filter((r) => listed(r.service, integrations))
    .map((r) => {
      const plain = `${origin}${r.path}`;
      const route = { service: r.service, instance: r.instance, path: r.path, ...(r.where ? { where: r.where } : {}) };
      if (r.auth === 'bearer' || !w.secret) {
        return { ...route, url: plain, shown: plain, header: w.secret ? { value: `Bearer ${w.secret}`, shown: `Bearer ${MASK}` } : null };
      }
      const token = encodeURIComponent(w.secret);
      return { ...route, url: `${plain}?token=${token}`, shown: `${plain}?token=${MASK}`, header: null };
    });
}

export interface DeepLink {
  service: string;
  label: string;
  href: string;
}

const PLACEHOLDER = /\{([a-z_][a-z0-9_]*(?:\.[a-z_][a-z0-9_]*)*)\}/gi;

/** A field of the request by its dotted path; own properties only. */
function field(r: StatePayload, path: string): unknown {
  let at: unknown = r;
  for (const key of path.split('.')) {
    if (!isObject(at) || !Object.hasOwn(at, key)) return undefined;
    at = at[key];
  }
  return at;
}

/**
 * A template filled in: `{ui}` (its start) by the web UI, every other placeholder by the
 * request's field, URL-encoded. Null when a field is missing, null or empty, or when the result
 * would leave the web UI's origin.
 */
export function fillTemplate(template: string, ui: string, r: StatePayload): string | null {
  if (!template.startsWith('{ui}')) return null;
  let missing = false;
  const rest = template.slice('{ui}'.length).replace(PLACEHOLDER, (_m, path: string) => {
    const v = field(r, path);
    if ((typeof v === 'string' && v !== '') || (typeof v === 'number' && Number.isFinite(v))) return encodeURIComponent(String(v));
    missing = true;
    return '';
  });
  if (missing) return null;
  const href = `${ui}${rest}`;
  try {
    return new URL(href).origin === new URL(ui).origin ? href : null;
  } catch {
    return null;
  }
}

/**
 * Links to the request in the services' own UIs, in the order panel.json lists them (the
 * registry's): the template for the request's media type, for every request with its fields, or
 * only for a request linked to that instance (a PVR's). Named as `bridge/info` lists the
 * integrations, else by the link's own label; an instance's name follows.
 */
export function deepLinks(r: StatePayload, config: PanelConfig, integrations: readonly IntegrationInfo[] = []): DeepLink[] {
  return config.links.flatMap((l): DeepLink[] => {
    if (!listed(l.service, integrations)) return [];
    if (l.scope === 'linked' && (r.arr?.service !== l.service || r.arr.instance !== l.instance)) return [];
    const template = l.templates[r.media_type];
    const href = template ? fillTemplate(template, l.url, r) : null;
    if (!href) return [];
    const label = integrations.find((i) => i.id === l.service)?.label ?? l.label;
    return [{ service: l.service, label: l.instance ? `${label} (${l.instance})` : label, href }];
  });
}

/**
 * `./panel.json` (already requested when `pending` is given), checked; EMPTY_CONFIG on any
 * failure or after `timeoutMs`: the panel must start even when the document does not come.
 */
export async function loadPanelConfig(pending: Promise<unknown> | undefined, pageUrl: string, timeoutMs = 3000): Promise<PanelConfig> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    // The server sends it with `Cache-Control: no-store`.
    const request = pending ?? fetch(new URL('panel.json', pageUrl)).then((r) => (r.ok ? r.json() : null));
    const timeout = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), timeoutMs)));
    return parsePanelConfig(await Promise.race([request, timeout]));
  } catch {
    return EMPTY_CONFIG;
  } finally {
    clearTimeout(timer);
  }
}
