/**
 * Shared plumbing for the protocol fakes (docs/upstreams.md): a restartable loopback HTTP server,
 * a per-route request log, per-route fault injection (HTTP errors, delays, invalid JSON,
 * connection resets), query helpers, paging, null omission, a webhook sender and a webhook
 * receiver for tests.
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type RequestListener, type Server } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import express, { type Express, type Request, type Response } from 'express';
import { until, Wakeup } from '../helpers/wait.js';

// ---------------------------------------------------------------------------------------
// Server lifecycle

export interface FakeHandle {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** A loopback server that can be stopped and started again on the same port. */
export class Lifecycle {
  private server: Server | undefined;
  port = 0;

  constructor(
    private readonly handler: RequestListener,
    private readonly setup?: (server: Server) => void,
    private readonly beforeClose?: () => void,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.server !== undefined;
  }

  async start(): Promise<FakeHandle> {
    if (this.server) return this.handle();
    const server = createServer(this.handler);
    this.setup?.(server);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
    return this.handle();
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    this.beforeClose?.();
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
    // Let in-process clients notice their keep-alive sockets died before anyone reuses the port.
    await new Promise((resolve) => setTimeout(resolve, 20));
  }

  private handle(): FakeHandle {
    return { url: this.url, port: this.port, close: () => this.stop() };
  }
}

/** Cancellable sleeps, so that closing a fake never leaves timers behind. */
export class Timers {
  private readonly pending = new Set<{ timer: NodeJS.Timeout; resolve: (completed: boolean) => void }>();

  /** Resolves `true` after `ms`, or `false` if `cancelAll()` ran first. */
  sleep(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const entry = {
        timer: setTimeout(() => {
          this.pending.delete(entry);
          resolve(true);
        }, ms),
        resolve,
      };
      this.pending.add(entry);
    });
  }

  cancelAll(): void {
    for (const entry of this.pending) {
      clearTimeout(entry.timer);
      entry.resolve(false);
    }
    this.pending.clear();
  }
}

// ---------------------------------------------------------------------------------------
// Request log and faults

export interface LoggedRequest {
  /** Route key: `'GET /api/v3/queue'` (the route pattern, e.g. `'GET /api/v3/series/:id'`), or `'<METHOD> <path>'` for unknown routes. */
  key: string;
  method: string;
  path: string;
  query: Record<string, unknown>;
  headers: IncomingHttpHeaders;
  body: unknown;
  /** Final HTTP status (0 while in flight or if the connection was reset). */
  status: number;
  at: number;
  /** Fake-specific notes (e.g. Jellyfin's `authVia`). */
  meta: Record<string, unknown>;
}

export class RequestLog {
  readonly entries: LoggedRequest[] = [];

  /** Number of requests that hit `key` (all requests without a key). */
  count(key?: string): number {
    return key === undefined ? this.entries.length : this.of(key).length;
  }

  of(key: string): LoggedRequest[] {
    return this.entries.filter((e) => e.key === key);
  }

  last(key: string): LoggedRequest | undefined {
    return this.of(key).at(-1);
  }

  clear(): void {
    this.entries.length = 0;
  }
}

export interface Fault {
  /** How many requests the fault applies to (default 1; `Infinity` = until cleared). */
  times?: number;
  /** Answer with this HTTP status and `body` (default `{message: "Injected fault"}`). */
  status?: number;
  body?: unknown;
  /** Wait this long before answering (alone: a slow/hung endpoint → client timeout). */
  delayMs?: number;
  /** Answer 200 `application/json` with a truncated JSON document. */
  invalidJson?: boolean;
  /** Destroy the TCP connection without answering. */
  reset?: boolean;
  /** Never answer (the connection ends when the fake stops). */
  hang?: boolean;
}

/** Fault queue per route key (`'GET /api/v3/queue'`), or `'*'` for every route. */
export class Faults {
  private readonly queues = new Map<string, Array<Fault & { times: number }>>();

  add(key: string, fault: Fault): this {
    const list = this.queues.get(key) ?? [];
    list.push({ ...fault, times: fault.times ?? 1 });
    this.queues.set(key, list);
    return this;
  }

  /** The next `n` responses of `key` are HTTP `status` (500). */
  failNext(key: string, n = 1, status = 500): this {
    return this.add(key, { times: n, status });
  }

