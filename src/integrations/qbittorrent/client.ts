/**
 * A qBittorrent WebUI API v2 client (docs/upstreams.md §4) on top of `ServiceClient`:
 *
 * - Login (`POST /api/v2/auth/login`, form body) for 4.x–5.1 (HTTP 200 `Ok.`/`Fails.`, cookie
 *   `SID`) and 5.2+ (HTTP 204 / 401, cookie `QBT_SID_<port>`): whatever cookie `Set-Cookie`
 *   names is kept and sent back. No `Origin`/`Referer` is ever sent (qBittorrent's CSRF check).
 * - A 403 from any other endpoint means the session expired (or was never there): log in
 *   again, once, and repeat the call.
 * - `maindata(rid)`: `sync/maindata`, validated with zod (loose objects; in deltas every torrent
 *   field is optional and `full_update` is absent).
 *
 * Messages name the instance and the path, never the password.
 */
import { z } from 'zod';
import { describeIssues } from '../../config/issues.js';
import { registerSecret } from '../../log.js';
import { ServiceClient, UpstreamError, type CallOptions, type RawResponse } from '../../net/service.js';

/** One torrent as `sync/maindata` sends it: in deltas only the changed fields are present. */
export const torrentSchema = z.looseObject({
  hash: z.string().optional(),
  name: z.string().optional(),
  state: z.string().optional(),
  progress: z.number().optional(),
  dlspeed: z.number().optional(),
  upspeed: z.number().optional(),
  eta: z.number().optional(),
  size: z.number().optional(),
  total_size: z.number().optional(),
  /** 5.x: false while a magnet's metadata (the file list) has not arrived. */
  has_metadata: z.boolean().optional(),
  amount_left: z.number().optional(),
  completed: z.number().optional(),
  num_seeds: z.number().optional(),
  num_leechs: z.number().optional(),
  category: z.string().optional(),
  save_path: z.string().optional(),
  content_path: z.string().optional(),
  added_on: z.number().optional(),
  completion_on: z.number().optional(),
});
export type TorrentFields = z.infer<typeof torrentSchema>;

export const maindataSchema = z.looseObject({
  rid: z.number().int(),
  /** `true` on full snapshots; absent (never `false`) in deltas. */
  full_update: z.boolean().optional(),
  torrents: z.record(z.string(), torrentSchema).optional(),
  torrents_removed: z.array(z.string()).optional(),
  server_state: z.looseObject({}).optional(),
});
export type MainData = z.infer<typeof maindataSchema>;

export interface QbClientOptions {
  /** Instance name from the options (`qbittorrent[].name`). */
  name: string;
  /** Base URL, no trailing slash (a path prefix behind a reverse proxy is kept). */
  url: string;
  username: string;
  password: string;
  timeoutMs?: number;
  /** Extra attempts on network errors/5xx inside one call; 0 lets the poll loop back off instead. */
  retries?: number;
  minRetryDelayMs?: number;
}

export type LoginFlavour = 'legacy' | 'v5.2';

export class QbClient {
  readonly service: string;
  private readonly http: ServiceClient;
  /** `NAME=value` of the session cookie, whatever its name. */
  private cookie: string | null = null;
  /** Web API version (`app/webapiVersion`), fetched once after the first login. */
  apiVersion: string | null = null;
  /** Which login answer the server gave: 200 `Ok.` (≤ 5.1) or 204 (≥ 5.2). */
  loginFlavour: LoginFlavour | null = null;
  readonly stats = { logins: 0, maindata: 0 };

  constructor(private readonly opts: QbClientOptions) {
    registerSecret(opts.password);
    this.service = `qbittorrent/${opts.name}`;
    this.http = new ServiceClient({
      service: this.service,
      baseUrl: opts.url,
      timeoutMs: opts.timeoutMs ?? 15_000,
      retries: opts.retries ?? 0,
      minRetryDelayMs: opts.minRetryDelayMs ?? 500,
    });
  }

  get hasSession(): boolean {
    return this.cookie !== null;
  }

  /** Name of the session cookie the server chose (`SID`, `QBT_SID_8080`, …). */
  get cookieName(): string | null {
    return this.cookie ? this.cookie.slice(0, this.cookie.indexOf('=')) : null;
  }

  /** Every HTTP request this client sent (logins included). */
  get requests(): number {
    return this.http.stats.requests;
  }

