/**
 * The plumbing of the upstream stand-ins (qbittorrent.ts, upstreams.ts): a node:http server on
 * loopback that counts every request per route, remembers its sockets so that `close()` ends
 * kept-alive connections at once, and small writers for text and JSON answers.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

export type Json = Record<string, unknown>;

/** Counts requests per route key (`'GET /api/v2/sync/maindata'`). */
export class Counter {
  readonly byRoute = new Map<string, number>();
  total = 0;

  hit(key: string): void {
    this.total++;
    this.byRoute.set(key, (this.byRoute.get(key) ?? 0) + 1);
  }

  snapshot(): Map<string, number> {
    return new Map(this.byRoute);
  }

  /** Requests per route since `before` (routes with none left out). */
  since(before: Map<string, number>): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [k, v] of this.byRoute) {
      const d = v - (before.get(k) ?? 0);
      if (d > 0) out[k] = d;
    }
    return out;
  }
}

/** A loopback HTTP server with a counter; `handle` answers every request (a throw becomes HTTP 500). */
export abstract class LoopbackServer {
  readonly counter = new Counter();
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  port = 0;

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<this> {
    const server = createServer((req, res) => {
      readBody(req).then(
        (body) =>
          Promise.resolve()
            .then(() => this.handle(req, res, body))
            .catch((err: unknown) => send(res, 500, String(err))),
        () => send(res, 400, 'bad request'),
      );
    });
    server.keepAliveTimeout = 65_000;
    server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const addr = server.address();
    if (!addr || typeof addr !== 'object') throw new Error('no address');
    this.port = addr.port;
    this.server = server;
    return this;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = null;
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  protected abstract handle(req: IncomingMessage, res: ServerResponse, body: string): void | Promise<void>;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export function send(res: ServerResponse, status: number, body: string, type = 'text/plain; charset=UTF-8'): void {
  res.statusCode = status;
  if (status === 204) {
    res.end();
    return;
  }
  res.setHeader('content-type', type);
  res.end(body);
}

export function sendJson(res: ServerResponse, value: unknown, status = 200, type = 'application/json; charset=utf-8'): void {
  send(res, status, JSON.stringify(value), type);
}
