/**
 * qBittorrent WebUI API v2 fake over real HTTP on loopback (docs/upstreams.md §4), used by the tests
 * (through test/helpers/qbittorrent.ts) and by `npm run bench`:
 *
 * - 4.x login (HTTP 200 `Ok.`/`Fails.`, cookie `SID`) or 5.2 login (HTTP 204/401, cookie
 *   `QBT_SID_<port>`), 403 without a valid session, CSRF rejection of a foreign `Origin`/`Referer`;
 * - `app/version`, `app/webapiVersion`, `torrents/info`;
 * - `sync/maindata` with per-session rid/delta semantics: a full snapshot with
 *   `full_update: true` on rid 0 or an unknown rid; deltas carry only changed fields (torrents
 *   and `server_state`), no `hash` inside torrent objects, `torrents_removed`, no `full_update` key;
 * - every request in `log` (route key `'GET /api/v2/sync/maindata'`), the time of every
 *   `sync/maindata` answer, and the fakes' per-route faults (common.ts) after the session check.
 */
import { randomBytes } from 'node:crypto';
import { STATUS_CODES, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { Faults, Lifecycle, RequestLog, Timers, type Fault, type LoggedRequest } from './common.js';

type Json = Record<string, unknown>;

export type QbFlavour = '4.6' | '5.2';

export interface FakeQbOptions {
  flavour?: QbFlavour;
  username?: string;
  password?: string;
}

interface Session {
  rid: number;
  /** What the client holds after our last answer: torrents (without hash) and server_state. */
  torrents: Map<string, Json>;
  serverState: Json;
}

const FLAVOURS: Record<QbFlavour, { version: string; webapi: string }> = {
  '4.6': { version: 'v4.6.7', webapi: '2.9.3' },
  '5.2': { version: 'v5.2.3', webapi: '2.15.1' },
};

/** qBittorrent's JSON content type (no charset). */
const JSON_TYPE = 'application/json';
const MAINDATA = '/api/v2/sync/maindata';

/** A complete torrent object as `torrents/info` / a full `sync/maindata` sends it (hash included). */
export function torrentObject(hash: string, overrides: Json = {}): Json {
  const size = (overrides.size as number | undefined) ?? 1_500_000_000;
  const progress = (overrides.progress as number | undefined) ?? 0;
  return {
    hash,
    infohash_v1: hash,
    infohash_v2: '',
    name: `Torrent ${hash.slice(0, 8)}`,
    state: 'downloading',
    progress,
    dlspeed: 1_048_576,
    upspeed: 0,
    eta: 1200,
    size,
    total_size: size,
    amount_left: Math.round(size * (1 - progress)),
    completed: Math.round(size * progress),
    downloaded: Math.round(size * progress),
    uploaded: 0,
    category: 'radarr',
    tags: '',
    save_path: '/downloads/',
    content_path: `/downloads/Torrent ${hash.slice(0, 8)}.mkv`,
    added_on: 1_700_000_000,
    completion_on: -1,
    num_seeds: 5,
    num_leechs: 1,
    num_complete: 20,
    num_incomplete: 3,
    ratio: 0,
    priority: 1,
    force_start: false,
    seq_dl: false,
    auto_tmm: false,
    ...overrides,
  };
}

export class FakeQbittorrent {
  readonly flavour: QbFlavour;
  readonly username: string;
  readonly password: string;
  readonly log = new RequestLog();
  /** Route keys as in `log`, e.g. `'GET /api/v2/sync/maindata'`. */
  readonly faults = new Faults();
  /** performance.now() of every `sync/maindata` answer (or of the fault that replaced it). */
  readonly maindataTimes: number[] = [];
  /** What the server has now; `hash` is inside each object, as `torrents/info` reports it. */
  readonly torrents = new Map<string, Json>();
  serverState: Json = { connection_status: 'connected', dl_info_speed: 0, dl_info_data: 0, up_info_speed: 0, up_info_data: 0, dht_nodes: 0 };
  private readonly sessions = new Map<string, Session>();
  private readonly timers = new Timers();
  private readonly life = new Lifecycle(
    (req, res) => void this.receive(req, res),
    // Longer than any poll interval: clients keep one connection, as with the real WebUI.
    (server) => {
      server.keepAliveTimeout = 65_000;
    },
    () => this.timers.cancelAll(),
  );

  constructor(opts: FakeQbOptions = {}) {
    this.flavour = opts.flavour ?? '4.6';
    this.username = opts.username ?? 'admin';
    this.password = opts.password ?? 'adminadmin-pass';
  }

  /** A started server. */
  static async start(opts: FakeQbOptions = {}): Promise<FakeQbittorrent> {
    const fake = new FakeQbittorrent(opts);
    await fake.life.start();
    return fake;
  }

  get url(): string {
    return this.life.url;
  }

  get port(): number {
    return this.life.port;
  }

  close(): Promise<void> {
    return this.life.stop();
  }

  get cookieName(): string {
    return this.flavour === '5.2' ? `QBT_SID_${this.port}` : 'SID';
  }

  /** Headers of every request (to check that no Origin/Referer is sent). */
  get seenHeaders(): IncomingHttpHeaders[] {
    return this.log.entries.map((e) => e.headers);
  }

  /** Requests per path, any method (`/api/v2/sync/maindata`, `/api/v2/auth/login`, …). */
  get counts(): Map<string, number> {
    const out = new Map<string, number>();
    for (const e of this.log.entries) out.set(e.path, (out.get(e.path) ?? 0) + 1);
    return out;
  }

  count(path: string): number {
    return this.counts.get(path) ?? 0;
  }

  get maindataCount(): number {
    return this.count(MAINDATA);
  }

  get loginCount(): number {
    return this.count('/api/v2/auth/login');
  }

  /** Adds (or replaces) a torrent, with realistic defaults for every field not given. */
  add(hash: string, overrides: Json = {}): void {
    this.torrents.set(hash.toLowerCase(), torrentObject(hash.toLowerCase(), overrides));
  }

  update(hash: string, fields: Json): void {
    const t = this.torrents.get(hash.toLowerCase());
    if (!t) throw new Error(`fake qBittorrent: no torrent ${hash}`);
    Object.assign(t, fields);
  }

  /** Progress with the fields that move with it. */
  setProgress(hash: string, progress: number): void {
    const size = this.torrents.get(hash.toLowerCase())?.size as number | undefined;
    if (size === undefined) throw new Error(`fake qBittorrent: no torrent ${hash}`);
    this.update(hash, { progress, amount_left: Math.round(size * (1 - progress)), completed: Math.round(size * progress), downloaded: Math.round(size * progress) });
  }

  remove(hash: string): void {
    this.torrents.delete(hash.toLowerCase());
  }

  /** Every session expires (as after the 3600 s WebUI session timeout or a restart). */
  expireSessions(): void {
    this.sessions.clear();
  }

  /** The next `sync/maindata` requests (`fault.times`, default 1) get `fault`. */
  failMaindata(fault: Fault): void {
    this.faults.add(`GET ${MAINDATA}`, fault);
  }

  private async receive(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    const method = req.method ?? 'GET';
    const entry: LoggedRequest = {
      key: `${method} ${url.pathname}`,
      method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: req.headers,
      body: undefined,
      status: 0,
      at: Date.now(),
      meta: {},
    };
    this.log.entries.push(entry);
    res.on('finish', () => (entry.status = res.statusCode));
    try {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      entry.body = Buffer.concat(chunks).toString('utf8');
      await this.handle(req, res, url, entry.body as string);
    } catch (err) {
      if (!res.headersSent) send(res, 500, String(err));
    }
  }

  private async handle(req: IncomingMessage, res: ServerResponse, url: URL, body: string): Promise<void> {
    // CSRF protection: an Origin/Referer, when present, must match the Host.
    const host = req.headers.host ?? '';
    for (const h of [req.headers.origin, req.headers.referer]) {
      if (typeof h === 'string' && h !== '' && safeHost(h) !== host) return send(res, 401, 'Unauthorized');
    }

    if (url.pathname === '/api/v2/auth/login') {
      if (req.method !== 'POST') return send(res, 405, 'Method Not Allowed');
      const form = new URLSearchParams(body);
      const ok = form.get('username') === this.username && form.get('password') === this.password;
      if (!ok) return this.flavour === '5.2' ? send(res, 401, '') : send(res, 200, 'Fails.');
      const id = randomBytes(24).toString('base64').replace(/[+/=]/g, 'x');
      this.sessions.set(id, { rid: 0, torrents: new Map(), serverState: {} });
      res.setHeader('set-cookie', `${this.cookieName}=${id}; HttpOnly; path=/; SameSite=Strict`);
      return this.flavour === '5.2' ? send(res, 204, '') : send(res, 200, 'Ok.');
    }

    const session = this.session(req);
    if (!session) return send(res, 403, 'Forbidden');

    const fault = this.faults.take(`${req.method ?? 'GET'} ${url.pathname}`);
    if (fault?.delayMs && !(await this.timers.sleep(fault.delayMs))) return;
    if (fault && (fault.hang || fault.reset || fault.invalidJson || fault.status)) {
      if (url.pathname === MAINDATA) this.maindataTimes.push(performance.now());
      if (fault.reset) return void req.socket.destroy();
      if (fault.invalidJson) return send(res, 200, '{"rid": 7, "torrents": {', JSON_TYPE);
      if (fault.status) return faultStatus(res, fault.status, fault.body);
      return; // `hang`: never answers; the connection ends on close()
    }

    switch (url.pathname) {
      case '/api/v2/app/version':
        return send(res, 200, FLAVOURS[this.flavour].version);
      case '/api/v2/app/webapiVersion':
        return send(res, 200, FLAVOURS[this.flavour].webapi);
      case '/api/v2/torrents/info':
        return sendJson(res, [...this.torrents.values()]);
      case MAINDATA: {
        const rid = Number(url.searchParams.get('rid') ?? '0');
        const out = this.maindata(session, Number.isFinite(rid) ? rid : 0);
        this.maindataTimes.push(performance.now());
        return sendJson(res, out);
      }
      default:
        return send(res, 404, 'Not Found');
    }
  }

  private session(req: IncomingMessage): Session | undefined {
    for (const part of (req.headers.cookie ?? '').split(';')) {
      const [name, value] = part.trim().split('=', 2);
      if (name === this.cookieName && value) return this.sessions.get(value);
    }
    return undefined;
  }

  /** qBittorrent's SyncController: a delta against what this session last received, or a full snapshot. */
  private maindata(session: Session, rid: number): Json {
    const current = new Map<string, Json>();
    for (const [hash, t] of this.torrents) {
      const { hash: _omit, ...rest } = t;
      current.set(hash, structuredClone(rest));
    }
    const nextRid = (session.rid % 1_000_000) + 1;
    let out: Json;
    if (rid === 0 || rid !== session.rid) {
      out = {
        rid: nextRid,
        full_update: true,
        torrents: Object.fromEntries(current),
        categories: { radarr: { name: 'radarr', savePath: '' }, 'tv-sonarr': { name: 'tv-sonarr', savePath: '' } },
        tags: [],
        trackers: {},
        server_state: { ...this.serverState },
      };
    } else {
      out = { rid: nextRid };
      const torrents: Json = {};
      for (const [hash, t] of current) {
        const before = session.torrents.get(hash);
        const diff = before ? changed(before, t) : t;
        if (Object.keys(diff).length) torrents[hash] = diff;
      }
      const removed = [...session.torrents.keys()].filter((h) => !current.has(h));
      const serverState = changed(session.serverState, this.serverState);
      if (Object.keys(torrents).length) out.torrents = torrents;
      if (removed.length) out.torrents_removed = removed;
      if (Object.keys(serverState).length) out.server_state = serverState;
    }
    session.rid = nextRid;
    session.torrents = current;
    session.serverState = { ...this.serverState };
    return out;
  }
}

/** The fields of `now` whose value differs from `before`. */
function changed(before: Json, now: Json): Json {
  const diff: Json = {};
  for (const [k, v] of Object.entries(now)) if (JSON.stringify(before[k]) !== JSON.stringify(v)) diff[k] = v;
  return diff;
}

function safeHost(value: string): string {
  try {
    return new URL(value).host;
  } catch {
    return '';
  }
}

function send(res: ServerResponse, status: number, body: string, type = 'text/plain; charset=UTF-8'): void {
  res.statusCode = status;
  if (status === 204) {
    res.end();
    return;
  }
  res.setHeader('content-type', type);
  res.end(body);
}

function sendJson(res: ServerResponse, value: unknown): void {
  send(res, 200, JSON.stringify(value), JSON_TYPE);
}

/** An injected HTTP error: the fault's body (JSON unless a string), else the status text. */
function faultStatus(res: ServerResponse, status: number, body: unknown): void {
  if (body === undefined) send(res, status, STATUS_CODES[status] ?? 'Error');
  else if (typeof body === 'string') send(res, status, body);
  else send(res, status, JSON.stringify(body), JSON_TYPE);
}
