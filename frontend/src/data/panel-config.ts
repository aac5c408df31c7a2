/**
 * `./panel.json` from the tracker's ingress listener (src/http/ingress.ts): the base topic,
 * the viewer (Home Assistant's ingress user), the webhook routes and the services' web UIs.
 * Checked before use; anything malformed is dropped, so a missing or broken document only
 * costs the viewer name, the webhook URLs and the deep links.
 */
import { serviceLabel, type IntegrationInfo, type StatePayload } from '../../../src/contract/index.js';
import { isObject, oneOf } from './guards.js';

export interface Viewer {
  id: string;
  name: string;
  /** The name to show: falls back to `name` when Home Assistant has no display name. */
  display_name: string;
}

export interface WebhookRoute {
  service: 'jellyseerr' | 'sonarr' | 'radarr' | 'jellyfin';
  instance: string | null;
  path: string;
}

export interface PanelConfig {
  base_topic: string | null;
  viewer: Viewer | null;
  webhooks: { port: number; secret: string; routes: WebhookRoute[] } | null;
  links: { jellyseerr: string | null; jellyfin: string | null; sonarr: Record<string, string>; radarr: Record<string, string> };
}

export const EMPTY_CONFIG: PanelConfig = { base_topic: null, viewer: null, webhooks: null, links: { jellyseerr: null, jellyfin: null, sonarr: {}, radarr: {} } };

const str = (x: unknown): string | null => (typeof x === 'string' && x !== '' ? x : null);
const TOPIC = /^[^#+/\s][^#+\s]*$/;
const SERVICES = ['jellyseerr', 'sonarr', 'radarr', 'jellyfin'] as const;

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

function urlMap(x: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!isObject(x)) return out;
  for (const [k, v] of Object.entries(x)) {
    const url = webUrl(v);
    if (url) out[k] = url;
  }
  return out;
}

export function parsePanelConfig(raw: unknown): PanelConfig {
  if (!isObject(raw)) return EMPTY_CONFIG;
  const base = str(raw.base_topic);
  const v = raw.viewer;
  const viewer = isObject(v) && str(v.id) ? { id: str(v.id)!, name: str(v.name) ?? '', display_name: str(v.display_name) ?? str(v.name) ?? '' } : null;
  const w = raw.webhooks;
  let webhooks: PanelConfig['webhooks'] = null;
  if (isObject(w) && typeof w.port === 'number' && Number.isInteger(w.port) && w.port > 0 && w.port < 65536 && typeof w.secret === 'string' && Array.isArray(w.routes)) {
    const routes = w.routes.flatMap((r): WebhookRoute[] => {
      if (!isObject(r)) return [];
      const service = oneOf(r.service, SERVICES);
      if (!service || typeof r.path !== 'string' || !r.path.startsWith('/hooks/')) return [];
      return [{ service, instance: str(r.instance), path: r.path }];
    });
    webhooks = { port: w.port, secret: w.secret, routes };
  }
  const l = isObject(raw.links) ? raw.links : {};
  return {
    base_topic: base && TOPIC.test(base) ? base : null,
    viewer,
    webhooks,
    links: { jellyseerr: webUrl(l.jellyseerr), jellyfin: webUrl(l.jellyfin), sonarr: urlMap(l.sonarr), radarr: urlMap(l.radarr) },
  };
}

/** The base topic: `?base=` on the panel URL, else the tracker's, else `media`. */
export function baseTopic(search: string, config: PanelConfig): string {
  const override = new URLSearchParams(search).get('base');
  return override || config.base_topic || 'media';
}

export interface WebhookUrl {
  service: WebhookRoute['service'];
  instance: string | null;
  /** What to paste, secret included. */
  url: string;
  /** The same with the secret masked, for the screen. */
  shown: string;
  /** Jellyseerr only: the "Authorization Header" value, and masked. */
  header: { value: string; shown: string } | null;
}

const MASK = '••••••••';

/**
 * Webhook URLs on the host the panel was opened on (Home Assistant's, as an add-on: the
 * webhook port is mapped there). Sonarr, Radarr and Jellyfin take the secret as `?token=`;
 * Jellyseerr sends its Authorization header verbatim, so it gets `Bearer <secret>` there.
 */
export function webhookUrls(config: PanelConfig, pageUrl: string): WebhookUrl[] {
  const w = config.webhooks;
  if (!w) return [];
  const page = new URL(pageUrl);
  // `hostname` keeps the brackets of an IPv6 address.
  const origin = `http://${page.hostname}:${w.port}`;
  return w.routes.map((r) => {
    const plain = `${origin}${r.path}`;
    if (r.service === 'jellyseerr' || !w.secret) {
      return { ...r, url: plain, shown: plain, header: w.secret ? { value: `Bearer ${w.secret}`, shown: `Bearer ${MASK}` } : null };
    }
    const token = encodeURIComponent(w.secret);
    return { ...r, url: `${plain}?token=${token}`, shown: `${plain}?token=${MASK}`, header: null };
  });
}

export interface DeepLink {
  service: WebhookRoute['service'];
  label: string;
  href: string;
}

/**
 * Links to the request in the services' own UIs, where configured: Jellyseerr's media page
 * (by TMDB id), Radarr's movie page (its title slug is the TMDB id), Sonarr's search for the
 * TVDB id (its series pages use a title slug the tracker does not keep), Jellyfin's item.
 * Named as `bridge/info` lists the integrations.
 */
export function deepLinks(r: StatePayload, config: PanelConfig, integrations: readonly IntegrationInfo[] = []): DeepLink[] {
  const out: DeepLink[] = [];
  const l = config.links;
  const label = (service: string) => serviceLabel(service, integrations);
  if (l.jellyseerr && r.tmdb_id !== null) out.push({ service: 'jellyseerr', label: label('jellyseerr'), href: `${l.jellyseerr}/${r.media_type === 'tv' ? 'tv' : 'movie'}/${r.tmdb_id}` });
  if (r.arr?.service === 'radarr' && r.tmdb_id !== null) {
    const ui = l.radarr[r.arr.instance];
    if (ui) out.push({ service: 'radarr', label: `${label('radarr')} (${r.arr.instance})`, href: `${ui}/movie/${r.tmdb_id}` });
  }
  if (r.arr?.service === 'sonarr' && r.tvdb_id !== null) {
    const ui = l.sonarr[r.arr.instance];
    if (ui) out.push({ service: 'sonarr', label: `${label('sonarr')} (${r.arr.instance})`, href: `${ui}/add/new?term=${encodeURIComponent(`tvdb:${r.tvdb_id}`)}` });
  }
  if (l.jellyfin && r.jellyfin_id) out.push({ service: 'jellyfin', label: label('jellyfin'), href: `${l.jellyfin}/web/#/details?id=${encodeURIComponent(r.jellyfin_id)}` });
  return out;
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
