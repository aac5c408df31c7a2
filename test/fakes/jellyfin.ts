/**
 * Jellyfin 10.10/10.11/12 fake (docs/upstreams.md §5): PascalCase JSON, nulls omitted, N-format
 * GUIDs; auth by `Authorization: MediaBrowser Token="…"` or `ApiKey` query, legacy forms
 * (`X-Emby-Token`, `api_key`, `Emby` scheme…) only while `state.legacyAuth` (12.0: false);
 * `/Items` ignores `AnyProviderIdEquals` (returns everything, like the real server) and only
 * returns `ProviderIds`/`Path`/`DateCreated`/`MediaSources` when listed in `Fields`;
 * `POST /Library/Refresh` answers 204 only after `state.scanDelayMs`, counting calls in flight;
 * plus a jellyfin-plugin-webhook sender (`ItemAdded`/`ItemDeleted`, §5.3).
 *
 *   const jf = createJellyfinFake();
 *   const s = jf.addSeries({ name: 'Dan Da Dan', year: 2024, providerIds: shokofinIds({ series: 12 }) });
 *   const e = jf.addEpisode(s, { season: 1, episode: 3, providerIds: shokofinIds({ series: 12, episode: 345, file: 678 }) });
 *   await jf.sendItemAdded(receiverUrl, e, { contentType: 'application/json' });
 */
import type { Request } from 'express';
import { createFakeApp, guidD, guidN, header, iso, Lifecycle, q, qBool, qInt, qList, sendHook, stripNulls, type FakeHandle, type SentHook } from './common.js';

type Rec = Record<string, unknown>;
export type ItemType = 'Movie' | 'Series' | 'Season' | 'Episode';

export interface JfItem {
  Id: string;
  Name: string;
  Type: ItemType;
  ProviderIds: Record<string, string>;
  DateCreated: string;
  DateLastSaved: string;
  LocationType: 'FileSystem' | 'Virtual' | 'Remote' | 'Offline';
  IsFolder: boolean;
  Path?: string;
  ParentId?: string;
  ProductionYear?: number;
  PremiereDate?: string;
  Overview?: string;
  Genres?: string[];
  SeriesId?: string;
  SeriesName?: string;
  SeasonId?: string;
  SeasonName?: string;
  IndexNumber?: number;
  IndexNumberEnd?: number;
  ParentIndexNumber?: number;
  RunTimeTicks?: number;
  MediaType?: string;
  MediaSources?: Rec[];
}

/** Fields only serialized when requested in `Fields` (ItemFields). */
const GATED = ['ProviderIds', 'Path', 'DateCreated', 'MediaSources', 'Overview', 'Genres', 'DateLastSaved'];

export interface JellyfinState {
  apiKey: string;
  /** 10.10/10.11 default true; 12.0 default false. */
  legacyAuth: boolean;
  serverId: string;
  serverName: string;
  version: string;
  items: JfItem[];
  /** How long `POST /Library/Refresh` takes before answering 204. */
  scanDelayMs: number;
  refresh: { calls: number; completed: number; inFlight: number; maxInFlight: number };
  /** Bodies of `POST /Library/Media/Updated`. */
  mediaUpdated: unknown[];
  sent: SentHook[];
  /** Installed plugins (`GET /Plugins`) with their configuration (`GET /Plugins/{id}/Configuration`). */
  plugins: JfPlugin[];
}

export interface JfPlugin {
  Id: string;
  Name: string;
  Version: string;
  /** PascalCase, as Jellyfin serializes a plugin's configuration class. */
  configuration: Rec;
}

/** Plugin ids ("N" format) of jellyfin-plugin-webhook and Shokofin (whose name is "Shoko"). */
export const PLUGINS = {
  webhook: { Id: '71552a5a5c5c4350a2aeebe451a30173', Name: 'Webhook', Version: '18.0.0.0' },
  shokofin: { Id: '5216ccbfd24a4eb38a7e7da4230b7052', Name: 'Shoko', Version: '4.2.1.0' },
} as const;

