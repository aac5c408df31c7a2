/**
 * The demo's Shoko Server: a small loopback stand-in for the part of Shoko the tracker's Shoko
 * integration uses (docs/upstreams.md §6), so that the demo can show an anime request going
 * through AniDB matching to Jellyfin without a Shoko Server:
 * - the SignalR hub `/signalr/aggregate`: negotiate, then a WebSocket speaking SignalR's JSON
 *   protocol (handshake, `ShokoEvent:OnConnected`, pings both ways, close, invocations);
 * - REST `GET /api/v3/Init/Version`, `/api/v3/ImportFolder`, `/api/v3/File/{id}` and
 *   `/api/v3/File/PathEndsWith` (the tracker's catch-up), PascalCase JSON, `apikey` header or query.
 * A scenario step has it match files (`match`): it learns them, as Shoko does once it has
 * hashed a file and found it on AniDB, and sends `ShokoEvent:FileMatched` for each.
 * The tests have their own, fuller fake (test/fakes/shoko.ts); this one does what the demo needs.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';

export const DEMO_SHOKO_KEY = 'demo-shoko-key';

/** The one import folder: where Sonarr and Radarr put anime (payloads.ts). */
export const DEMO_IMPORT_FOLDER = { ID: 1, Name: 'Anime', Path: '/data/anime/', DropFolderType: 'Destination', WatchForNewFiles: true } as const;

/** An anime file Shoko knows, with the AniDB and Shoko ids it was matched to. */
export interface AnimeFile {
  /** Shoko's file id; Shokofin gives the Jellyfin item it as the `Shoko File` provider id. */
  id: number;
  /** Where Sonarr or Radarr imported it (inside the import folder). */
  path: string;
  anidbAnimeId: number;
  anidbEpisodeId: number;
  /** Shoko's series and episode ids (Shokofin's `Shoko Series` and `Shoko Episode`). */
  seriesId: number;
  episodeId: number;
}

/** SignalR's record separator: every JSON message ends with it. */
const RS = '\x1e';
/** Shoko pings every 15 s; the SignalR client gives up on a server silent for 30 s. */
const PING_MS = 15_000;

const relativePath = (f: AnimeFile) => f.path.slice(DEMO_IMPORT_FOLDER.Path.length);

/** Shoko v5's FileEvent for `ShokoEvent:FileMatched` (§6.3). */
function fileEvent(f: AnimeFile): Record<string, unknown> {
  return {
    FileID: f.id,
    FileLocationID: f.id,
    ImportFolderID: DEMO_IMPORT_FOLDER.ID,
    RelativePath: relativePath(f),
    CrossReferences: [{ EpisodeID: f.episodeId, AnidbEpisodeID: f.anidbEpisodeId, SeriesID: f.seriesId, AnidbAnimeID: f.anidbAnimeId, GroupID: f.seriesId }],
  };
}

/** `GET /api/v3/File/{id}`'s File, with `SeriesIDs` when cross-references are asked for (§6.6). */
function fileResource(f: AnimeFile, xrefs: boolean): Record<string, unknown> {
  return {
    ID: f.id,
    Size: 1_400_000_000,
    Locations: [{ ID: f.id, FileID: f.id, ImportFolderID: DEMO_IMPORT_FOLDER.ID, RelativePath: relativePath(f), IsAccessible: true }],
    Imported: new Date().toISOString(),
    ...(xrefs ? { SeriesIDs: [{ SeriesID: { ID: f.seriesId, AniDB: f.anidbAnimeId }, EpisodeIDs: [{ ID: f.episodeId, AniDB: f.anidbEpisodeId }] }] } : {}),
  };
}

export class DemoShoko {
  private readonly files = new Map<number, AnimeFile>();
  /** Connection tokens handed out by negotiate and not used yet. */
  private readonly negotiated = new Set<string>();
  /** Hub connections past the handshake. */
  private readonly hub = new Set<WebSocket>();
  private readonly wss = new WebSocketServer({ noServer: true });
  private server: Server | null = null;
  private pinger: NodeJS.Timeout | null = null;
  url = '';

  /** Whether a hub client (the tracker) is connected. */
  get connected(): boolean {
    return this.hub.size > 0;
  }

  /** Shoko matched these files with AniDB: they are known from now on, and the hub says so. Returns the payloads sent. */
  match(files: readonly AnimeFile[]): number {
    for (const f of files) {
      this.files.set(f.id, f);
      this.send({ type: 1, target: 'ShokoEvent:FileMatched', arguments: [fileEvent(f)] });
    }
    return files.length;
  }

