/**
 * The download clients a Sonarr/Radarr instance uses (`GET /api/v3/downloadclient`,
 * docs/download-clients.md §1.7), normalised, and how the tracker follows each: itself (a
 * configured download-client integration at the same host and port) or only through the
 * PVR's queue. Secrets are never read: passwords and API keys come back masked (`********`)
 * anyway, and only the fields named below are looked at.
 */
import { z } from 'zod';
import { callJson } from '../../autoconfig/http.js';
import type { ServiceClient } from '../../net/service.js';
import type { DirectClient } from '../types.js';

/** Servarr's `Field`: every property but the name may be omitted (nulls are). */
const FieldSchema = z.looseObject({ name: z.string(), value: z.unknown().optional(), privacy: z.string().nullish() });

/** `DownloadClientResource`: strict about what the tracker reads, lenient about the rest. */
export const DownloadClientResourceSchema = z.looseObject({
  id: z.number().int().nullish(),
  name: z.string(),
  /** `QBittorrent`, `Sabnzbd`, `TorrentDownloadStation`…: any string (clients the tracker does not know stay listed). */
  implementation: z.string().min(1),
  /** The client's display name (`qBittorrent`, `SABnzbd`, `Download Station`). */
  implementationName: z.string().nullish(),
  enable: z.boolean(),
  /** `torrent`, `usenet` or `unknown`. */
  protocol: z.string().nullish(),
  priority: z.number().nullish(),
  fields: z.array(FieldSchema).nullish(),
});

export interface ArrDownloadClient {
  /** The Sonarr/Radarr instance (its name in the options). */
  arr: string;
  name: string;
  implementation: string;
  /** How the PVR names the client kind (`SABnzbd`), else the implementation. */
  label: string;
  protocol: string;
  enabled: boolean;
  priority: number | null;
  host: string | null;
  port: number | null;
  useSsl: boolean;
  urlBase: string | null;
  /** `tvCategory` (Sonarr) or `movieCategory` (Radarr). */
  category: string | null;
  /** Shown in clear by the PVR; passwords and keys are never read. */
  username: string | null;
}

export interface DownloadClientList {
  clients: ArrDownloadClient[];
  /** Entries that could not be read, each saying why. */
  unreadable: string[];
}

/** Never read, whatever their privacy says. */
const SECRET_FIELDS = new Set(['password', 'apikey']);
const CATEGORY_FIELDS = ['tvCategory', 'movieCategory', 'category'];

const text = (v: unknown): string | null => (typeof v === 'string' && v.trim() !== '' ? v.trim() : null);

function portOf(v: unknown): number | null {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v.trim()) ? Number(v) : Number.NaN;
  return Number.isInteger(n) && n > 0 && n <= 65535 ? n : null;
}

/** One resource, normalised; secrets are skipped by name and privacy. */
export function normaliseClient(arr: string, r: z.infer<typeof DownloadClientResourceSchema>): ArrDownloadClient {
  const values = new Map<string, unknown>();
  for (const f of r.fields ?? []) {
    const privacy = f.privacy?.toLowerCase();
    if (SECRET_FIELDS.has(f.name.toLowerCase()) || privacy === 'password' || privacy === 'apikey') continue;
    values.set(f.name.toLowerCase(), f.value);
  }
  const get = (name: string) => values.get(name.toLowerCase());
  let host = text(get('host'));
  let port = portOf(get('port'));
  let useSsl = get('useSsl') === true;
  // A host typed as a URL (`http://nas:8080`) still names the machine.
  if (host && /^https?:\/\//i.test(host)) {
    try {
      const u = new URL(host);
      useSsl ||= u.protocol === 'https:';
      port ??= portOf(u.port);
      host = u.hostname.replace(/^\[|\]$/g, '');
    } catch {
      // Kept as typed: it is only shown and compared.
    }
  }
  const category = CATEGORY_FIELDS.map((n) => text(get(n))).find((c) => c !== null) ?? null;
  return {
    arr,
    name: r.name,
    implementation: r.implementation,
    label: text(r.implementationName) ?? r.implementation,
    protocol: text(r.protocol) ?? 'unknown',
    enabled: r.enable,
    priority: r.priority ?? null,
    host,
    port,
    useSsl,
    urlBase: text(get('urlBase')),
    category,
    username: text(get('username')),
  };
}

