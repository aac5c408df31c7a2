/**
 * Which PVR instances (Sonarr, Radarr) serve 4K requests: a service the tracker shares with
 * the integrations (PVRs register their instances, the request manager completes it, the
 * webhooks read it). Events of a 4K instance belong to 4K
 * requests only (and a standard instance's to standard ones), so two requests for one movie
 * (standard + 4K, on two Radarr instances) stay two requests.
 *
 * An instance's kind comes from, in order: its `is_4k` option; Jellyseerr's own server
 * settings (`GET /api/v1/settings/radarr|sonarr`, `is4k`), matched by URL (host, port, base
 * path); and, when another instance of the same service is known to be 4K, standard (a set-up
 * with a 4K instance has standard ones besides it). Otherwise unknown: its events reach both kinds.
 */
/** A PVR's id in the registry (`sonarr`, `radarr`). */
type Service = string;

/** What the map needs of a configured instance. */
export interface PvrInstance {
  name: string;
  url: string;
  /** Stated in the options; unset: learned. */
  is_4k?: boolean | undefined;
}

/** What the tracker needs of one of Jellyseerr's Radarr/Sonarr servers (`DVRSettings`). */
export interface JellyseerrServer {
  hostname: string;
  port: number;
  useSsl?: boolean | null;
  baseUrl?: string | null;
  is4k: boolean;
}

/** `/radarr/` → `/radarr`; `` and `/` → ``. */
function basePath(path: string | null | undefined): string {
  const trimmed = (path ?? '').trim().replace(/\/+$/, '');
  if (trimmed === '') return '';
  return trimmed.startsWith('/') ? trimmed.toLowerCase() : `/${trimmed.toLowerCase()}`;
}

/** `host:port/base` of a configured URL (default port from the scheme); null when it is not a URL. */
export function urlKey(url: string): string | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return null;
  }
  const port = u.port || (u.protocol === 'https:' ? '443' : '80');
  return `${u.hostname.toLowerCase()}:${port}${basePath(u.pathname)}`;
}

/** The same key for a Jellyseerr server: Jellyseerr builds its URL as `<scheme>://<hostname>:<port><baseUrl>`. */
export function serverKey(s: JellyseerrServer): string {
  return `${s.hostname
    .trim()
    .toLowerCase()
    .replace(/^https?:\/\//, '')
    .replace(/\/+$/, '')}:${s.port}${basePath(s.baseUrl)}`;
}

type Instance = PvrInstance;

export class PvrKinds {
  private readonly detected = new Map<string, boolean>();

  private readonly instances = new Map<Service, readonly Instance[]>();

  constructor(instances: Readonly<Record<Service, readonly Instance[]>> = {}) {
    for (const [service, list] of Object.entries(instances)) this.instances.set(service, list);
  }

  private list(service: Service): readonly Instance[] {
    return this.instances.get(service) ?? [];
  }

  /** The configured instances of a service (each PVR registers its own when it starts). */
  register(service: Service, instances: readonly Instance[]): void {
    this.instances.set(service, instances);
  }

  /** True when some instance has no `is_4k` option: only then is Jellyseerr worth asking. */
  get wantsDetection(): boolean {
    return [...this.instances.values()].some((list) => list.some((i) => i.is_4k === undefined));
  }

  /**
   * Learns the kinds Jellyseerr gives its servers of `service`; returns the names of the
   * configured instances whose kind this changed.
   */
  learn(service: Service, servers: readonly JellyseerrServer[]): string[] {
    const byKey = new Map(servers.map((s) => [serverKey(s), s.is4k]));
    const changed: string[] = [];
    for (const inst of this.list(service)) {
      const key = urlKey(inst.url);
      const kind = key === null ? undefined : byKey.get(key);
      const id = `${service}/${inst.name}`;
      if (kind === this.detected.get(id)) continue;
      if (kind === undefined) this.detected.delete(id);
      else this.detected.set(id, kind);
      changed.push(inst.name);
    }
    return changed;
  }

  /** The configured instance an event names: its name, or the only instance of the service. */
  private resolve(service: Service, name: string): Instance | undefined {
    const list = this.list(service);
    return list.find((i) => i.name === name) ?? (list.length === 1 ? list[0] : undefined);
  }

  private stated(service: Service, inst: Instance): boolean | undefined {
    return inst.is_4k ?? this.detected.get(`${service}/${inst.name}`);
  }

  /** True for a 4K instance, false for a standard one, undefined when unknown. */
  of(service: Service, name: string): boolean | undefined {
    const inst = this.resolve(service, name);
    if (!inst) return undefined;
    const kind = this.stated(service, inst);
    if (kind !== undefined) return kind;
    return this.list(service).some((o) => o !== inst && this.stated(service, o) === true) ? false : undefined;
  }

  /** `service/name` → kind, for every instance whose kind is known (status and tests). */
  summary(): Record<string, '4k' | 'standard'> {
    const out: Record<string, '4k' | 'standard'> = {};
    for (const service of ['radarr', 'sonarr'] as const) {
      for (const inst of this.list(service)) {
        const kind = this.of(service, inst.name);
        if (kind !== undefined) out[`${service}/${inst.name}`] = kind ? '4k' : 'standard';
      }
    }
    return out;
  }
}