  /** The next `n` responses of `key` are delayed by `ms`. */
  delayNext(key: string, ms: number, n = 1): this {
    return this.add(key, { times: n, delayMs: ms });
  }

  /** The next `n` responses of `key` are truncated JSON. */
  invalidJsonNext(key: string, n = 1): this {
    return this.add(key, { times: n, invalidJson: true });
  }

  clear(key?: string): void {
    if (key === undefined) this.queues.clear();
    else this.queues.delete(key);
  }

  /** Consumes one application of the first fault queued for `key` (or `'*'`). */
  take(key: string): Fault | undefined {
    for (const k of [key, '*']) {
      const list = this.queues.get(k);
      const fault = list?.[0];
      if (!list || !fault) continue;
      fault.times -= 1;
      if (fault.times <= 0) list.shift();
      return fault;
    }
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------
// Express app with logged, faultable, authenticated routes

type Method = 'get' | 'post' | 'put' | 'delete';
type Handler = (req: Request, res: Response) => unknown;

export interface FakeApp {
  app: Express;
  log: RequestLog;
  faults: Faults;
  timers: Timers;
  /** Registers a route; `key` is `'GET /path/:param'`. Public routes skip `auth`. */
  route(method: Method, path: string, handler: Handler, opts?: { public?: boolean }): void;
  /** Adds the JSON 404 fallback; call after the routes. */
  finish(): void;
}

export function createFakeApp(opts: {
  /** Returns true when the request is authenticated. */
  auth?: (req: Request, res: Response) => boolean;
  /** Sends the unauthorized response. */
  onUnauthorized?: (res: Response) => void;
}): FakeApp {
  const app = express();
  app.set('etag', false);
  app.disable('x-powered-by');
  const log = new RequestLog();
  const faults = new Faults();
  const timers = new Timers();
  app.use(express.json({ type: ['application/json', 'application/*+json', 'text/json'], strict: false, limit: '5mb' }));
  app.use((req, res, next) => {
    const entry: LoggedRequest = {
      key: `${req.method} ${req.path}`,
      method: req.method,
      path: req.path,
      query: { ...(req.query as Record<string, unknown>) },
      headers: req.headers,
      body: req.body,
      status: 0,
      at: Date.now(),
      meta: {},
    };
    log.entries.push(entry);
    res.locals.entry = entry;
    res.on('finish', () => (entry.status = res.statusCode));
    next();
  });
  const route: FakeApp['route'] = (method, path, handler, ropts) => {
    const key = `${method.toUpperCase()} ${path}`;
    app[method](path, async (req, res) => {
      (res.locals.entry as LoggedRequest).key = key;
      if (!ropts?.public && opts.auth && !opts.auth(req, res)) {
        (opts.onUnauthorized ?? ((r: Response) => r.status(401).json({ message: 'Unauthorized' })))(res);
        return;
      }
      const fault = faults.take(key);
      if (fault) {
        if (fault.delayMs && !(await timers.sleep(fault.delayMs))) return;
        if (fault.reset) return void req.socket.destroy();
        if (fault.hang) return;
        if (fault.invalidJson) return void res.status(200).type('application/json').send('{"records": [{"id": 1, "title": "trunc');
        if (fault.status) return void res.status(fault.status).json(fault.body ?? { message: 'Injected fault' });
      }
      await handler(req, res);
    });
  };
  const finish = () => {
    app.use((req: Request, res: Response) => res.status(404).json({ message: `Not found: ${req.method} ${req.path}` }));
  };
  return { app, log, faults, timers, route, finish };
}

// ---------------------------------------------------------------------------------------
// Query helpers (parameter names case-insensitive, like ASP.NET)

export function q(req: Request, name: string): string | undefined {
  const lower = name.toLowerCase();
  for (const [k, v] of Object.entries(req.query)) {
    if (k.toLowerCase() !== lower) continue;
    const value = Array.isArray(v) ? v[0] : v;
    return typeof value === 'string' ? value : undefined;
  }
  return undefined;
}

/** Repeated (`a=1&a=2`) and comma-separated (`a=1,2`) values. */
export function qList(req: Request, name: string): string[] {
  const lower = name.toLowerCase();
  const out: string[] = [];
  for (const [k, v] of Object.entries(req.query)) {
    if (k.toLowerCase() !== lower) continue;
    for (const item of Array.isArray(v) ? v : [v]) {
      if (typeof item === 'string')
        out.push(
          ...item
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean),
        );
    }
  }
  return out;
}

export function qInt(req: Request, name: string): number | undefined {
  const v = q(req, name);
  return v !== undefined && /^-?\d+$/.test(v) ? Number(v) : undefined;
}

export function qBool(req: Request, name: string): boolean | undefined {
  const v = q(req, name)?.toLowerCase();
  return v === 'true' ? true : v === 'false' ? false : undefined;
}

export function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

// ---------------------------------------------------------------------------------------
// Serialization helpers

/** Drops `null`/`undefined` object properties recursively (System.Text.Json `WhenWritingNull`). */
export function stripNulls<T>(value: T): T {
  if (Array.isArray(value)) return value.map((v) => stripNulls(v)) as T;
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== null && v !== undefined) out[k] = stripNulls(v);
    return out as T;
  }
  return value;
}

