/**
 * A Deluge 2.x Web JSON-RPC client (docs/download-clients.md §3) on top of `ServiceClient`:
 *
 * - `POST <url>/json` with `{method, params, id}`; the answer is HTTP 200 with `{result, error,
 *   id}`, `error` being `{message, code}`: 1 not authenticated, 2 unknown method (also every
 *   daemon method while the Web UI has no daemon), 3 web-method exception, 4 daemon call failed.
 * - `auth.login(password)` answers `true` and sets the `_session_id` cookie, which is sent back
 *   on every call (the session slides, 3600 s by default). Code 1 on any call (expired session,
 *   deluge-web restarted) is one fresh login and the call sent again, once.
 * - The Web UI talks to one daemon (`deluged`). A daemon method failing while `web.connected` is
 *   false is one `web.get_hosts` + `web.connect` to the host-list entry on 127.0.0.1 (else the
 *   first) and the call sent again, once. A Web UI that never had a daemon answers daemon
 *   methods with error 2; one whose daemon went away (2.0.3, observed) never answers them at
 *   all, so a daemon call that times out is handled the same way, and after any failed daemon
 *   call the next one first asks `web.connected`.
 * - `torrents(hashes)`: one `core.get_torrents_status({id: hashes}, TORRENT_KEYS)`.
 *
 * Messages name the instance and the method, never the password.
 */
import { z } from 'zod';
import { describeIssues } from '../../config/issues.js';
import { registerSecret } from '../../log.js';
import { ServiceClient, UpstreamError } from '../../net/service.js';

/** The keys asked of `core.get_torrents_status`: what the map reads, nothing more. */
export const TORRENT_KEYS = [
  'hash',
  'state',
  'progress',
  'total_wanted',
  'total_remaining',
  'download_payload_rate',
  'eta',
  'is_finished',
  'message',
  'tracker_status',
  'num_seeds',
  'num_peers',
] as const;

export const torrentSchema = z.looseObject({
  hash: z.string().optional(),
  state: z.string().optional(),
  progress: z.number().optional(),
  total_wanted: z.number().optional(),
  total_remaining: z.number().optional(),
  download_payload_rate: z.number().optional(),
  eta: z.number().optional(),
  is_finished: z.boolean().optional(),
  message: z.string().nullish(),
  tracker_status: z.string().nullish(),
  num_seeds: z.number().optional(),
  num_peers: z.number().optional(),
});
export type DelugeTorrent = z.infer<typeof torrentSchema>;

const torrentsSchema = z.record(z.string(), torrentSchema);
/** `web.get_hosts`: `[[id, host, port, username], …]` (extra items ignored). */
const hostsSchema = z.array(z.tuple([z.string(), z.string(), z.number()]).rest(z.unknown()));
const envelopeSchema = z.looseObject({
  result: z.unknown().optional(),
  error: z.looseObject({ message: z.string().nullish(), code: z.number().int() }).nullish(),
});

/** A JSON-RPC error Deluge answered (`error: {message, code}`). */
export class DelugeRpcError extends UpstreamError {
  constructor(
    service: string,
    message: string,
    readonly code: number,
  ) {
    super(service, message, 200);
  }
}

/** `auth.login` failed (refused, or no answer as Deluge's): no daemon connection would change that. */
export class DelugeLoginError extends UpstreamError {}

export const NOT_AUTHENTICATED = 1;
export const UNKNOWN_METHOD = 2;

export interface DelugeClientOptions {
  /** Instance name from the options (`deluge[].name`). */
  name: string;
  /** `http://host:8112`, a reverse proxy's prefix, or the full endpoint ending in `/json`. */
  url: string;
  password: string;
  timeoutMs?: number;
}

/** The JSON-RPC endpoint of a configured URL: `/json` is added unless the URL already ends with it. */
export function jsonUrl(url: string): { base: string; path: string } {
  const u = new URL(url.replace(/\/+$/, ''));
  const path = u.pathname.replace(/\/+$/, '');
  return { base: u.origin, path: path.endsWith('/json') ? path : `${path}/json` };
}

export class DelugeClient {
  readonly service: string;
  private readonly http: ServiceClient;
  private readonly path: string;
  /** `_session_id=…`, once logged in. */
  private cookie: string | null = null;
  private nextId = 1;
  /** A daemon call failed: the next one first checks that the Web UI still has its daemon. */
  private suspect = false;
  /** `daemon.get_version`, once read. */
  version: string | null = null;
  /** The host the Web UI was last connected to by this client (`host:port`). */
  connectedTo: string | null = null;
  readonly stats = { logins: 0, connects: 0, torrentReads: 0 };

  constructor(private readonly opts: DelugeClientOptions) {
    registerSecret(opts.password);
    this.service = `deluge/${opts.name}`;
    const { base, path } = jsonUrl(opts.url);
    this.path = path;
    this.http = new ServiceClient({ service: this.service, baseUrl: base, timeoutMs: opts.timeoutMs ?? 15_000, retries: 0 });
  }

  get hasSession(): boolean {
    return this.cookie !== null;
  }

  /** Every HTTP request this client sent (logins and connects included). */
  get requests(): number {
    return this.http.stats.requests;
  }

