/**
 * qBittorrent test helpers:
 *
 * - `FakeQbittorrent`: a protocol-faithful fake WebUI API v2 over real HTTP on loopback
 *   (protocols.md §4): 4.x login (HTTP 200 `Ok.`/`Fails.`, cookie `SID`) or 5.2 login (HTTP
 *   204/401, cookie `QBT_SID_<port>`), 403 without a valid session, CSRF rejection of a foreign
 *   `Origin`/`Referer`, `sync/maindata` with per-session rid/delta semantics (full snapshot with
 *   `full_update: true` on rid 0 or an unknown rid; deltas carry only changed fields, no `hash`
 *   inside torrent objects, `torrents_removed`, no `full_update` key), a request counter per
 *   endpoint, and injectable faults (HTTP 500, a hung request, invalid JSON).
 * - `bencode`, `makeTorrentFile`: real single-file .torrent files (SHA-1 pieces) and info-hash.
 * - `qbPasswordHash`: the `WebUI\Password_PBKDF2` value qBittorrent ≥ 4.2 stores.
 * - `QbAdmin`: a minimal client for setting up a real qBittorrent in e2e tests (add torrents…).
 */
import { createHash, pbkdf2Sync, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { FormData, request } from 'undici';

// ---------------------------------------------------------------------------------------
// Bencode and .torrent files

export type BValue = number | string | Buffer | BValue[] | { [key: string]: BValue };

export function bencode(value: BValue): Buffer {
  const parts: Buffer[] = [];
  const walk = (v: BValue): void => {
    if (typeof v === 'number') {
      if (!Number.isInteger(v)) throw new Error(`bencode: ${v} is not an integer`);
      parts.push(Buffer.from(`i${v}e`));
    } else if (typeof v === 'string' || Buffer.isBuffer(v)) {
      const b = typeof v === 'string' ? Buffer.from(v, 'utf8') : v;
      parts.push(Buffer.from(`${b.length}:`), b);
    } else if (Array.isArray(v)) {
      parts.push(Buffer.from('l'));
      v.forEach(walk);
      parts.push(Buffer.from('e'));
    } else {
      parts.push(Buffer.from('d'));
      // Keys sorted as raw byte strings.
      const keys = Object.keys(v).sort((a, b) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8')));
      for (const k of keys) {
        walk(k);
        walk(v[k] as BValue);
      }
      parts.push(Buffer.from('e'));
    }
  };
  walk(value);
  return Buffer.concat(parts);
}

export interface TorrentFile {
  /** The bencoded .torrent. */
  torrent: Buffer;
  /** v1 info-hash, lower-case hex. */
  infoHash: string;
  name: string;
  size: number;
}

/** A single-file v1 torrent for `data` (no trackers: peers are added by hand). */
export function makeTorrentFile(name: string, data: Buffer, pieceLength = 16 * 1024): TorrentFile {
  const pieces: Buffer[] = [];
  for (let off = 0; off < data.length; off += pieceLength) pieces.push(createHash('sha1').update(data.subarray(off, off + pieceLength)).digest());
  const info = { length: data.length, name, 'piece length': pieceLength, pieces: Buffer.concat(pieces), private: 0 };
  const infoBytes = bencode(info);
  const torrent = bencode({ 'created by': 'media-tracker tests', 'creation date': 1_700_000_000, info });
  return { torrent, infoHash: createHash('sha1').update(infoBytes).digest('hex'), name, size: data.length };
}

/** Deterministic pseudo-random bytes (so a failure can be reproduced). */
export function pseudoRandomBytes(size: number, seed: string): Buffer {
  const out = Buffer.alloc(size);
  let block = createHash('sha256').update(seed).digest();
  for (let off = 0; off < size; off += block.length) {
    block.copy(out, off, 0, Math.min(block.length, size - off));
    block = createHash('sha256').update(block).digest();
  }
  return out;
}

/** `WebUI\Password_PBKDF2` for qBittorrent ≥ 4.2: PBKDF2-HMAC-SHA512, 100 000 iterations, 16-byte salt, 64-byte key. */
export function qbPasswordHash(password: string, salt: Buffer = randomBytes(16)): string {
  const key = pbkdf2Sync(password, salt, 100_000, 64, 'sha512');
  return `"@ByteArray(${salt.toString('base64')}:${key.toString('base64')})"`;
}

// ---------------------------------------------------------------------------------------
// Fake qBittorrent

export type QbFlavour = '4.6' | '5.2';

export type Fault = { kind: 'status'; status: number } | { kind: 'hang' } | { kind: 'invalid-json' } | { kind: 'reset' };

type Json = Record<string, unknown>;

interface Session {
  id: string;
  rid: number;
  /** What the client holds after our last answer: torrents (without hash) and server_state. */
  torrents: Map<string, Json>;
  serverState: Json;
}

export interface FakeQbOptions {
  flavour?: QbFlavour;
  username?: string;
  password?: string;
}

const FLAVOURS: Record<QbFlavour, { version: string; webapi: string }> = {
  '4.6': { version: 'v4.6.7', webapi: '2.9.3' },
  '5.2': { version: 'v5.2.3', webapi: '2.15.1' },
};

/** A complete torrent object as `torrents/info` / a full `sync/maindata` would send it. */
export function fakeTorrent(hash: string, overrides: Json = {}): Json {
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
  /** Requests per path (`/api/v2/sync/maindata`, `/api/v2/auth/login`, …). */
  readonly counts = new Map<string, number>();
  /** Times (ms) of every `sync/maindata` request. */
  readonly maindataTimes: number[] = [];
  /** Headers of every request (to check that no Origin/Referer is sent). */
  readonly seenHeaders: IncomingMessage['headers'][] = [];
  /** What the server has now; `hash` is inside each object, as `torrents/info` reports it. */
  readonly torrents = new Map<string, Json>();
  serverState: Json = { connection_status: 'connected', dl_info_speed: 0, dl_info_data: 0, up_info_speed: 0, up_info_data: 0, dht_nodes: 0 };
  private readonly sessions = new Map<string, Session>();
  private readonly faults: Fault[] = [];
  private readonly sockets = new Set<Socket>();
  private server!: Server;
  port = 0;

  private constructor(opts: FakeQbOptions) {
    this.flavour = opts.flavour ?? '4.6';
    this.username = opts.username ?? 'admin';
    this.password = opts.password ?? 'adminadmin-pass';
  }

  static async start(opts: FakeQbOptions = {}): Promise<FakeQbittorrent> {
    const fake = new FakeQbittorrent(opts);
    fake.server = createServer((req, res) => {
      fake.handle(req, res).catch((err: unknown) => {
        res.statusCode = 500;
        res.end(String(err));
      });
    });
    fake.server.on('connection', (s) => {
      fake.sockets.add(s);
      s.on('close', () => fake.sockets.delete(s));
    });
    await new Promise<void>((resolve) => fake.server.listen(0, '127.0.0.1', resolve));
    const addr = fake.server.address();
    if (!addr || typeof addr !== 'object') throw new Error('no address');
    fake.port = addr.port;
    return fake;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get cookieName(): string {
    return this.flavour === '5.2' ? `QBT_SID_${this.port}` : 'SID';
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
    this.torrents.set(hash.toLowerCase(), fakeTorrent(hash.toLowerCase(), overrides));
  }

  update(hash: string, fields: Json): void {
    const t = this.torrents.get(hash.toLowerCase());
    if (!t) throw new Error(`fake qBittorrent: no torrent ${hash}`);
    Object.assign(t, fields);
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

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  // -------------------------------------------------------------------------------------

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    this.counts.set(url.pathname, this.count(url.pathname) + 1);
    this.seenHeaders.push(req.headers);
    const body = await readBody(req);

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
      this.sessions.set(id, { id, rid: 0, torrents: new Map(), serverState: {} });
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
        return sendJson(res, [...this.torrents.values()]);
      case '/api/v2/sync/maindata': {
        this.maindataTimes.push(Date.now());
        const fault = this.faults.shift();
        if (fault?.kind === 'status') return send(res, fault.status, 'Internal Server Error');
        if (fault?.kind === 'invalid-json') return send(res, 200, '{"rid": 7, "torrents": {', 'application/json');
        if (fault?.kind === 'reset') {
          req.socket.destroy();
          return;
        }
        if (fault?.kind === 'hang') return; // never answers; the socket is destroyed on close()
        const rid = Number(url.searchParams.get('rid') ?? '0');
        return sendJson(res, this.maindata(session, Number.isFinite(rid) ? rid : 0));
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
    const full = rid === 0 || rid !== session.rid;
    let out: Json;
    if (full) {
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
        if (!before) {
          torrents[hash] = t;
          continue;
        }
        const diff: Json = {};
        for (const [k, v] of Object.entries(t)) if (JSON.stringify(before[k]) !== JSON.stringify(v)) diff[k] = v;
        if (Object.keys(diff).length) torrents[hash] = diff;
      }
      const removed = [...session.torrents.keys()].filter((h) => !current.has(h));
      const ss: Json = {};
      for (const [k, v] of Object.entries(this.serverState)) if (JSON.stringify(session.serverState[k]) !== JSON.stringify(v)) ss[k] = v;
      if (Object.keys(torrents).length) out.torrents = torrents;
      if (removed.length) out.torrents_removed = removed;
      if (Object.keys(ss).length) out.server_state = ss;
    }
    session.rid = nextRid;
    session.torrents = current;
    session.serverState = { ...this.serverState };
    return out;
  }
}

function safeHost(value: string): string {
  try {
    return new URL(value).host;
  } catch {
    return '';
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: string, type = 'text/plain; charset=UTF-8'): void {
  res.statusCode = status;
  if (status !== 204) {
    res.setHeader('content-type', type);
    res.end(body);
  } else res.end();
}

function sendJson(res: ServerResponse, value: unknown): void {
  send(res, 200, JSON.stringify(value), 'application/json');
}

// ---------------------------------------------------------------------------------------
// A real qBittorrent, set up by tests

/** Minimal WebUI client for test set-up (adding torrents, peers, limits). Sends no Origin/Referer. */
export class QbAdmin {
  private cookie = '';

  constructor(
    readonly url: string,
    private readonly username: string,
    private readonly password: string,
  ) {}

  async login(): Promise<void> {
    const res = await request(`${this.url}/api/v2/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ username: this.username, password: this.password }).toString(),
    });
    const text = await res.body.text();
    const raw = res.headers['set-cookie'];
    const line = Array.isArray(raw) ? raw[0] : raw;
    if ((res.statusCode !== 200 && res.statusCode !== 204) || text === 'Fails.' || !line) throw new Error(`login failed: HTTP ${res.statusCode} ${text}`);
    this.cookie = line.split(';', 1)[0] ?? '';
  }

  async post(path: string, form: Record<string, string>): Promise<string> {
    const res = await request(`${this.url}${path}`, {
      method: 'POST',
      headers: { cookie: this.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form).toString(),
    });
    const text = await res.body.text();
    if (res.statusCode !== 200) throw new Error(`POST ${path}: HTTP ${res.statusCode} ${text}`);
    return text;
  }

  async get<T = unknown>(path: string): Promise<T> {
    const res = await request(`${this.url}${path}`, { headers: { cookie: this.cookie } });
    const text = await res.body.text();
    if (res.statusCode !== 200) throw new Error(`GET ${path}: HTTP ${res.statusCode} ${text}`);
    return JSON.parse(text) as T;
  }

  /** `POST /api/v2/torrents/add` (multipart) with a .torrent file. */
  async addTorrent(file: TorrentFile, fields: Record<string, string> = {}): Promise<void> {
    const form = new FormData();
    form.append('torrents', new Blob([file.torrent], { type: 'application/x-bittorrent' }), `${file.name}.torrent`);
    for (const [k, v] of Object.entries(fields)) form.append(k, v);
    const res = await request(`${this.url}/api/v2/torrents/add`, { method: 'POST', headers: { cookie: this.cookie }, body: form });
    const text = await res.body.text();
    if (res.statusCode !== 200 || text.trim() !== 'Ok.') throw new Error(`torrents/add: HTTP ${res.statusCode} ${text}`);
  }
}