  async start(): Promise<string> {
    const server = createServer((req, res) => this.answer(req, res));
    server.on('upgrade', (req, socket, head) => this.upgrade(req, socket, head));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.pinger = setInterval(() => this.send({ type: 6 }), PING_MS);
    this.pinger.unref();
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    if (this.pinger) clearInterval(this.pinger);
    for (const ws of this.wss.clients) ws.terminate();
    this.hub.clear();
    const server = this.server;
    this.server = null;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private send(message: Record<string, unknown>): void {
    for (const ws of this.hub) if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message) + RS);
  }

  /** The key as REST takes it (`apikey` header or query), or as the SignalR client sends it (access token). */
  private authorised(req: IncomingMessage, url: URL): boolean {
    const bearer = (req.headers.authorization ?? '').replace(/^Bearer\s+/i, '');
    return [req.headers.apikey, url.searchParams.get('apikey'), url.searchParams.get('access_token'), bearer].includes(DEMO_SHOKO_KEY);
  }

  private answer(req: IncomingMessage, res: ServerResponse): void {
    const { status, body } = this.route(req);
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
    res.end(body === undefined ? '' : JSON.stringify(body));
  }

  private route(req: IncomingMessage): { status: number; body?: unknown } {
    const url = new URL(req.url ?? '/', 'http://shoko');
    const path = url.pathname.toLowerCase();
    if (req.method === 'GET' && path === '/api/v3/init/version') return { status: 200, body: { Server: { Version: '5.1.0.0', ReleaseChannel: 'Stable' } } };
    if (!this.authorised(req, url)) return { status: 401 };
    if (req.method === 'POST' && path === '/signalr/aggregate/negotiate') {
      const connectionToken = randomBytes(16).toString('base64url');
      this.negotiated.add(connectionToken);
      const transports = [{ transport: 'WebSockets', transferFormats: ['Text', 'Binary'] }];
      return { status: 200, body: { negotiateVersion: 1, connectionId: randomBytes(16).toString('base64url'), connectionToken, availableTransports: transports } };
    }
    if (req.method !== 'GET') return { status: 404 };
    if (path === '/api/v3/importfolder') return { status: 200, body: [DEMO_IMPORT_FOLDER] };
    if (path === '/api/v3/file/pathendswith') {
      const tail = (url.searchParams.get('path') ?? '').replace(/\\/g, '/').toLowerCase();
      if (!tail) return { status: 400, body: { errors: { path: ['The path field is required.'] } } };
      const xrefs = url.searchParams.get('includeXRefs') === 'true';
      const hits = [...this.files.values()].filter((f) => f.path.toLowerCase().endsWith(tail));
      return { status: 200, body: hits.slice(0, Number(url.searchParams.get('limit') ?? hits.length)).map((f) => fileResource(f, xrefs)) };
    }
    const file = /^\/api\/v3\/file\/(\d+)$/.exec(path);
    if (file) {
      const f = this.files.get(Number(file[1]));
      const xrefs = (url.searchParams.get('include') ?? '').toLowerCase().split(',').includes('xrefs');
      return f ? { status: 200, body: fileResource(f, xrefs) } : { status: 404, body: { title: 'Not Found', status: 404 } };
    }
    return { status: 404 };
  }

  /** The hub's WebSocket: `?id=<connection token>` from negotiate; joins the `shoko` feed only. */
  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://shoko');
    const token = url.searchParams.get('id') ?? '';
    const refusal = url.pathname.toLowerCase() !== '/signalr/aggregate' || !this.negotiated.delete(token) ? '404 Not Found' : this.authorised(req, url) ? null : '401 Unauthorized';
    if (refusal) {
      socket.end(`HTTP/1.1 ${refusal}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      let buffer = '';
      ws.on('message', (data: RawData) => {
        buffer += Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.concat(data as Buffer[]).toString('utf8');
        const frames = buffer.split(RS);
        buffer = frames.pop() ?? '';
        for (const frame of frames) this.onFrame(ws, frame);
      });
      ws.on('close', () => this.hub.delete(ws));
      ws.on('error', () => this.hub.delete(ws));
    });
  }

  private onFrame(ws: WebSocket, frame: string): void {
    let msg: { protocol?: unknown; version?: unknown; type?: unknown; invocationId?: unknown; target?: unknown };
    try {
      msg = JSON.parse(frame) as typeof msg;
    } catch {
      ws.close(1002, 'invalid message');
      return;
    }
    if (!this.hub.has(ws)) {
      // The handshake: only SignalR's JSON protocol.
      if (msg.protocol !== 'json' || msg.version !== 1) {
        ws.send(JSON.stringify({ error: `The protocol '${String(msg.protocol)}' is not supported.` }) + RS);
        ws.close();
        return;
      }
      ws.send(`{}${RS}`);
      this.hub.add(ws);
      ws.send(JSON.stringify({ type: 1, target: 'ShokoEvent:OnConnected', arguments: [null] }) + RS);
      return;
    }
    if (msg.type === 7) ws.close(1000);
    // The tracker only listens; a call to the hub gets the answer an unknown method gets.
    else if ((msg.type === 1 || msg.type === 4) && typeof msg.invocationId === 'string') {
      ws.send(JSON.stringify({ type: 3, invocationId: msg.invocationId, error: `Unknown hub method '${String(msg.target)}'` }) + RS);
    }
  }
}
