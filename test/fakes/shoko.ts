/**
 * Shoko Server v5 fake (docs/upstreams.md §6): REST (`apikey` header or query; PascalCase) and the
 * SignalR hub `/signalr/aggregate` speaking the real ASP.NET Core SignalR JSON protocol over
 * WebSockets, so the official `@microsoft/signalr` client connects: negotiate (v1) → WebSocket
 * `?id=<token>&feeds=…` → handshake `{"protocol":"json","version":1}\x1e` / `{}\x1e` →
 * `<Group>:OnConnected` per joined feed → invocations, server pings, client pings, close.
 *
 *   const shoko = createShokoFake({ pingIntervalMs: 50 });
 *   const { url } = await shoko.start();
 *   shoko.emit('ShokoEvent:FileMatched', v5.fileEvent({ fileId: 1, ... }));
 *   shoko.dropAll();                       // hub restart: every socket dies (1006)
 *   await shoko.stop(); await shoko.start(); // same port
 *   shoko.state.down = true;               // 503 for negotiate, upgrades and REST
 *   shoko.state.echoFailures = 3;          // the next 3 negotiations fail with an error page quoting the request
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';
import { createFakeApp, header, iso, Lifecycle, q, qBool, qInt, qList, type FakeHandle } from './common.js';

type Rec = Record<string, unknown>;
const RS = '\x1e';

/** Feed name → SignalR group (method prefix). */
export const FEED_GROUPS: Record<string, string> = { shoko: 'ShokoEvent', anidb: 'AniDB', queue: 'Queue', avdump: 'AVDump', network: 'Network' };

export interface ImportFolder {
  ID: number;
  Name: string;
  Path: string;
  DropFolderType: string;
  WatchForNewFiles: boolean;
  FileSize: number;
}
export interface XRefSpec {
  seriesId: number | null;
  anidbAnimeId: number;
  groupId?: number | null;
  episodes: Array<{ id: number | null; anidbEpisodeId: number }>;
}
export interface ShokoFile {
  id: number;
  locationId: number;
  importFolderId: number;
  relativePath: string;
  size: number;
  imported: string | null;
  xrefs: XRefSpec[];
}
export interface ShokoSeries {
  id: number;
  anidbId: number;
  name: string;
  groupId: number;
  tmdbShowIds: number[];
  tmdbMovieIds: number[];
  localEpisodes: number;
  totalEpisodes: number;
}

export interface HubConnectionInfo {
  connectionId: string;
  connectionToken: string;
  /** Whether the client went through `negotiate` (false with skipNegotiation). */
  negotiated: boolean;
  /** `feeds` of the negotiate request. */
  negotiateFeeds: string[];
  /** Feeds joined (lower-cased, from the WebSocket request, like `OnConnectedAsync`). */
  feeds: string[];
  /** `Authorization: Bearer` / `access_token` query (what `accessTokenFactory` sends). */
  accessToken?: string;
  /** `apikey` header or query. */
  apikey?: string;
  handshake: boolean;
  open: boolean;
  pingsSent: number;
  pingsReceived: number;
  invocations: Array<{ target: string; arguments: unknown[]; invocationId?: string }>;
  closedByClient: boolean;
  timedOut: boolean;
  ws?: WebSocket;
  timer?: NodeJS.Timeout;
  lastSeen: number;
  buffer: string;
}

export interface ShokoState {
  apiKeys: string[];
  credentials: { user: string; pass: string };
  /** device → api key (a new login for a device replaces its key). */
  devices: Record<string, string>;
  version: string;
  importFolders: ImportFolder[];
  files: ShokoFile[];
  series: ShokoSeries[];
  /** 503 for everything (REST, negotiate, WebSocket upgrades). */
  down: boolean;
  /** v6 behaviour: the hub requires a valid key (apikey header/query, Bearer, access_token). */
  requireHubAuth: boolean;
  /** v6 behaviour: import folders are listed at `/api/v3/ManagedFolder`; `/api/v3/ImportFolder` answers 404. */
  managedFolders: boolean;
  pingIntervalMs: number;
  /** Close a connection after this long without any client message (v5: 60 s). */
  clientTimeoutMs: number;
  /**
   * The next N negotiations fail with a 500 whose body quotes the request the way a verbose
   * error page or reverse proxy does: the URL as received (key URL-encoded), the decoded query
   * (key raw) and the credentials seen, re-encoded as HTTP Basic (key in base64).
   */
  echoFailures: number;
}