  /** Forgets the session (the next call logs in again). */
  dropSession(): void {
    this.cookie = null;
  }

  async login(): Promise<void> {
    this.stats.logins++;
    const res = await this.http.raw('POST', '/api/v2/auth/login', {
      form: { username: this.opts.username, password: this.opts.password },
      retry: false,
    });
    const body = res.text.trim();
    if (res.status === 401 || (res.status === 200 && body === 'Fails.')) {
      this.cookie = null;
      throw new UpstreamError(this.service, 'login refused: wrong username or password', res.status);
    }
    if (res.status === 403) {
      this.cookie = null;
      throw new UpstreamError(this.service, 'login refused: this IP is banned after too many failed logins (HTTP 403)', 403);
    }
    if (res.status !== 200 && res.status !== 204) {
      throw new UpstreamError(this.service, `POST /api/v2/auth/login answered HTTP ${res.status}`, res.status);
    }
    if (res.status === 200 && body !== 'Ok.' && body !== '') {
      throw new UpstreamError(this.service, `POST /api/v2/auth/login answered an unexpected body (${JSON.stringify(body.slice(0, 40))})`, res.status);
    }
    this.loginFlavour = res.status === 204 ? 'v5.2' : 'legacy';
    // An already-valid session (or auth bypass for localhost) may answer without a new cookie.
    const cookie = sessionCookie(res);
    if (cookie) this.cookie = cookie;
    if (this.apiVersion === null) {
      try {
        const v = await this.http.raw('GET', '/api/v2/app/webapiVersion', { headers: this.authHeaders(), retry: false });
        if (v.status === 200 && /^\d+(\.\d+)*$/.test(v.text.trim())) this.apiVersion = v.text.trim();
      } catch {
        // Only informative; the next login tries again.
      }
    }
  }

  /** An authenticated call: logs in first when there is no session, and once more on 403. */
  async call(method: 'GET' | 'POST', path: string, call: CallOptions = {}): Promise<RawResponse> {
    if (!this.cookie && this.opts.username) await this.login();
    const send = (): Promise<RawResponse> => this.http.raw(method, path, { ...call, headers: { ...call.headers, ...this.authHeaders() } });
    let res = await send();
    if (res.status === 403) {
      if (!this.opts.username) {
        throw new UpstreamError(this.service, `${method} ${path} answered HTTP 403: set username and password, or bypass authentication for this address in qBittorrent`, 403);
      }
      // The session expired (default 3600 s) or the server restarted: one fresh login.
      this.cookie = null;
      await this.login();
      res = await send();
      if (res.status === 403) throw new UpstreamError(this.service, `${method} ${path} answered HTTP 403 right after a login`, 403);
    }
    if (res.status < 200 || res.status >= 300) throw new UpstreamError(this.service, `${method} ${path} answered HTTP ${res.status}`, res.status);
    return res;
  }

  async json<T>(method: 'GET' | 'POST', path: string, schema: z.ZodType<T>, call: CallOptions = {}): Promise<T> {
    const res = await this.call(method, path, call);
    let data: unknown;
    try {
      data = JSON.parse(res.text);
    } catch {
      throw new UpstreamError(this.service, `${method} ${path} returned invalid JSON`, res.status);
    }
    const parsed = schema.safeParse(data);
    if (!parsed.success) {
      throw new UpstreamError(this.service, `${method} ${path} returned an unexpected shape:\n${describeIssues(parsed.error, schema)}`, res.status);
    }
    return parsed.data;
  }

  /** `GET /api/v2/sync/maindata?rid=N`: a full snapshot (`full_update: true`) or a delta. */
  async maindata(rid: number): Promise<MainData> {
    this.stats.maindata++;
    return this.json('GET', '/api/v2/sync/maindata', maindataSchema, { query: { rid } });
  }

  private authHeaders(): Record<string, string> {
    return this.cookie ? { cookie: this.cookie } : {};
  }
}

/** The first `name=value` pair of `Set-Cookie` (qBittorrent sets exactly one: its session). */
export function sessionCookie(res: Pick<RawResponse, 'headers'>): string | null {
  const raw = res.headers['set-cookie'];
  const lines = Array.isArray(raw) ? raw : raw ? [raw] : [];
  for (const line of lines) {
    const pair = line.split(';', 1)[0]?.trim() ?? '';
    const eq = pair.indexOf('=');
    if (eq > 0 && eq < pair.length - 1) return pair;
  }
  return null;
}
