/**
 * Deluge test helpers:
 *
 * - `FakeDeluge`: a small stand-in for deluge-web's JSON-RPC on loopback, faithful to what the
 *   client relies on (docs/download-clients.md §3; checked against 2.0.3's `json_api.py`):
 *   `POST /json` with `{method, params, id}` answered HTTP 200 `{result, error, id}`;
 *   `auth.login` → `true` + `Set-Cookie: _session_id=…; Path=/json` (`false` for a wrong
 *   password); every other method without a valid cookie → error 1 "Not authenticated"; daemon
 *   methods (`core.*`, `daemon.*`) while no daemon is connected → error 2 "Unknown method";
 *   `web.connected`, `web.get_hosts`, `web.connect` (answers even when the daemon is down);
 *   `core.get_torrents_status` with the `id` filter (unknown ids left out) and the key list.
 *   `restartWeb()` forgets every session and the daemon connection, as a deluge-web restart does.
 *   The e2e suite runs the real deluged and deluge-web.
 * - `DelugeAdmin`: a minimal JSON-RPC client (login, cookie) for setting up a real Web UI in e2e tests.
 */
import { performance } from 'node:perf_hooks';
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { request } from 'undici';

export type FakeTorrent = Record<string, unknown>;

/** What a key is when a test does not set it. */
const DEFAULTS: Record<string, unknown> = {
  state: 'Downloading',
  progress: 0,
  total_wanted: 0,
  total_remaining: 0,
  download_payload_rate: 0,
  eta: 0,
  is_finished: false,
  message: 'OK',
  tracker_status: '',
  num_seeds: 0,
  num_peers: 0,
};

export interface FakeDelugeOptions {
  password?: string;
  /** The JSON-RPC path (default `/json`). */
  path?: string;
  /** The Web UI starts connected to its daemon (default false: the client must connect it). */
  connected?: boolean;
  /** The host list (default one `127.0.0.1:58846 localclient` entry). */
  hosts?: Array<[string, string, number, string]>;
}

export interface SeenCall {
  method: string;
  params: unknown[];
  headers: IncomingMessage['headers'];
  /** When the call arrived (performance.now()). */
  at: number;
}

export class FakeDeluge {
  private readonly sessions = new Set<string>();
  private readonly torrents = new Map<string, FakeTorrent>();
  private readonly sockets = new Set<Socket>();
  /** Whether the Web UI is connected to its daemon. */
  connected: boolean;
  /** Whether the daemon runs (`web.connect` only succeeds then). */
  daemonUp = true;
  readonly hosts: Array<[string, string, number, string]>;
  /** Every JSON-RPC call, whatever its answer. */
  readonly calls: SeenCall[] = [];
  /** Every HTTP request. */
  requests = 0;
  /** The next answers (to `method` only, when given): an HTTP status, invalid JSON, a hang, or a JSON-RPC error. */
  fail: Array<{ method?: string; status?: number; body?: string; invalidJson?: boolean; hang?: boolean; error?: { message: string; code: number } }> = [];

  private constructor(
    private readonly server: Server,
    readonly url: string,
    private readonly opts: FakeDelugeOptions,
  ) {
    this.connected = opts.connected ?? false;
    this.hosts = opts.hosts ?? [['a7f3c0de5b1e4a2f9d8c6b4a2e0f1d3c', '127.0.0.1', 58846, 'localclient']];
    server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
  }

