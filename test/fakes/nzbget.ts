/**
 * NZBGet JSON-RPC fake over real HTTP on loopback (docs/download-clients.md §5; checked against
 * Debian's nzbget 21.0, which the e2e suite runs):
 *
 * - `POST /jsonrpc` (or `/<user>:<pass>/jsonrpc`) with `{method, params, id}`; HTTP Basic auth
 *   with ControlUsername/ControlPassword, a wrong or missing login is **401 with an empty body**
 *   and `WWW-Authenticate: Basic realm="NZBGet"`; an empty ControlPassword turns the check off;
 * - replies `{"version": "1.1", "id", "result"}`; an unknown method `{"version": "1.1", "error":
 *   {"name": "JSONRPCError", "code": 1, "message": "Invalid procedure"}}`;
 * - `version`, `status` (`DownloadRate`, `DownloadPaused`, `NewsServers`), `listgroups` and
 *   `history` with the 64-bit `…Lo`/`…Hi`/`…MB` sizes, `Health`/`CriticalHealth` per mille,
 *   `Parameters [{Name, Value}]` with the *arr's `drone` beside NZBGet's automatic `*Unpack:`, and
 *   the group Status computed as NZBGet does outside post-processing (`DOWNLOADING` when
 *   `ActiveDownloads > 0`, `PAUSED` when remaining == paused > 0, else `QUEUED`);
 * - `append` with the flat `["drone", "<id>"]` PPParameters Sonarr sends;
 * - every request in `log` (key `'POST /jsonrpc <method>'`), faults by the same key or `'*'`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Faults, Lifecycle, RequestLog, type Fault, type LoggedRequest } from './common.js';

const MIB = 1024 * 1024;

export interface FakeNzbGroup {
  NZBID: number;
  NZBName: string;
  Category: string;
  drone: string | null;
  fileSize: number;
  remaining: number;
  paused: number;
  activeDownloads: number;
  health: number;
  criticalHealth: number;
  /** A post-processing stage (`UNPACKING`…), else null: the status is computed from the sizes. */
  ppStatus: string | null;
}

export interface FakeNzbHistoryItem {
  NZBID: number;
  Name: string;
  Category: string;
  drone: string | null;
  fileSize: number;
  Status: string;
  health: number;
  criticalHealth: number;
  DeleteStatus: string;
  UnpackStatus: string;
  MarkStatus: string;
}

export interface FakeNzbOptions {
  username?: string;
  /** Empty: NZBGet's login is off. */
  password: string;
  version?: string;
  newsServers?: number;
}

/** A fresh *arr-style `drone` value: a dash-less GUID, 32 lower-case hex. */
export function newDroneId(): string {
  return crypto.randomUUID().replaceAll('-', '');
}

function split64(bytes: number, prefix: string): Record<string, number> {
  return { [`${prefix}Lo`]: bytes % 2 ** 32, [`${prefix}Hi`]: Math.floor(bytes / 2 ** 32), [`${prefix}MB`]: Math.round(bytes / MIB) };
}

function params(drone: string | null): Array<{ Name: string; Value: string }> {
  return [...(drone ? [{ Name: 'drone', Value: drone }] : []), { Name: '*Unpack:', Value: 'yes' }];
}

export class FakeNzbget {
  readonly log = new RequestLog();
  readonly faults = new Faults();
  readonly queue: FakeNzbGroup[] = [];
  readonly history: FakeNzbHistoryItem[] = [];
  /** `status().DownloadRate`, B/s. */
  downloadRate = 4 * MIB;
  /** The soft pause of the whole download queue (not shown in group statuses). */
  downloadPaused = false;
  private nextId = 1;
  private readonly life: Lifecycle;

  private constructor(private readonly opts: FakeNzbOptions) {
    this.life = new Lifecycle((req, res) => void this.handle(req, res));
  }

  static async start(opts: FakeNzbOptions): Promise<FakeNzbget> {
    const f = new FakeNzbget(opts);
    await f.life.start();
    return f;
  }

