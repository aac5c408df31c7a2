/**
 * Bench-side Jellyfin for the watcher benchmarks: a minimal server over real HTTP on loopback,
 * speaking the same wire format as the test fake (test/fakes/jellyfin.ts; protocols.md §5),
 * with only the endpoints the watchers call. It lives here, not under test/, because
 * `npm run bench` runs compiled code from dist/ and test/ is not compiled; it uses node:http only.
 * (The qBittorrent stand-in, shared with the tests, is qbittorrent.ts.)
 *
 * Every request is counted per route at the server, which is what the requests-per-cycle
 * benchmark reads.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LoopbackServer, send, sendJson, type Json } from './loopback.js';

// ---------------------------------------------------------------------------------------
// Jellyfin (10.10)

export interface JfItem {
  Id: string;
  Name: string;
  Type: 'Movie' | 'Series' | 'Episode';
  ProviderIds: Record<string, string>;
  DateCreated: string;
  LocationType: 'FileSystem' | 'Virtual';
  IsFolder: boolean;
  Path?: string;
  ProductionYear?: number;
  PremiereDate?: string;
  SeriesId?: string;
  SeriesName?: string;
  IndexNumber?: number;
  ParentIndexNumber?: number;
  RunTimeTicks?: number;
  MediaType?: string;
  MediaSources?: Json[];
}

/** Fields only serialised when listed in `Fields` (ItemFields). */
const GATED = ['ProviderIds', 'Path', 'DateCreated', 'MediaSources'];

const guidN = (): string => randomUUID().replace(/-/g, '');
const norm = (id: string): string => id.replace(/-/g, '').toLowerCase();
const pad = (n: number, w: number): string => String(n).padStart(w, '0');

function mediaSources(id: string, path: string, ticks: number): Json[] {
  return [
    {
      Protocol: 'File',
      Id: id,
      Path: path,
      Type: 'Default',
      Container: 'mkv',
      Size: 1_400_000_000,
      Name: path.split('/').pop()?.replace(/\.\w+$/, ''),
      IsRemote: false,
      RunTimeTicks: ticks,
      SupportsDirectPlay: true,
      MediaStreams: [
        { Type: 'Video', Codec: 'h264', Height: 1080, Width: 1920, Index: 0 },
        { Type: 'Audio', Codec: 'aac', Language: 'eng', Channels: 2, Index: 1 },
      ],
    },
  ];
}

/**
 * Jellyfin: `Authorization: MediaBrowser Token="<key>"` (else 401), PascalCase JSON with nulls
 * omitted, N-format ids; `/System/Info`, `/Items` (Ids, IncludeItemTypes, Recursive, SortBy
 * SortName/DateCreated, StartIndex/Limit; `ProviderIds`/`Path`/`DateCreated`/`MediaSources`
 * only when listed in `Fields`), `/Items/{id}` (404 when gone) and `/Shows/{id}/Episodes`.
 */
export class BenchJellyfin extends LoopbackServer {
  readonly apiKey = 'bench-jellyfin-api-key';
  readonly serverId = '0f5e7c9a1b2d4e6f8a0b1c2d3e4f5a6b';
  readonly version = '10.10.7';
  readonly items = new Map<string, JfItem>();
  /** When each item was last saved (Jellyfin's DateLastSaved, which DTOs do not carry), ms. */
  private readonly savedAt = new Map<string, number>();

  addMovie(o: { name: string; year: number; tmdbId: number }): JfItem {
    const id = guidN();
    const path = `/data/movies/${o.name} (${o.year})/${o.name} (${o.year}).mkv`;
    const ticks = 72_000_000_000;
    return this.put({
      Id: id,
      Name: o.name,
      Type: 'Movie',
      ProviderIds: { Tmdb: String(o.tmdbId), Imdb: `tt${o.tmdbId}` },
      DateCreated: new Date().toISOString(),
      LocationType: 'FileSystem',
      IsFolder: false,
      Path: path,
      ProductionYear: o.year,
      PremiereDate: `${o.year}-05-14T00:00:00.0000000Z`,
      RunTimeTicks: ticks,
      MediaType: 'Video',
      MediaSources: mediaSources(id, path, ticks),
    });
  }