  static async start(opts: FakeDelugeOptions = {}): Promise<FakeDeluge> {
    let fake: FakeDeluge | null = null;
    const server = createServer((req, res) => void fake?.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    fake = new FakeDeluge(server, `http://127.0.0.1:${port}`, opts);
    return fake;
  }

  count(method: string): number {
    return this.calls.filter((c) => c.method === method).length;
  }

  /** Adds (or replaces) a torrent, by lower-case hash. */
  add(hash: string, fields: FakeTorrent = {}): void {
    this.torrents.set(hash, { hash, ...fields });
  }

  set(hash: string, fields: FakeTorrent): void {
    const t = this.torrents.get(hash);
    if (!t) throw new Error(`no torrent ${hash}`);
    this.torrents.set(hash, { ...t, ...fields });
  }

  remove(hash: string): void {
    this.torrents.delete(hash);
  }

  /** Every session expires (the 3600 s timeout). */
  expireSessions(): void {
    this.sessions.clear();
  }

  /** deluge-web restarts: no session, no daemon connection. */
  restartWeb(): void {
    this.sessions.clear();
    this.connected = false;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.requests++;
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    if (req.method !== 'POST' || req.url !== (this.opts.path ?? '/json')) return void res.writeHead(404).end('<html><title>404 - No Such Resource</title></html>');
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { method: string; params: unknown[]; id: number };
    this.calls.push({ method: body.method, params: body.params, headers: req.headers, at: performance.now() });
    const at = this.fail.findIndex((f) => f.method === undefined || f.method === body.method);
    const fail = at < 0 ? undefined : this.fail.splice(at, 1)[0];
    if (fail?.hang) return;
    if (fail?.status) return void res.writeHead(fail.status).end(fail.body ?? 'oops');
    if (fail?.invalidJson) return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"result":');
    const answer = (result: unknown, error: { message: string; code: number } | null = null, headers: Record<string, string> = {}) =>
      res.writeHead(200, { 'content-type': 'application/json', ...headers }).end(JSON.stringify({ result, error, id: body.id }));
    if (fail?.error) return void answer(null, fail.error);
    if (body.method === 'auth.login') {
      if (body.params[0] !== (this.opts.password ?? 'deluge')) return void answer(false);
      const id = randomBytes(32).toString('hex') + String(Math.floor(Math.random() * 1000));
      this.sessions.add(id);
      return void answer(true, null, { 'set-cookie': `_session_id=${id}; Expires=Thu, 01 Jan 2099 00:00:00 GMT; Path=/json` });
    }
    const cookie = /(?:^|;\s*)_session_id=([^;]+)/.exec(req.headers.cookie ?? '')?.[1];
    if (!cookie || !this.sessions.has(cookie)) return void answer(null, { message: 'Not authenticated', code: 1 });
    switch (body.method) {
      case 'auth.check_session':
        return void answer(true);
      case 'web.connected':
        return void answer(this.connected);
      case 'web.get_hosts':
        return void answer(this.hosts);
      case 'web.connect':
        if (this.daemonUp && this.hosts.some((h) => h[0] === body.params[0])) this.connected = true;
        return void answer(this.connected ? ['core.get_torrents_status', 'daemon.get_version'] : null);
    }
    const daemonMethod = body.method.startsWith('core.') || body.method.startsWith('daemon.');
    if (!daemonMethod || !this.connected) return void answer(null, { message: 'Unknown method', code: 2 });
    if (body.method === 'daemon.get_version') return void answer('2.0.3');
    if (body.method !== 'core.get_torrents_status') return void answer(null, { message: 'Unknown method', code: 2 });
    const [filter, keys] = body.params as [{ id?: string[] }, string[]];
    const ids = filter.id ?? [...this.torrents.keys()];
    const out: Record<string, Record<string, unknown>> = {};
    for (const id of ids) {
      const t = this.torrents.get(id);
      if (t) out[id] = Object.fromEntries(keys.map((k) => [k, t[k] ?? DEFAULTS[k] ?? null]));
    }
    return void answer(out);
  }
}

/** A minimal JSON-RPC client for setting up a real Web UI (login, cookie); throws on any error. */
export class DelugeAdmin {
  private cookie = '';
  private id = 1;

  constructor(
    readonly url: string,
    private readonly password = 'deluge',
  ) {}

  async call<T = unknown>(method: string, params: unknown[] = []): Promise<T> {
    if (!this.cookie && method !== 'auth.login') await this.login();
    const res = await request(`${this.url}/json`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(this.cookie ? { cookie: this.cookie } : {}) },
      body: JSON.stringify({ method, params, id: this.id++ }),
    });
    const text = await res.body.text();
    if (res.statusCode !== 200) throw new Error(`${method}: HTTP ${res.statusCode} ${text.slice(0, 200)}`);
    const data = JSON.parse(text) as { result: T; error: { message: string; code: number } | null };
    if (data.error) throw new Error(`${method}: ${data.error.message} (error ${data.error.code})`);
    const setCookie = res.headers['set-cookie'];
    const line = Array.isArray(setCookie) ? setCookie[0] : setCookie;
    if (method === 'auth.login' && line) this.cookie = line.split(';', 1)[0] ?? '';
    return data.result;
  }

  async login(): Promise<void> {
    if (!(await this.call<boolean>('auth.login', [this.password]))) throw new Error('auth.login: wrong password');
  }

  /** Connects the Web UI to the host-list entry on 127.0.0.1 (or the first) unless it is connected. */
  async connectDaemon(): Promise<void> {
    if (await this.call<boolean>('web.connected')) return;
    const hosts = await this.call<Array<[string, string, number, string]>>('web.get_hosts');
    const host = hosts.find((h) => h[1] === '127.0.0.1') ?? hosts[0];
    if (!host) throw new Error('web.get_hosts: empty host list');
    await this.call('web.connect', [host[0]]);
    if (!(await this.call<boolean>('web.connected'))) throw new Error(`web.connect ${host[1]}:${host[2]} did not connect`);
  }
}
