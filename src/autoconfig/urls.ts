/**
 * Where the services should send their webhooks (`public_url`, or an address derived from
 * this host), which connection URLs count as ours, and how a URL may be shown to the user.
 */
import { hostname, networkInterfaces } from 'node:os';

/** A webhook route segment: an integration's id. */
export type HookSource = string;

export interface PublicBase {
  /** `http://192.168.1.10:8787`, without a trailing slash. */
  url: string;
  /** Set by the user (`public_url`) rather than guessed: a differing host is then worth fixing. */
  explicit: boolean;
}

/** The first non-internal IPv4 address, else the host name: what a neighbour most likely reaches. */
export function guessHost(): string {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return hostname();
}

/** `public_url` when set; otherwise the listen host (or a guess for 0.0.0.0) and the bound port. */
export function publicBase(configured: string, listen: { host: string; port: number }): PublicBase {
  if (configured) return { url: configured.replace(/\/+$/, ''), explicit: true };
  const host = listen.host === '0.0.0.0' || listen.host === '::' ? guessHost() : listen.host;
  return { url: `http://${host.includes(':') ? `[${host}]` : host}:${listen.port}`, explicit: false };
}

/** `/hooks/sonarr/<instance>`: the instance is always named, so webhooks and reconcilers agree on it. */
export function hookPath(source: HookSource, instance?: string): string {
  return instance ? `/hooks/${source}/${instance}` : `/hooks/${source}`;
}

export function hookUrl(base: PublicBase, source: HookSource, instance?: string): string {
  return `${base.url}${hookPath(source, instance)}`;
}

/** The receipt key the webhook listener counts a delivery under: `sonarr/<instance>` or `jellyseerr`. */
export function receiptKey(url: string): string | null {
  const m = /\/hooks\/([a-z]+)(?:\/([a-z0-9][a-z0-9_-]*))?\/?$/.exec(pathOf(url) ?? '');
  if (!m) return null;
  return m[2] ? `${m[1]}/${m[2]}` : m[1]!;
}

export function pathOf(url: string): string | null {
  try {
    return new URL(url).pathname;
  } catch {
    return null;
  }
}

/**
 * Whether an existing connection URL already does the job: the exact URL, or, when
 * `public_url` was only guessed, any host with the right path (the user's address wins).
 */
export function urlMatches(existing: string, wanted: string, base: PublicBase): boolean {
  if (existing.replace(/\/+$/, '') === wanted) return true;
  return !base.explicit && pathOf(existing) === pathOf(wanted);
}

/**
 * A URL as it may appear in a report: no credentials, query or fragment, and long opaque
 * path segments (Home Assistant's webhook ids are secrets) cut to their first characters.
 */
export function displayUrl(url: string): string {
  try {
    const u = new URL(url);
    const path = u.pathname
      .split('/')
      .map((seg) => (seg.length >= 16 && /^[A-Za-z0-9_-]+$/.test(seg) ? `${seg.slice(0, 4)}…` : seg))
      .join('/');
    return `${u.protocol}//${u.host}${path}`;
  } catch {
    return '(invalid URL)';
  }
}

/** A foreign Jellyseerr receiver, named when it is recognisable. */
export function describeReceiver(url: string): string {
  const shown = displayUrl(url);
  return /\/api\/webhook\//.test(pathOf(url) ?? '') ? `${shown} (Home Assistant's Overseerr integration, by its URL)` : shown;
}