  addSeries(o: { name: string; year: number; tmdbId: number; tvdbId: number }): JfItem {
    return this.put({
      Id: guidN(),
      Name: o.name,
      Type: 'Series',
      ProviderIds: { Tmdb: String(o.tmdbId), Tvdb: String(o.tvdbId) },
      DateCreated: new Date().toISOString(),
      LocationType: 'FileSystem',
      IsFolder: true,
      Path: `/data/tv/${o.name}`,
      ProductionYear: o.year,
      PremiereDate: `${o.year}-01-01T00:00:00.0000000Z`,
    });
  }

  addEpisode(series: JfItem, season: number, episode: number): JfItem {
    const id = guidN();
    const path = `${series.Path ?? ''}/Season ${pad(season, 2)}/${series.Name} - S${pad(season, 2)}E${pad(episode, 2)}.mkv`;
    const ticks = 14_400_000_000;
    return this.put({
      Id: id,
      Name: `Episode ${episode}`,
      Type: 'Episode',
      ProviderIds: {},
      DateCreated: new Date().toISOString(),
      LocationType: 'FileSystem',
      IsFolder: false,
      Path: path,
      SeriesId: series.Id,
      SeriesName: series.Name,
      ParentIndexNumber: season,
      IndexNumber: episode,
      ...(series.ProductionYear !== undefined ? { ProductionYear: series.ProductionYear } : {}),
      RunTimeTicks: ticks,
      MediaType: 'Video',
      MediaSources: mediaSources(id, path, ticks),
    });
  }

  /**
   * The webhook plugin's "Send All Properties" body for an item (jellyfin-plugin-webhook,
   * protocols.md §5.3): server fields, item fields, `Provider_<key>` and per-stream fields.
   */
  webhookData(item: JfItem, type: 'ItemAdded' | 'ItemDeleted', serverUrl = 'http://jellyfin.local:8096'): Json {
    const now = new Date();
    const ticks = item.RunTimeTicks ?? 0;
    const s = Math.floor(ticks / 10_000_000);
    const d: Json = {
      ServerId: this.serverId,
      ServerName: 'jellyfin',
      ServerVersion: this.version,
      ServerUrl: serverUrl,
      NotificationType: type,
      Timestamp: now.toISOString().replace('Z', '+00:00'),
      UtcTimestamp: now.toISOString(),
      Name: item.Name,
      Overview: '',
      Tagline: '',
      ItemId: item.Id,
      ItemType: item.Type,
      RunTimeTicks: ticks,
      RunTime: `${pad(Math.floor(s / 3600) % 24, 2)}:${pad(Math.floor(s / 60) % 60, 2)}:${pad(s % 60, 2)}`,
    };
    if (item.ProductionYear !== undefined) d.Year = item.ProductionYear;
    if (item.PremiereDate) d.PremiereDate = item.PremiereDate.slice(0, 10);
    if (item.Type === 'Episode') {
      Object.assign(d, { SeriesName: item.SeriesName, SeriesId: item.SeriesId });
      for (const [key, n] of [
        ['SeasonNumber', item.ParentIndexNumber],
        ['EpisodeNumber', item.IndexNumber],
      ] as const) {
        if (n !== undefined) Object.assign(d, { [key]: n, [`${key}00`]: pad(n, 2), [`${key}000`]: pad(n, 3) });
      }
    }
    for (const [k, v] of Object.entries(item.ProviderIds)) d[`Provider_${k.toLowerCase()}`] = v;
    const streams = (item.MediaSources?.[0]?.MediaStreams as Json[] | undefined) ?? [];
    streams.forEach((st, i) => {
      const base = `${String(st.Type)}_${streams.slice(0, i).filter((x) => x.Type === st.Type).length}`;
      for (const [k, v] of Object.entries(st)) if (k !== 'Index') d[`${base}_${k}`] = v;
    });
    return d;
  }

  /** Marks every item as last saved `ms` ago (a library that existed before the tracker started). */
  backdate(ms: number): void {
    for (const id of this.savedAt.keys()) this.savedAt.set(id, Date.now() - ms);
  }

  private put(item: JfItem): JfItem {
    this.items.set(item.Id, item);
    this.savedAt.set(item.Id, Date.now());
    return item;
  }