/** Servarr paging envelope. */
export function paged<T>(records: T[], page: number, pageSize: number, sortKey: string, sortDirection: 'ascending' | 'descending' | 'default') {
  const start = (Math.max(page, 1) - 1) * pageSize;
  return { page, pageSize, sortKey, sortDirection, totalRecords: records.length, records: records.slice(start, start + pageSize) };
}

/** .NET `TimeSpan.ToString()`: `hh:mm:ss`, or `d.hh:mm:ss` from one day on. */
export function timeSpan(totalSeconds: number): string {
  const s = Math.max(0, Math.floor(totalSeconds));
  const days = Math.floor(s / 86_400);
  const pad = (n: number) => String(n).padStart(2, '0');
  const hms = `${pad(Math.floor((s % 86_400) / 3600))}:${pad(Math.floor((s % 3600) / 60))}:${pad(s % 60)}`;
  return days > 0 ? `${days}.${hms}` : hms;
}

/** Compares dotted versions numerically (`'4.0.10' > '4.0.9'`). */
export function versionAtLeast(version: string, min: string): boolean {
  const a = version.split('.').map(Number);
  const b = min.split('.').map(Number);
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d > 0;
  }
  return true;
}

/** 32 lower-case hex digits (a .NET Guid in "N" format). */
export function guidN(): string {
  return randomUUID().replace(/-/g, '');
}

/** The hyphenated "D" format of an N-format guid. */
export function guidD(n: string): string {
  const h = n.replace(/-/g, '').toLowerCase();
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export function iso(date: Date | number = Date.now()): string {
  return new Date(date).toISOString();
}

// ---------------------------------------------------------------------------------------
// Outgoing webhooks and a receiver for tests

export interface SentHook {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: string;
  /** HTTP status of the receiver, 0 on a network error. */
  status: number;
  error?: string;
}

export async function sendHook(url: string, body: string, opts: { method?: string; headers?: Record<string, string>; timeoutMs?: number } = {}): Promise<SentHook> {
  const method = opts.method ?? 'POST';
  const headers = opts.headers ?? {};
  try {
    const res = await fetch(url, { method, headers, body, signal: AbortSignal.timeout(opts.timeoutMs ?? 10_000) });
    await res.arrayBuffer();
    return { url, method, headers, body, status: res.status };
  } catch (err) {
    return { url, method, headers, body, status: 0, error: (err as Error).message };
  }
}

export function basicAuth(user: string, pass: string): string {
  return `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
}

export interface Received {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  raw: string;
  /** Parsed body, or `undefined` when it is not JSON. */
  json: unknown;
}

/** A local webhook receiver: records every request, answers `status` (200). */
export class Receiver {
  readonly received: Received[] = [];
  status = 200;
  private readonly arrivals = new Wakeup();
  private readonly life = new Lifecycle((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      let json: unknown;
      try {
        json = JSON.parse(raw);
      } catch {
        json = undefined;
      }
      this.received.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, raw, json });
      res.writeHead(this.status, { 'content-type': 'application/json' }).end('{}');
      this.arrivals.wake();
    });
  });

  async start(): Promise<string> {
    return (await this.life.start()).url;
  }

  close(): Promise<void> {
    return this.life.stop();
  }

  /** Resolves once at least `n` requests arrived. */
  async waitFor(n = 1, timeoutMs = 5000): Promise<Received[]> {
    await until(
      () => this.received.length >= n,
      () => `${n} requests at the receiver (got ${this.received.length})`,
      { timeoutMs, everyMs: 50, sleep: this.arrivals.sleep },
    );
    return this.received;
  }
}
