/**
 * A protocol-faithful qBittorrent WebUI API v2 over real HTTP on loopback (protocols.md §4),
 * the one implementation behind both `npm run bench` and the tests (test/helpers/qbittorrent.ts
 * re-exports it; it lives here because the bench runs compiled code from dist/):
 *
 * - 4.x login (HTTP 200 `Ok.`/`Fails.`, cookie `SID`) or 5.2 login (HTTP 204/401, cookie
 *   `QBT_SID_<port>`), 403 without a valid session, CSRF rejection of a foreign `Origin`/`Referer`;
 * - `app/version`, `app/webapiVersion`, `torrents/info`;
 * - `sync/maindata` with per-session rid/delta semantics: a full snapshot with
 *   `full_update: true` on rid 0 or an unknown rid; deltas carry only changed fields (torrents
 *   and `server_state`), no `hash` inside torrent objects, `torrents_removed`, no `full_update` key;
 * - every request counted per route, the time of every `sync/maindata` answer, and injectable
 *   faults (an HTTP status, a hung request, invalid JSON, a reset connection).
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { LoopbackServer, send, sendJson, type Json } from './loopback.js';

export type QbFlavour = '4.6' | '5.2';

export type Fault = { kind: 'status'; status: number } | { kind: 'hang' } | { kind: 'invalid-json' } | { kind: 'reset' };

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

export class FakeQbittorrent extends LoopbackServer {
  readonly flavour: QbFlavour;
  readonly username: string;
  readonly password: string;
  /** performance.now() of every `sync/maindata` answer (or of the fault that replaced it). */
  readonly maindataTimes: number[] = [];
  /** Headers of every request (to check that no Origin/Referer is sent). */
  readonly seenHeaders: IncomingMessage['headers'][] = [];
  /** What the server has now; `hash` is inside each object, as `torrents/info` reports it. */
  readonly torrents = new Map<string, Json>();
  serverState: Json = { connection_status: 'connected', dl_info_speed: 0, dl_info_data: 0, up_info_speed: 0, up_info_data: 0, dht_nodes: 0 };
  private readonly sessions = new Map<string, Session>();
  private readonly faults: Fault[] = [];

  constructor(opts: FakeQbOptions = {}) {
    super();
    this.flavour = opts.flavour ?? '4.6';
    this.username = opts.username ?? 'admin';
    this.password = opts.password ?? 'adminadmin-pass';
  }

  /** A started server. */
  static start(opts: FakeQbOptions = {}): Promise<FakeQbittorrent> {
    return new FakeQbittorrent(opts).start();
  }

  get cookieName(): string {
    return this.flavour === '5.2' ? `QBT_SID_${this.port}` : 'SID';
  }

  /** Requests per path, any method (`/api/v2/sync/maindata`, `/api/v2/auth/login`, …). */
  get counts(): Map<string, number> {
    const out = new Map<string, number>();
    for (const [route, n] of this.counter.byRoute) {
      const path = route.slice(route.indexOf(' ') + 1);
      out.set(path, (out.get(path) ?? 0) + n);
    }
    return out;
  }

  count(path: string): number {
    return this.counts.get(path) ?? 0;
  }

  get maindataCount(): number {
    return this.count('/api/v2/sync/maindata');
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

  /** The next `times` `sync/maindata` requests fail with `fault`. */
  failMaindata(fault: Fault, times = 1): void {
    for (let i = 0; i < times; i++) this.faults.push(fault);
  }

  protected handle(req: IncomingMessage, res: ServerResponse, body: string): void {
    const url = new URL(req.url ?? '/', 'http://x');
    this.counter.hit(`${req.method ?? 'GET'} ${url.pathname}`);
    this.seenHeaders.push(req.headers);

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

    switch (url.pathname) {
      case '/api/v2/app/version':
        return send(res, 200, FLAVOURS[this.flavour].version);
      case '/api/v2/app/webapiVersion':
        return send(res, 200, FLAVOURS[this.flavour].webapi);
      case '/api/v2/torrents/info':
        return sendJson(res, [...this.torrents.values()], 200, JSON_TYPE);
      case '/api/v2/sync/maindata': {
        const fault = this.faults.shift();
        const rid = Number(url.searchParams.get('rid') ?? '0');
        const out = fault ? null : this.maindata(session, Number.isFinite(rid) ? rid : 0);
        this.maindataTimes.push(performance.now());
        if (out) return sendJson(res, out, 200, JSON_TYPE);
        if (fault?.kind === 'status') return send(res, fault.status, 'Internal Server Error');
        if (fault?.kind === 'invalid-json') return send(res, 200, '{"rid": 7, "torrents": {', JSON_TYPE);
        if (fault?.kind === 'reset') req.socket.destroy();
        return; // `hang`: never answers; the socket is destroyed on close()
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