  private authorised(req: IncomingMessage): boolean {
    const auth = req.headers.authorization ?? '';
    const m = /Token="?([^",]*)"?/i.exec(auth);
    return /^MediaBrowser\s/i.test(auth) && m?.[1] !== undefined && decodeURIComponent(m[1]) === this.apiKey;
  }

  private dto(item: JfItem, fields: Set<string> | 'all'): Json {
    const out: Json = { ...item, ServerId: this.serverId };
    if (fields !== 'all') for (const g of GATED) if (!fields.has(g.toLowerCase())) delete out[g];
    return out;
  }

  protected handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://x');
    const path = url.pathname;
    const method = req.method ?? 'GET';
    const itemMatch = /^\/Items\/([^/]+)$/i.exec(path);
    const showMatch = /^\/Shows\/([^/]+)\/Episodes$/i.exec(path);
    const key = itemMatch ? `${method} /Items/{id}` : showMatch ? `${method} /Shows/{id}/Episodes` : `${method} ${path}`;
    this.counter.hit(key);
    if (!this.authorised(req)) return send(res, 401, '');
    // ASP.NET binds query parameters case-insensitively.
    const query = new Map<string, string>();
    for (const [k, v] of url.searchParams) query.set(k.toLowerCase(), v);
    const list = (name: string) =>
      (query.get(name) ?? '')
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean);
    const fields = new Set(list('fields').map((f) => f.toLowerCase()));
    const page = (items: JfItem[]) => {
      const start = Number(query.get('startindex') ?? 0) || 0;
      const limit = query.has('limit') ? Number(query.get('limit')) : undefined;
      const slice = items.slice(start, limit === undefined ? undefined : start + limit);
      return { Items: slice.map((i) => this.dto(i, fields)), TotalRecordCount: items.length, StartIndex: start };
    };
    if (method === 'GET' && path === '/System/Info') {
      return sendJson(res, { ServerName: 'jellyfin', Version: this.version, Id: this.serverId, ProductName: 'Jellyfin Server', OperatingSystem: 'Linux', StartupWizardCompleted: true });
    }
    if (method === 'GET' && path === '/Items') {
      const ids = list('ids').map(norm);
      const types = list('includeitemtypes').map((t) => t.toLowerCase());
      const recursive = query.get('recursive')?.toLowerCase() === 'true';
      let pool: JfItem[] = ids.length ? ids.map((id) => this.items.get(id)).filter((i) => i !== undefined) : recursive ? [...this.items.values()] : [];
      if (types.length) pool = pool.filter((i) => types.includes(i.Type.toLowerCase()));
      const minSaved = Date.parse(query.get('mindatelastsaved') ?? '');
      if (Number.isFinite(minSaved)) pool = pool.filter((i) => (this.savedAt.get(i.Id) ?? 0) >= minSaved);
      const sortBy = list('sortby')[0]?.toLowerCase();
      const dir = query.get('sortorder')?.toLowerCase() === 'descending' ? -1 : 1;
      const keyOf = sortBy === 'datecreated' ? (i: JfItem) => i.DateCreated : sortBy === 'sortname' || sortBy === 'name' ? (i: JfItem) => i.Name.toLowerCase() : null;
      if (keyOf) pool.sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : keyOf(a) > keyOf(b) ? 1 : 0) * dir);
      return sendJson(res, page(pool));
    }
    if (method === 'GET' && itemMatch) {
      const item = this.items.get(norm(decodeURIComponent(itemMatch[1]!)));
      if (!item) return sendJson(res, { type: 'https://tools.ietf.org/html/rfc9110#section-15.5.5', title: 'Not Found', status: 404 }, 404);
      return sendJson(res, this.dto(item, 'all'));
    }
    if (method === 'GET' && showMatch) {
      const series = this.items.get(norm(decodeURIComponent(showMatch[1]!)));
      if (!series || series.Type !== 'Series') return sendJson(res, { title: 'Not Found', status: 404 }, 404);
      const eps = [...this.items.values()]
        .filter((i) => i.Type === 'Episode' && i.SeriesId === series.Id)
        .sort((a, b) => (a.ParentIndexNumber ?? 0) - (b.ParentIndexNumber ?? 0) || (a.IndexNumber ?? 0) - (b.IndexNumber ?? 0));
      return sendJson(res, page(eps));
    }
    return sendJson(res, { message: `Not found: ${method} ${path}` }, 404);
  }
}