// ---------------------------------------------------------------------------------------
// Payload builders

export interface FileEventSpec {
  fileId: number;
  fileLocationId: number;
  importFolderId: number;
  relativePath: string;
  crossReferences?: Array<{ episodeId: number | null; anidbEpisodeId: number; seriesId: number | null; anidbAnimeId: number; groupId: number | null }>;
}

/** v5.x payloads (PascalCase, Newtonsoft). */
export const v5 = {
  fileDetected: (p: { relativePath: string; importFolderId: number }) => ({ RelativePath: p.relativePath, ImportFolderID: p.importFolderId }),
  fileEvent: (p: FileEventSpec) => ({
    FileID: p.fileId,
    FileLocationID: p.fileLocationId,
    ImportFolderID: p.importFolderId,
    RelativePath: p.relativePath,
    CrossReferences: (p.crossReferences ?? []).map((x) => ({ EpisodeID: x.episodeId, AnidbEpisodeID: x.anidbEpisodeId, SeriesID: x.seriesId, AnidbAnimeID: x.anidbAnimeId, GroupID: x.groupId })),
  }),
  fileNotMatched: (p: FileEventSpec, o: { autoMatchAttempts?: number; hasCrossReferences?: boolean; isUdpBanned?: boolean } = {}) => ({
    ...v5.fileEvent(p),
    AutoMatchAttempts: o.autoMatchAttempts ?? 1,
    HasCrossReferences: o.hasCrossReferences ?? false,
    IsUDPBanned: o.isUdpBanned ?? false,
  }),
  fileRenamed: (p: FileEventSpec, o: { fileName: string; previousFileName: string }) => ({ ...v5.fileEvent(p), FileName: o.fileName, PreviousFileName: o.previousFileName }),
  fileMoved: (p: FileEventSpec, o: { previousRelativePath: string; previousImportFolderId: number }) => ({
    ...v5.fileEvent(p),
    PreviousRelativePath: o.previousRelativePath,
    PreviousImportFolderID: o.previousImportFolderId,
  }),
  seriesUpdated: (p: { source?: string; reason?: string; seriesId: number; shokoSeriesIds?: number[]; episodes?: Array<{ reason?: string; episodeId: number; shokoEpisodeIds?: number[] }> }) => ({
    Source: p.source ?? 'Shoko',
    Reason: p.reason ?? 'Updated',
    SeriesID: p.seriesId,
    ShokoSeriesIDs: p.shokoSeriesIds ?? [],
    Episodes: (p.episodes ?? []).map((e) => ({ Reason: e.reason ?? p.reason ?? 'Updated', EpisodeID: e.episodeId, ShokoEpisodeIDs: e.shokoEpisodeIds ?? [] })),
  }),
  episodeUpdated: (p: { source?: string; reason?: string; episodeId: number; seriesId: number; shokoEpisodeIds?: number[]; shokoSeriesIds?: number[] }) => ({
    Source: p.source ?? 'Shoko',
    Reason: p.reason ?? 'Updated',
    EpisodeID: p.episodeId,
    SeriesID: p.seriesId,
    ShokoEpisodeIDs: p.shokoEpisodeIds ?? [],
    ShokoSeriesIDs: p.shokoSeriesIds ?? [],
  }),
  movieUpdated: (p: { reason?: string; movieId: number; shokoEpisodeIds?: number[]; shokoSeriesIds?: number[] }) => ({
    Source: 'TMDB',
    Reason: p.reason ?? 'Updated',
    MovieID: p.movieId,
    ShokoEpisodeIDs: p.shokoEpisodeIds ?? [],
    ShokoSeriesIDs: p.shokoSeriesIds ?? [],
  }),
};