/** A Shokofin 4.2 configuration: SignalR on, each given Jellyfin folder mapped to an import folder. */
export function shokofinConfig(folders: Array<{ path: string; importFolderId: number; fileEvents?: boolean }>, opts: { signalr?: boolean; fileEvents?: boolean } = {}): Rec {
  return {
    Url: 'http://shoko:8111',
    PublicUrl: '',
    Username: 'admin',
    ApiKey: 'shokofin-private-key',
    AddAniDBId: true,
    AddTMDBId: false,
    AddTvDBId: false,
    VFS_Enabled: true,
    LibraryFilteringMode: 'Auto',
    FilterMovieLibraries: true,
    SignalR_AutoConnectEnabled: opts.signalr ?? true,
    SignalR_AutoReconnectInSeconds: [0, 2, 10, 30, 60, 120, 300],
    SignalR_RefreshEnabled: true,
    SignalR_FileEvents: opts.fileEvents ?? true,
    SignalR_EventSources: ['Shoko', 'AniDB', 'TMDB'],
    MediaFolders: folders.map((f, i) => ({
      LibraryId: guidN(),
      MediaFolderId: guidN(),
      MediaFolderPath: f.path,
      ImportFolderId: f.importFolderId,
      ImportFolderName: null,
      ImportFolderRelativePath: '',
      IsFileEventsEnabled: f.fileEvents ?? true,
      IsRefreshEventsEnabled: true,
      IsVirtualFileSystemEnabled: true,
      LibraryFilteringMode: 'Auto',
      Order: i,
    })),
  };
}

/** A webhook-plugin configuration with Generic destinations (NotificationTypes as enum names). */
export function webhookPluginConfig(destinations: Array<{ uri: string; types?: string[]; enabled?: boolean }>): Rec {
  return {
    ServerUrl: 'http://jellyfin.local:8096',
    DiscordOptions: [],
    GenericFormOptions: [],
    GotifyOptions: [],
    PushbulletOptions: [],
    PushoverOptions: [],
    SlackOptions: [],
    SmtpOptions: [],
    MqttOptions: [],
    GenericOptions: destinations.map((d) => ({
      NotificationTypes: d.types ?? ['ItemAdded', 'ItemDeleted'],
      WebhookName: 'tracker',
      WebhookUri: d.uri,
      EnableMovies: true,
      EnableEpisodes: true,
      EnableSeries: true,
      EnableSeasons: false,
      EnableAlbums: false,
      EnableSongs: false,
      EnableVideos: false,
      SendAllProperties: true,
      TrimWhitespace: false,
      SkipEmptyMessageBody: false,
      EnableWebhook: d.enabled ?? true,
      Template: '',
      UserFilter: [],
      Headers: [{ Key: 'Content-Type', Value: 'application/json' }],
      Fields: [],
    })),
  };
}

const LIB = { movies: 'f137a2dd21bbc1b99aa5c0f6bf02a805', tv: 'a656b907eb3a73532e40e44b968d0225' };

/** Shokofin's provider ids (no Tmdb/Tvdb by default, §6.7). */
export function shokofinIds(ids: { series?: number; episode?: number; file?: number; group?: number; anidb?: number }): Record<string, string> {
  const out: Record<string, string> = {};
  if (ids.series !== undefined) out['Shoko Series'] = String(ids.series);
  if (ids.group !== undefined) out['Shoko Group'] = String(ids.group);
  if (ids.episode !== undefined) out['Shoko Episode'] = String(ids.episode);
  if (ids.file !== undefined) out['Shoko File'] = String(ids.file);
  if (ids.anidb !== undefined) out.AniDB = String(ids.anidb);
  return out;
}

export interface WebhookOpts {
  format?: 'all-properties' | 'template';
  /** Handlebars-like template (`{{ItemId}}`, `{{[Provider_shoko file]}}`); default `DEFAULT_WEBHOOK_TEMPLATE`. */
  template?: string;
  /** Without `application/json` the plugin posts `text/plain`. */
  contentType?: 'text/plain' | 'application/json';
  headers?: Record<string, string>;
  serverUrl?: string;
}

export const DEFAULT_WEBHOOK_TEMPLATE = `{"NotificationType":"{{NotificationType}}","ItemId":"{{ItemId}}","ItemType":"{{ItemType}}","Name":"{{Name}}","Year":"{{Year}}","SeriesId":"{{SeriesId}}","SeasonNumber":"{{SeasonNumber}}","EpisodeNumber":"{{EpisodeNumber}}","Provider_tmdb":"{{Provider_tmdb}}","Provider_tvdb":"{{Provider_tvdb}}","Provider_imdb":"{{Provider_imdb}}","Provider_shoko_episode":"{{[Provider_shoko episode]}}","Provider_shoko_file":"{{[Provider_shoko file]}}"}`;

