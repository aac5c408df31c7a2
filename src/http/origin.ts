/**
 * Which names and pages may use the ingress listener (the panel, `panel.json`, `/mqtt`).
 *
 * - Host: a page on another site can resolve its own name to 127.0.0.1 (DNS rebinding) and then
 *   read `panel.json` (it holds the webhook secret) or open `/mqtt` as if it were the panel.
 *   The browser still sends that name in `Host`, so only names that cannot be rebound are
 *   accepted: IP literals, `localhost`, this machine's host name and the hosts of
 *   `panel_origins`. Home Assistant's ingress proxy forwards the name the user typed for Home
 *   Assistant; requests from it are not checked (the proxy already checked the HA session).
 * - Origin: a browser names the page that opens a WebSocket. Present, it must be the panel's
 *   own origin (the same host as `Host`, or as `X-Forwarded-Host` from the ingress proxy,
 *   which is Home Assistant's origin) or one of `panel_origins`. Without it the client is not
 *   a browser and the other rules apply.
 */
import type { IncomingMessage } from 'node:http';
import { hostname } from 'node:os';
import { isIP } from 'node:net';
import { normaliseAddress } from './address.js';

export interface OriginPolicyOptions {
  /** Add-on mode: the ingress proxy's addresses; null when standalone. */
  trustedProxies: readonly string[] | null;
  /** `panel_origins`: extra origins (`https://tracker.example.com`) the panel is opened from. */
  origins: readonly string[];
}

export interface OriginPolicy {
  /** Whether the request's `Host` is a name this listener answers to. */
  hostAllowed(req: IncomingMessage): boolean;
  /** Whether the request's `Origin`, if any, is the panel's own or an allowed one. */
  originAllowed(req: IncomingMessage): boolean;
  /** The refusal for a `/mqtt` upgrade, or null. */
  checkUpgrade(req: IncomingMessage): { status: number; reason: string } | null;
}

const first = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v)?.split(',')[0]?.trim().toLowerCase();

/** `Host` without its port (`[::1]:8099` → `::1`). */
function hostName(host: string): string {
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(host);
  if (bracketed) return bracketed[1]!;
  return host.replace(/:\d+$/, '');
}

/** `scheme://host[:port]` of a configured origin, lower case, or null when it is not one. */
export function originOf(value: string): string | null {
  try {
    const u = new URL(value);
    return u.origin === 'null' ? null : u.origin.toLowerCase();
  } catch {
    return null;
  }
}

export function createOriginPolicy(opts: OriginPolicyOptions): OriginPolicy {
  const proxies = opts.trustedProxies ? new Set(opts.trustedProxies.map(normaliseAddress)) : null;
  const origins = new Set(opts.origins.map(originOf).filter((o): o is string => o !== null));
  const names = new Set(['localhost', hostname().toLowerCase(), ...[...origins].map((o) => new URL(o).hostname)]);
  const fromProxy = (req: IncomingMessage) => proxies?.has(normaliseAddress(req.socket.remoteAddress)) ?? false;

  const hostAllowed = (req: IncomingMessage): boolean => {
    if (fromProxy(req)) return true;
    const host = first(req.headers.host);
    if (!host) return false;
    const name = hostName(host);
    return isIP(name) !== 0 || names.has(name) || name.endsWith('.localhost');
  };

  const originAllowed = (req: IncomingMessage): boolean => {
    const origin = first(req.headers.origin);
    if (origin === undefined) return true;
    if (origins.has(origin)) return true;
    let host: string;
    try {
      host = new URL(origin).host;
    } catch {
      return false;
    }
    if (host === '' || origin === 'null') return false;
    if (host === first(req.headers.host)) return true;
    return fromProxy(req) && host === first(req.headers['x-forwarded-host']);
  };

  return {
    hostAllowed,
    originAllowed,
    checkUpgrade(req) {
      if (!hostAllowed(req)) return { status: 421, reason: 'Misdirected Request' };
      if (!originAllowed(req)) return { status: 403, reason: 'Forbidden' };
      return null;
    },
  };
}