/** v4.2.2 payloads (camelCase, System.Text.Json; Shoko ids only). */
export const v4 = {
  fileDetected: (p: { relativePath: string; importFolderId: number }) => ({ relativePath: p.relativePath, importFolderID: p.importFolderId }),
  fileEvent: (p: { relativePath: string; fileId: number; importFolderId: number; crossRefs?: Array<{ episodeId: number; seriesId: number; groupId: number }> }) => ({
    relativePath: p.relativePath,
    fileID: p.fileId,
    importFolderID: p.importFolderId,
    crossRefs: (p.crossRefs ?? []).map((x) => ({ episodeID: x.episodeId, seriesID: x.seriesId, groupID: x.groupId })),
  }),
  fileMoved: (p: { fileId: number; newImportFolderId: number; oldImportFolderId: number; newRelativePath: string; oldRelativePath: string }) => ({
    fileID: p.fileId,
    newImportFolderID: p.newImportFolderId,
    oldImportFolderID: p.oldImportFolderId,
    newRelativePath: p.newRelativePath,
    oldRelativePath: p.oldRelativePath,
  }),
  seriesUpdated: (p: { seriesId: number; groupId: number }) => ({ seriesID: p.seriesId, groupID: p.groupId }),
  episodeUpdated: (p: { episodeId: number; seriesId: number; groupId: number }) => ({ episodeID: p.episodeId, seriesID: p.seriesId, groupID: p.groupId }),
};

// ---------------------------------------------------------------------------------------

const param = (url: URL, name: string) => [...url.searchParams].find(([k]) => k.toLowerCase() === name)?.[1];
const parseFeeds = (v: string | undefined) => [
  ...new Set(
    (v ?? '')
      .split(',')
      .map((f) => f.trim().toLowerCase())
      .filter(Boolean),
  ),
];
const newToken = () => randomBytes(16).toString('base64url');

