/**
 * The demo's media library: a small in-memory server answering the part of Jellyfin's API the
 * tracker reads (`/System/Info`, `/Items`, `/Items/{id}`, `/Shows/{id}/Episodes`,
 * `/Library/Refresh` for the panel's "Refresh Jellyfin", and Shokofin's settings for the doctor;
 * PascalCase JSON, `MediaBrowser Token` auth), and the webhook plugin's `ItemAdded`/`ItemDeleted` bodies.
 * Only Jellyfin can prove an episode playable, so without it a season could never be seen
 * partly available. Items get stable ids from their labels, so scenarios can name them upfront.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SHOKOFIN_PLUGIN_ID } from '../integrations/shoko/doctor.js';
import { fakeHash, type EpisodeSpec, type MovieSpec, type ShowSpec } from './payloads.js';
import { DEMO_IMPORT_FOLDER, type AnimeFile } from './shoko.js';

export interface LibraryItem {
  Id: string;
  Name: string;
  Type: 'Movie' | 'Series' | 'Episode';
  ProviderIds: Record<string, string>;
  ProductionYear: number;
  Path: string;
  IsFolder: boolean;
  LocationType: 'FileSystem';
  SeriesId?: string;
  SeriesName?: string;
  ParentIndexNumber?: number;
  IndexNumber?: number;
  MediaSources?: Array<{ Id: string; Path: string; Protocol: 'File'; Container: 'mkv' }>;
  DateCreated?: string;
}

export const DEMO_LIBRARY_KEY = 'demo-library-key';

const itemId = (label: string) => fakeHash(`library:${label}`).slice(0, 32);
const playable = (id: string, path: string) => ({ Path: path, MediaSources: [{ Id: id, Path: path, Protocol: 'File' as const, Container: 'mkv' as const }] });

/** A movie file in the library; `quality` names the file, so an upgrade is a new item. */
export function libraryMovie(m: MovieSpec, quality = 'Bluray-1080p'): LibraryItem {
  const id = itemId(`${m.title}:${quality}`);
  const path = `/data/movies/${m.title} (${m.year})/${m.title} (${m.year}) [${quality}].mkv`;
  return { Id: id, Name: m.title, Type: 'Movie', ProviderIds: { Tmdb: String(m.tmdbId) }, ProductionYear: m.year, IsFolder: false, LocationType: 'FileSystem', ...playable(id, path) };
}

export function librarySeries(s: ShowSpec): LibraryItem {
  return {
    Id: itemId(s.title),
    Name: s.title,
    Type: 'Series',
    ProviderIds: { Tvdb: String(s.tvdbId), Tmdb: String(s.tmdbId) },
    ProductionYear: s.year,
    Path: `/data/tv/${s.title}`,
    IsFolder: true,
    LocationType: 'FileSystem',
  };
}

/** An episode item of `series`, as Jellyfin lists it (a file of its own, playable). */
function episodeItem(s: ShowSpec, e: EpisodeSpec, series: LibraryItem, id: string, providerIds: Record<string, string>, path: string): LibraryItem {
  return {
    Id: id,
    Name: `Episode ${e.episode}`,
    Type: 'Episode',
    ProviderIds: providerIds,
    ProductionYear: s.year,
    IsFolder: false,
    LocationType: 'FileSystem',
    SeriesId: series.Id,
    SeriesName: s.title,
    ParentIndexNumber: e.season,
    IndexNumber: e.episode,
    ...playable(id, path),
  };
}

export function libraryEpisode(s: ShowSpec, e: EpisodeSpec): LibraryItem {
  const series = librarySeries(s);
  const code = `S${String(e.season).padStart(2, '0')}E${String(e.episode).padStart(2, '0')}`;
  const id = itemId(`${s.title}:${code}`);
  return episodeItem(s, e, series, id, {}, `${series.Path}/Season ${String(e.season).padStart(2, '0')}/${s.title} - ${code}.mkv`);
}

/**
 * Anime as Shokofin shows it (docs/upstreams.md §6.7): links in its virtual folders (VFS) named
 * by Shoko's ids, and Shoko's ids as provider ids, no Tmdb or Tvdb id (off by default). So the
 * tracker finds these items only by the `Shoko File` id Shoko's match gave the request.
 */
const VFS = '/config/data/Shokofin/VFS/anime';
/** Shokofin as the doctor reads it (§6.8): following Shoko's hub, the anime library mapped to the demo Shoko's import folder. */
const SHOKOFIN = { Id: SHOKOFIN_PLUGIN_ID, Name: 'Shoko', Version: '4.2.1.0' };
const SHOKOFIN_CONFIG = {
  SignalR_AutoConnectEnabled: true,
  SignalR_FileEvents: true,
  MediaFolders: [{ MediaFolderPath: '/data/anime', ImportFolderId: DEMO_IMPORT_FOLDER.ID, IsFileEventsEnabled: true }],
};
const shokoIds = (f: AnimeFile) => ({ 'Shoko Series': String(f.seriesId), 'Shoko Episode': String(f.episodeId), 'Shoko File': String(f.id) });

export function shokofinMovie(m: MovieSpec, f: AnimeFile): LibraryItem {
  const id = itemId(`shokofin:${f.id}`);
  const path = `${VFS}/${m.title} (${m.year}) [shoko-series-${f.seriesId}]/${m.title} (${m.year}) [shoko-series-${f.seriesId}] [shoko-file-${f.id}].mkv`;
  return { Id: id, Name: m.title, Type: 'Movie', ProviderIds: shokoIds(f), ProductionYear: m.year, IsFolder: false, LocationType: 'FileSystem', ...playable(id, path) };
}