/** The list as answered: each entry on its own, so one odd entry does not hide the others. */
export function normaliseClients(arr: string, body: unknown): DownloadClientList {
  if (!Array.isArray(body)) throw new Error(`expected a list of download clients, got ${body === null ? 'null' : typeof body}`);
  const clients: ArrDownloadClient[] = [];
  const unreadable: string[] = [];
  body.forEach((item, i) => {
    const r = DownloadClientResourceSchema.safeParse(item);
    if (r.success) clients.push(normaliseClient(arr, r.data));
    else unreadable.push(`entry ${i + 1}: ${r.error.issues.map((x) => `${x.path.join('.') || '(entry)'}: ${x.message}`).join('; ')}`);
  });
  return { clients, unreadable };
}

/** `client`: the instance's API client (`arrClient`); `arr`: its name in the options. */
export async function readDownloadClients(client: ServiceClient, arr: string): Promise<DownloadClientList> {
  return normaliseClients(arr, await callJson(client, 'GET', '/api/v3/downloadclient'));
}

/** `http(s)://host:port[/urlBase]` as the PVR reaches the client; null without a host. */
export function clientUrl(c: ArrDownloadClient): string | null {
  if (!c.host) return null;
  const host = c.host.includes(':') && !c.host.startsWith('[') ? `[${c.host}]` : c.host;
  const base = (c.urlBase ?? '').replace(/^\/+|\/+$/g, '');
  return `${c.useSsl ? 'https' : 'http'}://${host}${c.port !== null ? `:${c.port}` : ''}${base ? `/${base}` : ''}`;
}

/** `127.0.0.1:8080`, as shown in texts. */
export function clientAddress(c: ArrDownloadClient): string {
  return `${c.host ?? '(no host)'}${c.port !== null ? `:${c.port}` : ''}`;
}

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|::1|0\.0\.0\.0)$/i;

function hostKey(host: string): string {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  return LOOPBACK.test(h) ? 'loopback' : h;
}

/** Same machine (loopback names are one) and same port (a URL without one has its scheme's). */
export function sameAddress(c: ArrDownloadClient, url: string): boolean {
  if (!c.host) return false;
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  const port = u.port ? Number(u.port) : u.protocol === 'https:' ? 443 : 80;
  const theirs = c.port ?? (c.useSsl ? 443 : 80);
  return hostKey(u.hostname) === hostKey(c.host) && port === theirs;
}

export type Coverage =
  /** A configured instance at the same address follows it. */
  | { kind: 'direct'; via: DirectClient; instance: string | null }
  /** The integration is configured, but at another address (maybe the same server under another name). */
  | { kind: 'elsewhere'; via: DirectClient; urls: string[] }
  /** Only the PVR's queue follows it; `via`: the integration that could (null: none exists). */
  | { kind: 'queue'; via: DirectClient | null };

export function coverage(c: ArrDownloadClient, direct: readonly DirectClient[]): Coverage {
  const impl = c.implementation.toLowerCase();
  const via = direct.find((d) => d.arrImplementations.some((a) => a.toLowerCase() === impl)) ?? null;
  if (!via) return { kind: 'queue', via: null };
  const hit = via.instances.find((i) => sameAddress(c, i.url));
  if (hit) return { kind: 'direct', via, instance: hit.name };
  if (via.instances.length) return { kind: 'elsewhere', via, urls: via.instances.map((i) => i.url) };
  return { kind: 'queue', via };
}