export function createShokoFake(init: Partial<Pick<ShokoState, 'pingIntervalMs' | 'clientTimeoutMs' | 'requireHubAuth' | 'managedFolders' | 'version'>> = {}) {
  const state: ShokoState = {
    apiKeys: ['shoko-api-key'],
    credentials: { user: 'admin', pass: 'secret' },
    devices: {},
    version: '5.3.3.0',
    importFolders: [{ ID: 1, Name: 'Anime', Path: '/data/anime/', DropFolderType: 'Source, Destination', WatchForNewFiles: true, FileSize: 0 }],
    files: [],
    series: [],
    down: false,
    requireHubAuth: false,
    managedFolders: false,
    pingIntervalMs: 15_000,
    clientTimeoutMs: 60_000,
    echoFailures: 0,
    ...init,
  };
  const pending = new Map<string, HubConnectionInfo>();
  const connections: HubConnectionInfo[] = [];
  const wss = new WebSocketServer({ noServer: true });

  const restKey = (req: IncomingMessage, url: URL) => header(req, 'apikey') ?? param(url, 'apikey');
  const fa = createFakeApp({ auth: (req) => state.apiKeys.includes(header(req, 'apikey') ?? q(req, 'apikey') ?? '') });
  const { route } = fa;

  const hubAuth = (req: IncomingMessage, url: URL) => {
    const bearer = header(req, 'authorization')?.replace(/^Bearer\s+/i, '');
    const accessToken = bearer ?? param(url, 'access_token');
    const apikey = restKey(req, url);
    return { accessToken, apikey, valid: [accessToken, apikey].some((k) => k !== undefined && state.apiKeys.includes(k)) };
  };

  route(
    'post',
    '/api/auth',
    (req, res) => {
      const b = (req.body ?? {}) as Rec;
      if (typeof b.user !== 'string' || !b.user.trim()) return res.status(400).json({ errors: { user: ['The user field is required.'] } });
      if (b.user !== state.credentials.user || b.pass !== state.credentials.pass) return res.status(401).end();
      const device = String(b.device ?? 'unknown');
      const old = state.devices[device];
      if (old) state.apiKeys = state.apiKeys.filter((k) => k !== old);
      const key = randomUUID();
      state.devices[device] = key;
      state.apiKeys.push(key);
      return res.json({ apikey: key });
    },
    { public: true },
  );
  route('get', '/api/v3/Init/Version', (_req, res) => res.json({ Server: { Version: state.version, ReleaseChannel: 'Stable', ReleaseDate: '2026-03-01T00:00:00Z' } }), { public: true });
  route('get', '/api/v3/ImportFolder', (_req, res) => (state.managedFolders ? res.status(404).json({ title: 'Not Found', status: 404 }) : res.json(state.importFolders)));
  route('get', '/api/v3/ManagedFolder', (_req, res) => (state.managedFolders ? res.json(state.importFolders) : res.status(404).json({ title: 'Not Found', status: 404 })));

  const fullPath = (f: ShokoFile) => {
    const folder = state.importFolders.find((x) => x.ID === f.importFolderId)?.Path ?? '/';
    return `${folder.replace(/[\\/]+$/, '')}/${f.relativePath.replace(/^[\\/]+/, '')}`;
  };
  const fileResource = (f: ShokoFile, xrefs: boolean, absolute: boolean): Rec => ({
    ID: f.id,
    Size: f.size,
    Hashes: { ED2K: f.id.toString(16).padStart(32, '0').toUpperCase(), SHA1: null, CRC32: null, MD5: null },
    Locations: [{ ID: f.locationId, FileID: f.id, ImportFolderID: f.importFolderId, RelativePath: f.relativePath, ...(absolute ? { AbsolutePath: fullPath(f) } : {}), IsAccessible: true }],
    Duration: '00:24:00',
    Resolution: '1920x1080',
    Created: '2025-01-01T00:00:00Z',
    Updated: iso(),
    Imported: f.imported,
    IsVariation: false,
    IsIgnored: false,
    ...(xrefs
      ? {
          SeriesIDs: f.xrefs.map((x) => ({
            SeriesID: { ID: x.seriesId, AniDB: x.anidbAnimeId, TMDB: { Movie: [], Show: state.series.find((s) => s.id === x.seriesId)?.tmdbShowIds ?? [] } },
            EpisodeIDs: x.episodes.map((e) => ({
              ID: e.id,
              AniDB: e.anidbEpisodeId,
              TMDB: { Movie: [], Episode: [] },
              ReleaseGroup: null,
              ED2K: null,
              FileSize: f.size,
              Percentage: { Start: 0, End: 100, Size: 100, Group: 1 },
              Source: 'AniDB',
            })),
          })),
        }
      : {}),
  });
  const includes = (req: import('express').Request) => new Set(qList(req, 'include').map((s) => s.toLowerCase()));
  route('get', '/api/v3/File/PathEndsWith', (req, res) => {
    const tail = (q(req, 'path') ?? '').replace(/\\/g, '/').toLowerCase();
    if (!tail) return res.status(400).json({ errors: { path: ['The path field is required.'] } });
    const limit = qInt(req, 'limit') ?? Number.MAX_SAFE_INTEGER;
    const inc = includes(req);
    const hits = state.files.filter((f) => fullPath(f).replace(/\\/g, '/').toLowerCase().endsWith(tail)).slice(0, limit);
    return res.json(hits.map((f) => fileResource(f, qBool(req, 'includeXRefs') === true, inc.has('absolutepaths'))));
  });
  route('get', '/api/v3/File/:id', (req, res) => {
    const f = state.files.find((x) => x.id === Number(req.params.id));
    if (!f) return res.status(404).json({ title: 'Not Found', status: 404, detail: 'No File entry for the given fileID' });
    const inc = includes(req);
    return res.json(fileResource(f, inc.has('xrefs'), inc.has('absolutepaths')));
  });
  route('get', '/api/v3/Series/:id', (req, res) => {
    const s = state.series.find((x) => x.id === Number(req.params.id));
    if (!s) return res.status(404).json({ title: 'Not Found', status: 404, detail: 'No Series entry for the given seriesID' });
    const sizes = (episodes: number) => ({ Episodes: episodes, Specials: 0, Credits: 0, Trailers: 0, Parodies: 0, Others: 0 });
    return res.json({
      IDs: { ID: s.id, ParentGroup: s.groupId, TopLevelGroup: s.groupId, AniDB: s.anidbId, TvDB: [], IMDB: [], TMDB: { Movie: s.tmdbMovieIds, Show: s.tmdbShowIds }, MAL: [], TraktTv: [] },
      Name: s.name,
      Size: s.localEpisodes,
      Created: '2025-01-01T00:00:00Z',
      Updated: iso(),
      Sizes: { Hidden: 0, FileSources: {}, Local: sizes(s.localEpisodes), Watched: sizes(0), Total: sizes(s.totalEpisodes), Missing: sizes(s.totalEpisodes - s.localEpisodes) },
    });
  });

  // --- SignalR: negotiate
  route(
    'post',
    '/signalr/aggregate/negotiate',
    (req, res) => {
      const url = new URL(req.originalUrl, 'http://x');
      const auth = hubAuth(req, url);
      if (state.echoFailures > 0) {
        state.echoFailures--;
        const key = auth.apikey ?? auth.accessToken ?? '';
        const query = Object.fromEntries(url.searchParams);
        return res
          .status(500)
          .type('text/plain')
          .send(`Unhandled exception for POST ${req.originalUrl}; query ${JSON.stringify(query)}; credentials Basic ${Buffer.from(`apikey:${key}`).toString('base64')}`);
      }
      if (state.requireHubAuth && !auth.valid) return res.status(401).end();
      const conn = newConnection(true, auth);
      conn.negotiateFeeds = parseFeeds(param(url, 'feeds'));
      pending.set(conn.connectionToken, conn);
      return res.json({
        negotiateVersion: Math.min(qInt(req, 'negotiateVersion') ?? 0, 1),
        connectionId: conn.connectionId,
        connectionToken: conn.connectionToken,
        availableTransports: [{ transport: 'WebSockets', transferFormats: ['Text', 'Binary'] }],
      });
    },
    { public: true },
  );
  fa.finish();

  function newConnection(negotiated: boolean, auth: { accessToken?: string; apikey?: string }): HubConnectionInfo {
    return {
      connectionId: newToken(),
      connectionToken: newToken(),
      negotiated,
      negotiateFeeds: [],
      feeds: [],
      accessToken: auth.accessToken,
      apikey: auth.apikey,
      handshake: false,
      open: false,
      pingsSent: 0,
      pingsReceived: 0,
      invocations: [],
      closedByClient: false,
      timedOut: false,
      lastSeen: Date.now(),
      buffer: '',
    };
  }

  const send = (c: HubConnectionInfo, msg: unknown) => {
    if (c.open && c.ws?.readyState === 1) c.ws.send(JSON.stringify(msg) + RS);
  };
  const initialMessage = (feed: string): unknown =>
    feed === 'queue'
      ? { Running: true, Paused: false, WaitingCount: 0, BlockedCount: 0, TotalCount: 0, ThreadCount: 1, CurrentlyExecuting: [] }
      : feed === 'anidb'
        ? [
            { UpdateType: 'UDPBan', Value: false, UpdateTime: iso(), PauseTimeSecs: 0 },
            { UpdateType: 'HTTPBan', Value: false, UpdateTime: iso(), PauseTimeSecs: 0 },
          ]
        : null;

  function onMessage(c: HubConnectionInfo, text: string) {
    c.lastSeen = Date.now();
    c.buffer += text;
    const parts = c.buffer.split(RS);
    c.buffer = parts.pop() ?? '';
    for (const part of parts) {
      let msg: Rec;
      try {
        msg = JSON.parse(part) as Rec;
      } catch {
        c.ws?.close(1002, 'invalid message');
        return;
      }
      if (!c.handshake) {
        if (msg.protocol !== 'json' || msg.version !== 1) {
          c.ws?.send(JSON.stringify({ error: `The protocol '${String(msg.protocol)}' is not supported.` }) + RS);
          c.ws?.close();
          return;
        }
        c.handshake = true;
        c.ws?.send(`{}${RS}`);
        for (const feed of c.feeds) if (FEED_GROUPS[feed]) send(c, { type: 1, target: `${FEED_GROUPS[feed]}:OnConnected`, arguments: [initialMessage(feed)] });
        c.timer = setInterval(() => {
          if (Date.now() - c.lastSeen > state.clientTimeoutMs) {
            c.timedOut = true;
            c.ws?.terminate();
            return;
          }
          send(c, { type: 6 });
          c.pingsSent++;
        }, state.pingIntervalMs);
        continue;
      }
      if (msg.type === 6) c.pingsReceived++;
      else if (msg.type === 7) {
        c.closedByClient = true;
        c.open = false;
        clearInterval(c.timer);
        c.ws?.close(1000);
      } else if (msg.type === 1 || msg.type === 4) {
        const invocationId = typeof msg.invocationId === 'string' ? msg.invocationId : undefined;
        c.invocations.push({ target: String(msg.target), arguments: (msg.arguments as unknown[]) ?? [], invocationId });
        if (invocationId) send(c, { type: 3, invocationId, ...(msg.target === 'ChangeQueueProcessingState' ? { result: null } : { error: `Unknown hub method '${String(msg.target)}'` }) });
      }
    }
  }

  function onUpgrade(req: IncomingMessage, socket: import('node:stream').Duplex, head: Buffer) {
    const reject = (code: number, text: string) => socket.end(`HTTP/1.1 ${code} ${text}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
    const url = new URL(req.url ?? '/', 'http://x');
    if (state.down) return reject(503, 'Service Unavailable');
    if (url.pathname.toLowerCase() !== '/signalr/aggregate') return reject(404, 'Not Found');
    const auth = hubAuth(req, url);
    if (state.requireHubAuth && !auth.valid) return reject(401, 'Unauthorized');
    const id = param(url, 'id');
    const conn = id ? pending.get(id) : newConnection(false, auth);
    if (!conn) return reject(404, 'Not Found');
    pending.delete(conn.connectionToken);
    conn.feeds = parseFeeds(param(url, 'feeds'));
    conn.accessToken ??= auth.accessToken;
    conn.apikey ??= auth.apikey;
    wss.handleUpgrade(req, socket, head, (ws) => {
      Object.assign(conn, { ws, open: true, lastSeen: Date.now() });
      connections.push(conn);
      ws.on('message', (data) => onMessage(conn, Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.concat(data as Buffer[]).toString('utf8')));
      ws.on('close', () => {
        conn.open = false;
        clearInterval(conn.timer);
      });
      ws.on('error', () => undefined);
    });
  }

  const dropAll = (opts: { graceful?: boolean } = {}) => {
    for (const c of connections.filter((x) => x.open)) {
      clearInterval(c.timer);
      if (opts.graceful) {
        send(c, { type: 7, error: 'Server is shutting down.', allowReconnect: true });
        c.ws?.close(1000);
      } else c.ws?.terminate();
      c.open = false;
    }
  };

  const life = new Lifecycle(
    (req, res) => (state.down ? res.writeHead(503).end() : fa.app(req, res)),
    (server) => server.on('upgrade', onUpgrade),
    () => {
      dropAll();
      pending.clear();
      fa.timers.cancelAll();
    },
  );

  const shoko = {
    state,
    log: fa.log,
    faults: fa.faults,
    /** Every WebSocket connection ever accepted (open and closed), in order. */
    connections,
    /** Negotiated connections that have not connected yet. */
    pending,
    start: (): Promise<FakeHandle> => life.start(),
    /** Closes the server (and every connection); `start()` listens again on the same port. */
    stop: () => life.stop(),
    get url() {
      return life.url;
    },
    open: () => connections.filter((c) => c.open && c.handshake),

    /** Sends `{"type":1,"target":…,"arguments":[payload]}` to every open connection in the target's feed (unknown groups: everyone). Returns the count. */
    emit(target: string, payload: unknown): number {
      const group = target.split(':')[0] ?? '';
      const feed = Object.entries(FEED_GROUPS).find(([, g]) => g === group)?.[0];
      const targets = shoko.open().filter((c) => feed === undefined || c.feeds.includes(feed));
      for (const c of targets) send(c, { type: 1, target, arguments: [payload] });
      return targets.length;
    },
    /** Sends raw text (frame) to every open connection. */
    sendRaw(text: string): void {
      for (const c of shoko.open()) c.ws?.send(text);
    },
    /** Kills every connection (hub restart). `graceful` sends a close message with `allowReconnect: true` first. */
    dropAll,

    addSeries(s: Partial<ShokoSeries> & { id: number; anidbId: number; name: string }): ShokoSeries {
      const full: ShokoSeries = { groupId: s.id, tmdbShowIds: [], tmdbMovieIds: [], localEpisodes: 0, totalEpisodes: 12, ...s };
      state.series = state.series.filter((x) => x.id !== s.id).concat(full);
      return full;
    },
    addFile(f: Partial<ShokoFile> & { id: number; relativePath: string }): ShokoFile {
      const full: ShokoFile = { locationId: f.id, importFolderId: 1, size: 1_400_000_000, imported: iso(), xrefs: [], ...f };
      state.files = state.files.filter((x) => x.id !== f.id).concat(full);
      return full;
    },
    /** A v5 FileEvent for a file in the state (Shoko ids `null` where unknown). */
    fileEventFor(fileId: number): ReturnType<typeof v5.fileEvent> {
      const f = state.files.find((x) => x.id === fileId);
      if (!f) throw new Error(`no Shoko file ${fileId}`);
      return v5.fileEvent({
        fileId: f.id,
        fileLocationId: f.locationId,
        importFolderId: f.importFolderId,
        relativePath: f.relativePath,
        crossReferences: f.xrefs.flatMap((x) =>
          x.episodes.map((e) => ({ episodeId: e.id, anidbEpisodeId: e.anidbEpisodeId, seriesId: x.seriesId, anidbAnimeId: x.anidbAnimeId, groupId: x.groupId ?? x.seriesId })),
        ),
      });
    },
  };
  return shoko;
}