  get url(): string {
    return this.life.url;
  }

  close(): Promise<void> {
    return this.life.stop();
  }

  /** Requests of one method, or all of them. */
  count(method?: string): number {
    return method === undefined ? this.log.count() : this.log.count(`POST /jsonrpc ${method}`);
  }

  fault(method: string, fault: Fault): void {
    this.faults.add(method === '*' ? '*' : `POST /jsonrpc ${method}`, fault);
  }

  /** Adds an NZB as the *arr does (`drone` parameter); downloading unless told otherwise. Sizes in bytes. */
  add(drone: string | null, g: Partial<Omit<FakeNzbGroup, 'NZBID' | 'drone'>> = {}): FakeNzbGroup {
    const fileSize = g.fileSize ?? 1000 * MIB;
    const group: FakeNzbGroup = {
      NZBID: this.nextId++,
      NZBName: g.NZBName ?? `Release.${this.nextId}`,
      Category: g.Category ?? 'Movies',
      drone,
      fileSize,
      remaining: g.remaining ?? fileSize,
      paused: g.paused ?? 0,
      activeDownloads: g.activeDownloads ?? 1,
      health: g.health ?? 1000,
      criticalHealth: g.criticalHealth ?? 850,
      ppStatus: g.ppStatus ?? null,
    };
    this.queue.push(group);
    return group;
  }

  group(drone: string): FakeNzbGroup {
    const g = this.queue.find((x) => x.drone === drone);
    if (!g) throw new Error(`no group with drone ${drone}`);
    return g;
  }

  set(drone: string, patch: Partial<FakeNzbGroup>): void {
    Object.assign(this.group(drone), patch);
  }

  /** Moves a group to the history with this status (`SUCCESS/ALL`, `FAILURE/HEALTH`, `DELETED/MANUAL`…). */
  finish(drone: string, status = 'SUCCESS/ALL', extra: Partial<FakeNzbHistoryItem> = {}): FakeNzbHistoryItem {
    const g = this.group(drone);
    this.queue.splice(this.queue.indexOf(g), 1);
    const item: FakeNzbHistoryItem = {
      NZBID: g.NZBID,
      Name: g.NZBName,
      Category: g.Category,
      drone: g.drone,
      fileSize: g.fileSize,
      Status: status,
      health: g.health,
      criticalHealth: g.criticalHealth,
      DeleteStatus: status.startsWith('DELETED/') ? (status.split('/')[1] ?? 'MANUAL') : status === 'FAILURE/HEALTH' ? 'HEALTH' : 'NONE',
      UnpackStatus: 'NONE',
      MarkStatus: 'NONE',
      ...extra,
    };
    this.history.unshift(item);
    return item;
  }

  /** Deletes a group without a history entry (a final delete). */
  remove(drone: string): void {
    const g = this.group(drone);
    this.queue.splice(this.queue.indexOf(g), 1);
  }

  // -------------------------------------------------------------------------------------

  private groupStatus(g: FakeNzbGroup): string {
    if (g.ppStatus) return g.ppStatus;
    // The soft pause of the whole queue shows no PAUSED: its downloads stop, so the groups read QUEUED.
    if (g.activeDownloads > 0 && !this.downloadPaused) return 'DOWNLOADING';
    if (g.remaining === g.paused && g.paused > 0) return 'PAUSED';
    return 'QUEUED';
  }