const norm = (id: string) => id.replace(/-/g, '').toLowerCase();
const pad = (n: number, w: number) => String(n).padStart(w, '0');
const hms = (ticks: number) => {
  const s = Math.floor(ticks / 10_000_000);
  return `${pad(Math.floor(s / 3600) % 24, 2)}:${pad(Math.floor(s / 60) % 60, 2)}:${pad(s % 60, 2)}`;
};
const localIso = (d: Date) => {
  const off = -d.getTimezoneOffset();
  const local = new Date(d.getTime() + off * 60_000).toISOString().replace('Z', '');
  return `${local}${off >= 0 ? '+' : '-'}${pad(Math.floor(Math.abs(off) / 60), 2)}:${pad(Math.abs(off) % 60, 2)}`;
};

export function createJellyfinFake(init: Partial<Pick<JellyfinState, 'apiKey' | 'legacyAuth' | 'version' | 'scanDelayMs'>> = {}) {
  const state: JellyfinState = {
    apiKey: 'jellyfin-api-key',
    legacyAuth: true,
    serverId: '0f5e7c9a1b2d4e6f8a0b1c2d3e4f5a6b',
    serverName: 'jellyfin',
    version: '10.10.7',
    items: [],
    scanDelayMs: 200,
    refresh: { calls: 0, completed: 0, inFlight: 0, maxInFlight: 0 },
    mediaUpdated: [],
    sent: [],
    plugins: [],
    ...init,
  };
  /** Called when a `/Library/Refresh` scan finishes (e.g. to add the scanned items). */
  let onScan: (() => void | Promise<void>) | undefined;

  const token = (v: string) => {
    const m = /Token="?([^",]*)"?/i.exec(v);
    return m?.[1] === undefined ? undefined : decodeURIComponent(m[1]);
  };
  const authVia = (req: Request): string | undefined => {
    const key = state.apiKey;
    const auth = header(req, 'authorization') ?? '';
    if (/^MediaBrowser\s/i.test(auth) && token(auth) === key) return 'MediaBrowser';
    if (q(req, 'ApiKey') === key) return 'ApiKey';
    if (!state.legacyAuth) return undefined;
    if (/^Emby\s/i.test(auth) && token(auth) === key) return 'Emby';
    if (token(header(req, 'x-emby-authorization') ?? '') === key) return 'X-Emby-Authorization';
    if (header(req, 'x-emby-token') === key) return 'X-Emby-Token';
    if (header(req, 'x-mediabrowser-token') === key) return 'X-MediaBrowser-Token';
    if (q(req, 'api_key') === key) return 'api_key';
    return undefined;
  };
  const fa = createFakeApp({
    auth: (req, res) => {
      const via = authVia(req);
      (res.locals.entry as { meta: Rec }).meta.authVia = via;
      return via !== undefined;
    },
    onUnauthorized: (res) => void res.status(401).end(),
  });
  const { route } = fa;

  const find = (id: string | undefined) => (id === undefined ? undefined : state.items.find((i) => i.Id === norm(id)));
  const fieldsOf = (req: Request) => new Set(qList(req, 'Fields').map((f) => f.toLowerCase()));
  const dto = (item: JfItem, fields: Set<string> | 'all'): Rec => {
    const out: Rec = { ...item, ServerId: state.serverId };
    if (fields !== 'all') for (const g of GATED) if (!fields.has(g.toLowerCase())) delete out[g];
    delete out.DateLastSaved;
    return stripNulls(out);
  };
  const notFound = (res: import('express').Response) =>
    res
      .status(404)
      .type('application/problem+json')
      .send(JSON.stringify({ type: 'https://tools.ietf.org/html/rfc9110#section-15.5.5', title: 'Not Found', status: 404 }));
  const descendants = (id: string): JfItem[] => {
    const kids = state.items.filter((i) => i.ParentId === id);
    return kids.concat(kids.flatMap((k) => descendants(k.Id)));
  };
  const sortAndPage = (req: Request, list: JfItem[]) => {
    const sortBy = qList(req, 'SortBy')[0]?.toLowerCase();
    const keyOf: Record<string, (i: JfItem) => string | number> = {
      datecreated: (i) => i.DateCreated,
      sortname: (i) => i.Name.toLowerCase(),
      name: (i) => i.Name.toLowerCase(),
      premieredate: (i) => i.PremiereDate ?? '',
      productionyear: (i) => i.ProductionYear ?? 0,
      indexnumber: (i) => i.IndexNumber ?? 0,
    };
    const k = sortBy ? keyOf[sortBy] : undefined;
    const dir = q(req, 'SortOrder')?.toLowerCase() === 'descending' ? -1 : 1;
    const sorted = k ? [...list].sort((a, b) => (k(a) < k(b) ? -1 : k(a) > k(b) ? 1 : 0) * dir) : list;
    const start = qInt(req, 'StartIndex') ?? 0;
    const limit = qInt(req, 'Limit');
    const fields = fieldsOf(req);
    const page = sorted.slice(start, limit === undefined ? undefined : start + limit);
    return { Items: page.map((i) => dto(i, fields)), TotalRecordCount: sorted.length, StartIndex: start };
  };
  const missingFilter = (req: Request) => {
    const m = qBool(req, 'isMissing');
    return (i: JfItem) => m === undefined || (i.LocationType === 'Virtual') === m;
  };

  route(
    'get',
    '/System/Info/Public',
    (_req, res) =>
      res.json({ LocalAddress: 'http://127.0.0.1:8096', ServerName: state.serverName, Version: state.version, ProductName: 'Jellyfin Server', Id: state.serverId, StartupWizardCompleted: true }),
    { public: true },
  );
  route('get', '/System/Info', (_req, res) =>
    res.json({
      ServerName: state.serverName,
      Version: state.version,
      Id: state.serverId,
      ProductName: 'Jellyfin Server',
      OperatingSystem: 'Linux',
      StartupWizardCompleted: true,
      HasPendingRestart: false,
      IsShuttingDown: false,
    }),
  );

  route('get', '/Items', (req, res) => {
    // `AnyProviderIdEquals` is deliberately ignored, as by the real server.
    const types = qList(req, 'IncludeItemTypes').map((t) => t.toLowerCase());
    const ids = qList(req, 'Ids').map(norm);
    const years = qList(req, 'Years').map(Number);
    const term = q(req, 'SearchTerm')?.toLowerCase();
    const parentId = q(req, 'ParentId');
    const recursive = qBool(req, 'Recursive') === true;
    const minSaved = q(req, 'MinDateLastSaved');
    const has = (name: string, key: string) => {
      const want = qBool(req, name);
      return (i: JfItem) => want === undefined || Boolean(Object.entries(i.ProviderIds).find(([k, v]) => k.toLowerCase() === key && v)) === want;
    };
    // Express 5 parses `req.query` on every read: the per-item tests are built once per request.
    const [hasTmdb, hasTvdb, hasImdb, missing] = [has('HasTmdbId', 'tmdb'), has('HasTvdbId', 'tvdb'), has('HasImdbId', 'imdb'), missingFilter(req)];
    let pool: JfItem[];
    if (ids.length) pool = state.items.filter((i) => ids.includes(i.Id));
    else if (parentId) pool = recursive ? descendants(norm(parentId)) : state.items.filter((i) => i.ParentId === norm(parentId));
    else pool = recursive ? state.items : []; // non-recursive root = the user's views, which hold no media items
    const list = pool.filter(
      (i) =>
        (types.length === 0 || types.includes(i.Type.toLowerCase())) &&
        (years.length === 0 || years.includes(i.ProductionYear ?? -1)) &&
        (!term || i.Name.toLowerCase().includes(term)) &&
        (!minSaved || Date.parse(i.DateLastSaved) >= Date.parse(minSaved)) &&
        hasTmdb(i) &&
        hasTvdb(i) &&
        hasImdb(i) &&
        missing(i),
    );
    res.json(sortAndPage(req, list));
  });
  route('get', '/Items/:id', (req, res) => {
    const item = find(req.params.id as string);
    return item ? res.json(dto(item, 'all')) : notFound(res);
  });
  route('get', '/Shows/:id/Episodes', (req, res) => {
    const series = find(req.params.id as string);
    if (series?.Type !== 'Series') return notFound(res);
    const season = qInt(req, 'season');
    const seasonId = q(req, 'seasonId');
    const missing = missingFilter(req);
    const eps = state.items
      .filter((i) => i.Type === 'Episode' && i.SeriesId === series.Id)
      .filter((i) => (season === undefined || i.ParentIndexNumber === season) && (!seasonId || i.SeasonId === norm(seasonId)) && missing(i))
      .sort((a, b) => (a.ParentIndexNumber ?? 0) - (b.ParentIndexNumber ?? 0) || (a.IndexNumber ?? 0) - (b.IndexNumber ?? 0));
    return res.json(sortAndPage(req, eps));
  });
  route('get', '/Shows/:id/Seasons', (req, res) => {
    const series = find(req.params.id as string);
    if (series?.Type !== 'Series') return notFound(res);
    const missing = missingFilter(req);
    const seasons = state.items.filter((i) => i.Type === 'Season' && i.ParentId === series.Id && missing(i));
    return res.json(
      sortAndPage(
        req,
        seasons.sort((a, b) => (a.IndexNumber ?? 0) - (b.IndexNumber ?? 0)),
      ),
    );
  });
  route('post', '/Library/Refresh', async (_req, res) => {
    const r = state.refresh;
    r.calls++;
    r.inFlight++;
    r.maxInFlight = Math.max(r.maxInFlight, r.inFlight);
    const finished = await fa.timers.sleep(state.scanDelayMs);
    r.inFlight--;
    if (!finished) return;
    await onScan?.();
    r.completed++;
    res.status(204).end();
  });
  route('post', '/Library/Media/Updated', (req, res) => {
    state.mediaUpdated.push(req.body);
    res.status(204).end();
  });
  route('post', '/Items/:id/Refresh', (req, res) => (find(req.params.id as string) ? res.status(204).end() : notFound(res)));
  route('get', '/Plugins', (_req, res) =>
    res.json(
      state.plugins.map((p) => ({
        Name: p.Name,
        Version: p.Version,
        ConfigurationFileName: `Jellyfin.Plugin.${p.Name}.xml`,
        Description: '',
        Id: p.Id,
        CanUninstall: true,
        HasImage: false,
        Status: 'Active',
      })),
    ),
  );
  route('get', '/Plugins/:id/Configuration', (req, res) => {
    const p = state.plugins.find((x) => x.Id === norm(String(req.params.id)));
    return p ? res.json(p.configuration) : notFound(res);
  });
  // PluginsController.UpdatePluginConfiguration: the body replaces the configuration (admin key), 204.
  route('post', '/Plugins/:id/Configuration', (req, res) => {
    const p = state.plugins.find((x) => x.Id === norm(String(req.params.id)));
    if (!p) return notFound(res);
    if (!req.body || typeof req.body !== 'object' || Array.isArray(req.body)) return res.status(400).json({ title: 'One or more validation errors occurred.', status: 400 });
    p.configuration = req.body as Rec;
    return res.status(204).end();
  });
  fa.finish();
  const life = new Lifecycle(fa.app, undefined, () => fa.timers.cancelAll());

  const add = (item: Partial<JfItem> & Pick<JfItem, 'Name' | 'Type'>): JfItem => {
    const now = iso();
    const full: JfItem = { ProviderIds: {}, DateCreated: now, DateLastSaved: now, LocationType: 'FileSystem', IsFolder: false, ...item, Id: norm(item.Id ?? guidN()) };
    state.items.push(full);
    return full;
  };
  const fileProps = (id: string | undefined, path: string | false | undefined, ticks: number): Partial<JfItem> =>
    path === false || path === undefined
      ? { LocationType: 'Virtual' }
      : {
          Path: path,
          LocationType: 'FileSystem',
          MediaType: 'Video',
          RunTimeTicks: ticks,
          MediaSources: [
            {
              Protocol: 'File',
              Id: id,
              Path: path,
              Type: 'Default',
              Container: 'mkv',
              Size: 1_400_000_000,
              Name: path
                .split('/')
                .pop()
                ?.replace(/\.\w+$/, ''),
              IsRemote: false,
              RunTimeTicks: ticks,
              SupportsDirectPlay: true,
              MediaStreams: [
                { Type: 'Video', Codec: 'h264', Height: 1080, Width: 1920, Index: 0 },
                { Type: 'Audio', Codec: 'aac', Language: 'jpn', Channels: 2, Index: 1 },
              ],
            },
          ],
        };

  const api = {
    state,
    log: fa.log,
    faults: fa.faults,
    start: (): Promise<FakeHandle> => life.start(),
    stop: () => life.stop(),
    set onScan(fn: (() => void | Promise<void>) | undefined) {
      onScan = fn;
    },
    get onScan() {
      return onScan;
    },

    /** A movie; `file` (default a path under /data/movies) or `false` for no file. */
    addMovie(o: { name: string; year?: number; tmdbId?: number | string; imdbId?: string; providerIds?: Record<string, string>; file?: string | false; id?: string; dateCreated?: string }): JfItem {
      const id = o.id ? norm(o.id) : guidN();
      const file = o.file === undefined ? `/data/movies/${o.name} (${o.year ?? 2024})/${o.name} (${o.year ?? 2024}).mkv` : o.file;
      const providerIds = { ...(o.tmdbId !== undefined ? { Tmdb: String(o.tmdbId) } : {}), ...(o.imdbId ? { Imdb: o.imdbId } : {}), ...o.providerIds };
      return add({
        Id: id,
        Name: o.name,
        Type: 'Movie',
        ProductionYear: o.year,
        PremiereDate: o.year ? `${o.year}-05-14T00:00:00.0000000Z` : undefined,
        ParentId: LIB.movies,
        ProviderIds: providerIds,
        ...(o.dateCreated ? { DateCreated: o.dateCreated } : {}),
        ...fileProps(id, file, 72_000_000_000),
        ...(file === false ? { LocationType: 'FileSystem' } : {}),
      });
    },

    addSeries(o: { name: string; year?: number; tmdbId?: number | string; tvdbId?: number | string; providerIds?: Record<string, string>; path?: string; id?: string }): JfItem {
      const providerIds = { ...(o.tmdbId !== undefined ? { Tmdb: String(o.tmdbId) } : {}), ...(o.tvdbId !== undefined ? { Tvdb: String(o.tvdbId) } : {}), ...o.providerIds };
      return add({
        Id: o.id,
        Name: o.name,
        Type: 'Series',
        IsFolder: true,
        ProductionYear: o.year,
        PremiereDate: o.year ? `${o.year}-01-01T00:00:00.0000000Z` : undefined,
        ParentId: LIB.tv,
        ProviderIds: providerIds,
        Path: o.path ?? `/data/tv/${o.name}`,
      });
    },

    /** Finds or creates season `n` of `series`. */
    addSeason(series: JfItem, n: number, o: { providerIds?: Record<string, string>; virtual?: boolean } = {}): JfItem {
      const existing = state.items.find((i) => i.Type === 'Season' && i.ParentId === series.Id && i.IndexNumber === n);
      if (existing) return existing;
      return add({
        Name: n === 0 ? 'Specials' : `Season ${n}`,
        Type: 'Season',
        IsFolder: true,
        IndexNumber: n,
        ParentId: series.Id,
        SeriesId: series.Id,
        SeriesName: series.Name,
        ProviderIds: o.providerIds ?? {},
        LocationType: o.virtual ? 'Virtual' : 'FileSystem',
        Path: o.virtual ? undefined : `${series.Path ?? ''}/Season ${pad(n, 2)}`,
      });
    },

    /** An episode; `file: false` makes a virtual (missing) placeholder. */
    addEpisode(series: JfItem, o: { season: number; episode: number; episodeEnd?: number; name?: string; providerIds?: Record<string, string>; file?: string | false; id?: string }): JfItem {
      const season = api.addSeason(series, o.season);
      const id = o.id ? norm(o.id) : guidN();
      const sxe = `S${pad(o.season, 2)}E${pad(o.episode, 2)}`;
      const file = o.file === undefined ? `${season.Path ?? ''}/${series.Name} - ${sxe}.mkv` : o.file;
      return add({
        Id: id,
        Name: o.name ?? `Episode ${o.episode}`,
        Type: 'Episode',
        IndexNumber: o.episode,
        IndexNumberEnd: o.episodeEnd,
        ParentIndexNumber: o.season,
        ParentId: season.Id,
        SeasonId: season.Id,
        SeasonName: season.Name,
        SeriesId: series.Id,
        SeriesName: series.Name,
        ProviderIds: o.providerIds ?? {},
        ProductionYear: series.ProductionYear,
        ...fileProps(id, file, 14_400_000_000),
      });
    },

    /** Removes an item and its children (`/Items/{id}` → 404). */
    remove(id: string): void {
      const gone = new Set([norm(id), ...descendants(norm(id)).map((i) => i.Id)]);
      state.items = state.items.filter((i) => !gone.has(i.Id));
    },

    /** The plugin's data object ("Send All Properties" JSON). */
    webhookData(item: JfItem, type: 'ItemAdded' | 'ItemDeleted', serverUrl = 'http://jellyfin.local:8096'): Rec {
      const now = new Date();
      const d: Rec = {
        ServerId: state.serverId,
        ServerName: state.serverName,
        ServerVersion: state.version,
        ServerUrl: serverUrl,
        NotificationType: type,
        Timestamp: localIso(now),
        UtcTimestamp: now.toISOString(),
        Name: item.Name,
        Overview: item.Overview ?? '',
        Tagline: '',
        ItemId: item.Id,
        ItemType: item.Type,
        RunTimeTicks: item.RunTimeTicks ?? 0,
        RunTime: hms(item.RunTimeTicks ?? 0),
      };
      if (item.ProductionYear !== undefined) d.Year = item.ProductionYear;
      if (item.PremiereDate) d.PremiereDate = item.PremiereDate.slice(0, 10);
      if (item.Genres?.length) d.Genres = item.Genres.join(', ');
      const series = find(item.SeriesId);
      const num = (key: string, n: number | undefined) => {
        if (n === undefined) return;
        Object.assign(d, { [key]: n, [`${key}00`]: pad(n, 2), [`${key}000`]: pad(n, 3) });
      };
      if (item.Type === 'Season' && series) {
        Object.assign(d, { SeriesName: series.Name, ...(series.ProductionYear !== undefined ? { Year: series.ProductionYear } : {}), SeriesId: series.Id });
        num('SeasonNumber', item.IndexNumber);
      }
      if (item.Type === 'Episode' && series) {
        Object.assign(d, { SeriesName: series.Name, SeriesId: series.Id, SeasonId: item.SeasonId });
        if (series.PremiereDate) d.SeriesPremiereDate = series.PremiereDate.slice(0, 10);
        num('SeasonNumber', find(item.SeasonId)?.IndexNumber);
        num('EpisodeNumber', item.IndexNumber);
        num('EpisodeNumberEnd', item.IndexNumberEnd);
        if (series.ProductionYear !== undefined) d.Year = series.ProductionYear;
      }
      for (const [k, v] of Object.entries(item.ProviderIds)) d[`Provider_${k.toLowerCase()}`] = v;
      const streams = (item.MediaSources?.[0]?.MediaStreams as Rec[] | undefined) ?? [];
      streams.forEach((s, i) => {
        const base = `${String(s.Type)}_${streams.slice(0, i).filter((x) => x.Type === s.Type).length}`;
        for (const [k, v] of Object.entries(s)) if (k !== 'Index') d[`${base}_${k}`] = v;
      });
      return d;
    },

    sendItemAdded: (url: string, item: JfItem, opts: WebhookOpts = {}) => api.sendWebhook(url, item, 'ItemAdded', opts),
    sendItemDeleted: (url: string, item: JfItem, opts: WebhookOpts = {}) => api.sendWebhook(url, item, 'ItemDeleted', opts),

    async sendWebhook(url: string, item: JfItem, type: 'ItemAdded' | 'ItemDeleted', opts: WebhookOpts = {}): Promise<SentHook> {
      const data = api.webhookData(item, type, opts.serverUrl);
      let body: string;
      if (opts.format === 'template') {
        const lookup = new Map(Object.entries(data).map(([k, v]) => [k.toLowerCase(), ['ItemId', 'SeriesId', 'SeasonId'].includes(k) ? guidD(String(v)) : v]));
        body = (opts.template ?? DEFAULT_WEBHOOK_TEMPLATE).replace(/\{\{\s*(\[[^\]]+\]|[^{}\s]+)\s*\}\}/g, (_m, key: string) => {
          const v = lookup.get(key.replace(/^\[|\]$/g, '').toLowerCase());
          return v === undefined || v === null ? '' : typeof v === 'boolean' ? (v ? 'True' : 'False') : String(v);
        });
      } else {
        body = JSON.stringify(data);
      }
      const headers: Record<string, string> = { 'Content-Type': opts.contentType === 'application/json' ? 'application/json' : 'text/plain; charset=utf-8', ...opts.headers };
      const sent = await sendHook(url, body, { headers });
      state.sent.push(sent);
      return sent;
    },
  };
  return api;
}