  /** One JSON-RPC request, no login or reconnect: the envelope checked, `result` validated. */
  async send<T>(method: string, params: unknown[], schema: z.ZodType<T>): Promise<{ value: T; cookie: string | null }> {
    const res = await this.http.raw('POST', this.path, {
      body: { method, params, id: this.nextId++ },
      headers: this.cookie ? { cookie: this.cookie } : {},
      retry: false,
    });
    if (res.status < 200 || res.status >= 300) throw new UpstreamError(this.service, `POST ${this.path} (${method}) answered HTTP ${res.status}`, res.status);
    let data: unknown;
    try {
      data = JSON.parse(res.text);
    } catch {
      throw new UpstreamError(this.service, `${method} returned invalid JSON (is ${this.path} Deluge's Web UI endpoint?)`, res.status);
    }
    const envelope = envelopeSchema.safeParse(data);
    if (!envelope.success) throw new UpstreamError(this.service, `${method} returned an unexpected shape:\n${describeIssues(envelope.error, envelopeSchema)}`, res.status);
    const error = envelope.data.error;
    if (error) {
      if (error.code === NOT_AUTHENTICATED) this.cookie = null;
      throw new DelugeRpcError(this.service, `${method} failed: ${(error.message ?? '').slice(0, 200) || 'no message'} (error ${error.code})`, error.code);
    }
    const parsed = schema.safeParse(envelope.data.result ?? null);
    if (!parsed.success) throw new UpstreamError(this.service, `${method} returned an unexpected result:\n${describeIssues(parsed.error, schema)}`, res.status);
    return { value: parsed.data, cookie: sessionCookie(res.headers['set-cookie']) };
  }

  /** `auth.login`: `true` and a `_session_id` cookie, or `false` for a wrong password. */
  async login(): Promise<void> {
    this.stats.logins++;
    this.cookie = null;
    let answer: { value: boolean; cookie: string | null };
    try {
      answer = await this.send('auth.login', [this.opts.password], z.boolean());
    } catch (err) {
      if (!(err instanceof UpstreamError)) throw err;
      throw new DelugeLoginError(this.service, err.message.slice(this.service.length + 2), err.status, err.retryable);
    }
    if (!answer.value) throw new DelugeLoginError(this.service, 'login refused: wrong Web UI password', 401);
    if (!answer.cookie) throw new DelugeLoginError(this.service, 'auth.login answered true but set no _session_id cookie', 200);
    this.cookie = answer.cookie;
  }

  /** An authenticated call: logs in first without a session, and once more on "Not authenticated". */
  async call<T>(method: string, params: unknown[], schema: z.ZodType<T>): Promise<T> {
    if (!this.cookie) await this.login();
    try {
      return (await this.send(method, params, schema)).value;
    } catch (err) {
      if (!(err instanceof DelugeRpcError) || err.code !== NOT_AUTHENTICATED) throw err;
      await this.login();
      return (await this.send(method, params, schema)).value;
    }
  }

  /** A daemon method (`core.*`, `daemon.*`): on failure while the Web UI has no daemon, connect it and try once more. */
  async daemon<T>(method: string, params: unknown[], schema: z.ZodType<T>): Promise<T> {
    if (this.suspect) await this.connect();
    try {
      const value = await this.call(method, params, schema);
      this.suspect = false;
      return value;
    } catch (err) {
      // A failed login or a session refused: nothing a daemon connection would change.
      if (!(err instanceof UpstreamError) || err instanceof DelugeLoginError || (err instanceof DelugeRpcError && err.code === NOT_AUTHENTICATED)) throw err;
      this.suspect = true;
      let connected: boolean;
      try {
        connected = await this.connect();
      } catch (connectErr) {
        // The Web UI answers but cannot reach its daemon: that says more than the first error.
        throw connectErr instanceof UpstreamError && connectErr.status !== null ? connectErr : err;
      }
      if (!connected) throw err;
      const value = await this.call(method, params, schema);
      this.suspect = false;
      return value;
    }
  }

  /**
   * Makes sure the Web UI is connected to a daemon. Returns true when it connected it just now,
   * false when it already was; throws when there is none to connect to.
   */
  async connect(): Promise<boolean> {
    if (await this.call('web.connected', [], z.boolean())) return false;
    const hosts = await this.call('web.get_hosts', [], hostsSchema);
    if (hosts.length === 0) throw new UpstreamError(this.service, 'the Web UI is not connected to a daemon and its host list is empty (add the deluged host in the Connection Manager)', 200);
    const local = hosts.find(([, host]) => host === '127.0.0.1' || host === 'localhost' || host === '::1');
    const [id, host, port] = local ?? (hosts[0] as (typeof hosts)[number]);
    this.stats.connects++;
    // `web.connect` answers even when the connection fails (deluge-web only logs it): ask again.
    await this.call('web.connect', [id], z.unknown());
    if (!(await this.call('web.connected', [], z.boolean()))) {
      throw new UpstreamError(this.service, `the Web UI is not connected to a daemon and could not connect to ${host}:${port} (is deluged running? is the host-list login right?)`, 200);
    }
    this.connectedTo = `${host}:${port}`;
    return true;
  }

  /** `daemon.get_version`. */
  async daemonVersion(): Promise<string> {
    const v = await this.daemon('daemon.get_version', [], z.string());
    this.version = v;
    return v;
  }

  /** One `core.get_torrents_status` for these hashes (lower-case); unknown hashes are simply absent. */
  async torrents(hashes: readonly string[]): Promise<Record<string, DelugeTorrent>> {
    this.stats.torrentReads++;
    return this.daemon('core.get_torrents_status', [{ id: [...hashes] }, [...TORRENT_KEYS]], torrentsSchema);
  }
}

/** `_session_id=…` from `Set-Cookie`, or null. */
export function sessionCookie(raw: string | string[] | undefined): string | null {
  const lines = Array.isArray(raw) ? raw : raw ? [raw] : [];
  for (const line of lines) {
    const pair = line.split(';', 1)[0]?.trim() ?? '';
    if (/^_session_id=.+/.test(pair)) return pair;
  }
  return null;
}