  private authorized(req: IncomingMessage, path: string): boolean {
    if (!this.opts.password) return true;
    const user = this.opts.username ?? 'nzbget';
    const header = req.headers.authorization ?? '';
    if (header === `Basic ${Buffer.from(`${user}:${this.opts.password}`).toString('base64')}`) return true;
    return path === `/${user}:${this.opts.password}/jsonrpc`;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    const entry: LoggedRequest = { key: `${req.method} ${path}`, method: req.method ?? 'POST', path, query: {}, headers: req.headers, body: undefined, status: 0, at: Date.now(), meta: {} };
    this.log.entries.push(entry);
    res.on('finish', () => (entry.status = res.statusCode));
    if (!path.endsWith('/jsonrpc')) return void res.writeHead(404).end('Not found');
    let body: { method?: string; params?: unknown[]; id?: unknown } = {};
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as typeof body;
    } catch {
      // NZBGet answers a garbled request with an error envelope.
    }
    entry.body = body;
    entry.key = `POST /jsonrpc ${body.method ?? ''}`;
    if (!this.authorized(req, path)) return void res.writeHead(401, { 'www-authenticate': 'Basic realm="NZBGet"' }).end();
    const fault = this.faults.take(entry.key);
    if (fault) {
      if (fault.reset) return void req.socket.destroy();
      if (fault.hang) return;
      if (fault.invalidJson) return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"version": "1.1", "result": [{"NZBID"');
      if (fault.status) return void res.writeHead(fault.status, { 'content-type': 'text/plain' }).end(typeof fault.body === 'string' ? fault.body : '');
    }
    const reply = (result: unknown) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ version: '1.1', id: body.id ?? null, result }));
    switch (body.method) {
      case 'version':
        return void reply(this.opts.version ?? '21.0');
      case 'status':
        return void reply({
          DownloadRate: this.downloadRate,
          DownloadPaused: this.downloadPaused,
          PostPaused: false,
          ServerStandBy: this.queue.every((g) => g.activeDownloads === 0),
          NewsServers: Array.from({ length: this.opts.newsServers ?? 1 }, (_, i) => ({ ID: i + 1, Active: true })),
          ...split64(
            this.queue.reduce((n, g) => n + g.remaining, 0),
            'RemainingSize',
          ),
        });
      case 'listgroups':
        return void reply(
          this.queue.map((g) => ({
            NZBID: g.NZBID,
            NZBName: g.NZBName,
            Kind: 'NZB',
            Category: g.Category,
            Status: this.groupStatus(g),
            ...split64(g.fileSize, 'FileSize'),
            ...split64(g.remaining, 'RemainingSize'),
            ...split64(g.paused, 'PausedSize'),
            ActiveDownloads: this.downloadPaused ? 0 : g.activeDownloads,
            Health: g.health,
            CriticalHealth: g.criticalHealth,
            // Garbage outside post-processing, as NZBGet 21 sends it.
            PostStageProgress: g.ppStatus ? 500 : -667448629,
            PostInfoText: g.ppStatus ? 'Unpacking' : 'NONE',
            Parameters: params(g.drone),
            ParStatus: 'NONE',
            DeleteStatus: 'NONE',
          })),
        );
      case 'history':
        return void reply(
          this.history.map((h) => ({
            NZBID: h.NZBID,
            Kind: 'NZB',
            Name: h.Name,
            Category: h.Category,
            Status: h.Status,
            ...split64(h.fileSize, 'FileSize'),
            Health: h.health,
            CriticalHealth: h.criticalHealth,
            ParStatus: 'NONE',
            UnpackStatus: h.UnpackStatus,
            MoveStatus: 'NONE',
            ScriptStatus: 'NONE',
            DeleteStatus: h.DeleteStatus,
            MarkStatus: h.MarkStatus,
            HistoryTime: 1_765_000_000,
            Parameters: params(h.drone),
          })),
        );
      case 'append': {
        const pp = Array.isArray(body.params?.[9]) ? (body.params[9] as unknown[]) : [];
        const i = pp.indexOf('drone');
        const drone = i >= 0 && typeof pp[i + 1] === 'string' ? (pp[i + 1] as string) : null;
        const paused = body.params?.[5] === true;
        const g = this.add(drone, { NZBName: String(body.params?.[0] ?? 'x.nzb').replace(/\.nzb$/i, '') });
        if (paused) Object.assign(g, { paused: g.fileSize, activeDownloads: 0 });
        return void reply(g.NZBID);
      }
      default:
        return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ version: '1.1', error: { name: 'JSONRPCError', code: 1, message: 'Invalid procedure' } }));
    }
  }
}