export function shokofinSeries(s: ShowSpec, f: AnimeFile): LibraryItem {
  return {
    Id: itemId(`shokofin:series:${f.seriesId}`),
    Name: s.title,
    Type: 'Series',
    ProviderIds: { 'Shoko Series': String(f.seriesId), AniDB: String(f.anidbAnimeId) },
    ProductionYear: s.year,
    Path: `${VFS}/${s.title} [shoko-series-${f.seriesId}]`,
    IsFolder: true,
    LocationType: 'FileSystem',
  };
}

export function shokofinEpisode(s: ShowSpec, e: EpisodeSpec, f: AnimeFile): LibraryItem {
  const series = shokofinSeries(s, f);
  const id = itemId(`shokofin:${f.id}`);
  const season = `Season ${String(e.season).padStart(2, '0')}`;
  return episodeItem(s, e, series, id, { ...shokoIds(f), AniDB: String(f.anidbEpisodeId) }, `${series.Path}/${season}/${s.title} [shoko-series-${f.seriesId}] [shoko-file-${f.id}].mkv`);
}

/** The webhook plugin's "Send All Properties" body for an item (docs/upstreams.md §5.3). */
export function libraryWebhook(item: LibraryItem, type: 'ItemAdded' | 'ItemDeleted'): Record<string, unknown> {
  const body: Record<string, unknown> = { NotificationType: type, ItemId: item.Id, ItemType: item.Type, Name: item.Name, Year: item.ProductionYear, ServerName: 'Demo library' };
  if (item.Type === 'Episode') Object.assign(body, { SeriesId: item.SeriesId, SeriesName: item.SeriesName, SeasonNumber: item.ParentIndexNumber, EpisodeNumber: item.IndexNumber });
  for (const [k, v] of Object.entries(item.ProviderIds)) body[`Provider_${k.toLowerCase()}`] = v;
  return body;
}

export class DemoLibrary {
  /** By id, with when each was saved (what `MinDateLastSaved` and `SortBy=DateCreated` read). */
  private readonly items = new Map<string, { item: LibraryItem; saved: number }>();
  private server: Server | null = null;
  url = '';

  /** Adds items as a library scan would find them. */
  add(items: readonly LibraryItem[]): void {
    const saved = Date.now();
    for (const item of items) this.items.set(item.Id, { item: { ...item, DateCreated: new Date(saved).toISOString() }, saved });
  }

  remove(ids: readonly string[]): void {
    for (const id of ids) this.items.delete(id);
  }

  async start(): Promise<string> {
    const server = createServer((req, res) => this.answer(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private answer(req: IncomingMessage, res: ServerResponse): void {
    const { status, body } = this.route(req);
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', date: new Date().toUTCString() });
    res.end(body === undefined ? '' : JSON.stringify(body));
  }

  private route(req: IncomingMessage): { status: number; body?: unknown } {
    const send = (status: number, body?: unknown) => ({ status, body });
    if (!(req.headers.authorization ?? '').includes(`Token="${DEMO_LIBRARY_KEY}"`)) return send(401);
    const url = new URL(req.url ?? '/', 'http://library');
    const q = (name: string) => url.searchParams.get(name) ?? undefined;
    const list = (name: string) => (q(name) ?? '').split(',').filter(Boolean);
    const page = (found: Array<{ item: LibraryItem; saved: number }>) => {
      const sorted = q('SortBy') === 'DateCreated' ? [...found].sort((a, b) => (a.saved - b.saved) * (q('SortOrder') === 'Descending' ? -1 : 1)) : found;
      const start = Number(q('StartIndex') ?? 0);
      const limit = q('Limit') === undefined ? sorted.length : Number(q('Limit'));
      return { Items: sorted.slice(start, start + limit).map((f) => f.item), TotalRecordCount: sorted.length, StartIndex: start };
    };
    const all = [...this.items.values()];
    // A scan finds nothing the scenario has not added already.
    if (req.method === 'POST' && url.pathname === '/Library/Refresh') return send(204);
    if (req.method !== 'GET') return send(404);
    if (url.pathname === '/System/Info') return send(200, { ServerName: 'Demo library', Version: '10.10.7', Id: itemId('server'), ProductName: 'Jellyfin Server' });
    if (url.pathname === '/Plugins') return send(200, [SHOKOFIN]);
    if (url.pathname === `/Plugins/${SHOKOFIN.Id}/Configuration`) return send(200, SHOKOFIN_CONFIG);
    if (url.pathname === '/Items') {
      const ids = list('Ids');
      const types = list('IncludeItemTypes');
      const since = q('MinDateLastSaved');
      return send(200, page(all.filter(({ item: i, saved }) => (ids.length === 0 || ids.includes(i.Id)) && (types.length === 0 || types.includes(i.Type)) && (!since || saved >= Date.parse(since)))));
    }
    const item = /^\/Items\/([0-9a-f-]+)$/i.exec(url.pathname);
    if (item) {
      const found = this.items.get(item[1]!.replace(/-/g, '').toLowerCase());
      return found ? send(200, found.item) : send(404);
    }
    const episodes = /^\/Shows\/([0-9a-f-]+)\/Episodes$/i.exec(url.pathname);
    if (episodes) {
      const series = episodes[1]!.replace(/-/g, '').toLowerCase();
      return this.items.has(series) ? send(200, page(all.filter((f) => f.item.SeriesId === series))) : send(404);
    }
    return send(404);
  }
}
