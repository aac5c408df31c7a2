/**
 * Transmission test helpers:
 *
 * - `FakeTransmission`: a small stand-in for Transmission's RPC on loopback, faithful to what
 *   the client relies on (docs/download-clients.md §2; checked against 3.00): Basic auth
 *   before the session id (401), the 409 handshake with `X-Transmission-Session-Id`, a new id
 *   and new torrent ids on `restart()`, `torrent-get` with `fields` and `ids:
 *   "recently-active"` (+ `removed` ids), `session-get`. The e2e suite runs the real daemon.
 * - `TrAdmin`: a minimal RPC client for setting up a real daemon in e2e tests.
 */
import { performance } from 'node:perf_hooks';
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';

/** What a field is when a test does not set it (unknown names are 0, as 3.00 answers them). */
const DEFAULTS: Record<string, unknown> = { errorString: '', isStalled: false, metadataPercentComplete: 1, eta: -1 };

export type FakeTorrent = Record<string, unknown> & { hashString: string };

interface Entry {
  id: number;
  fields: FakeTorrent;
  activeAt: number;
}

export interface FakeTrOptions {
  username?: string;
  password?: string;
  /** The RPC path (default `/transmission/rpc`). */
  path?: string;
}

export interface SeenCall {
  method: string;
  arguments: Record<string, unknown>;
  headers: IncomingMessage['headers'];
  /** When the call arrived (performance.now()). */
  at: number;
}

export class FakeTransmission {
  sessionId = randomBytes(24).toString('base64url');
  private nextId = 1;
  private readonly torrents = new Map<string, Entry>();
  private removed: Array<{ id: number; at: number }> = [];
  private sockets = new Set<import('node:net').Socket>();
  /** Every RPC call that got past auth and the handshake. */
  readonly calls: SeenCall[] = [];
  /** Every HTTP request, whatever its answer. */
  requests = 0;
  conflicts = 0;
  /** The next answers: an HTTP status, invalid JSON, a hang, an error `result`, or a 409 whatever the id. */
  fail: Array<{ status?: number; invalidJson?: boolean; hang?: boolean; result?: string; conflict?: boolean }> = [];

  private constructor(
    private readonly server: Server,
    readonly url: string,
    private readonly opts: FakeTrOptions,
  ) {
    server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
  }

  static async start(opts: FakeTrOptions = {}): Promise<FakeTransmission> {
    let fake: FakeTransmission | null = null;
    const server = createServer((req, res) => void fake?.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    fake = new FakeTransmission(server, `http://127.0.0.1:${port}`, opts);
    return fake;
  }

  get rpcPath(): string {
    return this.opts.path ?? '/transmission/rpc';
  }

  count(method: string): number {
    return this.calls.filter((c) => c.method === method).length;
  }

  /** Adds (or replaces) a torrent; it counts as recently active. */
  add(hash: string, fields: Record<string, unknown> = {}): void {
    const old = this.torrents.get(hash);
    this.torrents.set(hash, { id: old?.id ?? this.nextId++, fields: { hashString: hash, ...fields }, activeAt: Date.now() });
  }

  /** Changes some fields of a torrent; it counts as recently active. */
  set(hash: string, fields: Record<string, unknown>): void {
    const e = this.torrents.get(hash);
    if (!e) throw new Error(`no torrent ${hash}`);
    e.fields = { ...e.fields, ...fields };
    e.activeAt = Date.now();
  }

  /** Makes a torrent fall out of the "recently active" window (as 60 s of quiet would). */
  quiet(hash: string): void {
    const e = this.torrents.get(hash);
    if (e) e.activeAt = 0;
  }

  remove(hash: string): void {
    const e = this.torrents.get(hash);
    if (!e) return;
    this.torrents.delete(hash);
    this.removed.push({ id: e.id, at: Date.now() });
  }

  idOf(hash: string): number | undefined {
    return this.torrents.get(hash)?.id;
  }

  /** A daemon restart: a new session id, ids handed out again in a new order, nothing "removed". */
  restart(): void {
    this.sessionId = randomBytes(24).toString('base64url');
    const entries = [...this.torrents.values()].reverse();
    this.nextId = 1;
    for (const e of entries) e.id = this.nextId++;
    this.removed = [];
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.requests++;
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    if (req.method !== 'POST' || req.url !== this.rpcPath) return void res.writeHead(404).end('<h1>404: Not Found</h1>');
    if (this.opts.username) {
      const expected = `Basic ${Buffer.from(`${this.opts.username}:${this.opts.password ?? ''}`).toString('base64')}`;
      if (req.headers.authorization !== expected) return void res.writeHead(401, { 'www-authenticate': 'Basic realm="Transmission"' }).end('<h1>401: Unauthorized</h1>');
    }
    const fail = this.fail.shift();
    if (fail?.hang) return;
    if (fail?.conflict || req.headers['x-transmission-session-id'] !== this.sessionId) {
      this.conflicts++;
      return void res.writeHead(409, { 'x-transmission-session-id': this.sessionId }).end(`<h1>409: Conflict</h1><p><code>X-Transmission-Session-Id: ${this.sessionId}</code></p>`);
    }
    if (fail?.status) return void res.writeHead(fail.status).end('oops');
    if (fail?.invalidJson) return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"result":');
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { method: string; arguments?: Record<string, unknown> };
    const args = body.arguments ?? {};
    this.calls.push({ method: body.method, arguments: args, headers: req.headers, at: performance.now() });
    const answer = (result: string, a: unknown = {}) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ arguments: a, result }));
    if (fail?.result) return void answer(fail.result);
    if (body.method === 'session-get') return void answer('success', { version: '3.00 (fake)', 'rpc-version': 16 });
    if (body.method !== 'torrent-get') return void answer('method name not recognized');
    const fields = (args.fields as string[] | undefined) ?? [];
    const pick = (e: Entry) => Object.fromEntries(fields.map((f) => [f, f === 'id' ? e.id : (e.fields[f] ?? DEFAULTS[f] ?? 0)]));
    const since = Date.now() - 60_000;
    if (args.ids === 'recently-active') {
      const list = [...this.torrents.values()].filter((e) => e.activeAt >= since).map(pick);
      return void answer('success', { torrents: list, removed: this.removed.filter((r) => r.at >= since).map((r) => r.id) });
    }
    return void answer('success', { torrents: [...this.torrents.values()].map(pick) });
  }
}

/** A minimal RPC client for setting up a real daemon (handshake, Basic auth); throws on anything but success. */
export class TrAdmin {
  private sessionId = '';

  constructor(
    readonly url: string,
    private readonly username: string,
    private readonly password: string,
  ) {}

  async call<T = Record<string, unknown>>(method: string, args: Record<string, unknown> = {}): Promise<T> {
    for (let attempt = 0; attempt < 2; attempt++) {
      const res = await request(`${this.url}/transmission/rpc`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`${this.username}:${this.password}`).toString('base64')}`,
          'x-transmission-session-id': this.sessionId,
          'content-type': 'application/json',
        },
        body: JSON.stringify({ method, arguments: args }),
      });
      const text = await res.body.text();
      if (res.statusCode === 409) {
        this.sessionId = String(res.headers['x-transmission-session-id'] ?? '');
        continue;
      }
      if (res.statusCode !== 200) throw new Error(`${method}: HTTP ${res.statusCode} ${text.slice(0, 200)}`);
      const data = JSON.parse(text) as { result: string; arguments: T };
      if (data.result !== 'success') throw new Error(`${method}: ${data.result}`);
      return data.arguments;
    }
    throw new Error(`${method}: 409 twice`);
  }
}
