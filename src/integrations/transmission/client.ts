/**
 * A Transmission RPC client (legacy method names, answered by 2.40 through 4.1;
 * docs/download-clients.md §2) on top of `ServiceClient`:
 *
 * - `POST <url>/transmission/rpc` with `{method, arguments}`; the answer is HTTP 200 with
 *   `result: "success"` or an error text.
 * - The CSRF handshake: a missing or stale `X-Transmission-Session-Id` is answered 409 with the
 *   valid id in that header. The id is kept and the call sent again, once; a second 409 in a row
 *   is an error, not a loop. A daemon restart changes the id, so this happens at any time.
 * - Basic auth on every call when a username is set (checked before the session id: 401).
 * - `torrents('full' | 'recent')`: `torrent-get` with the fields the tracker reads and nothing
 *   more; `recent` asks `ids: "recently-active"` (changed in the last 60 s) and gets `removed`.
 *
 * Messages name the instance and the path, never the password.
 */
import { z } from 'zod';
import { describeIssues } from '../../config/issues.js';
import { registerSecret } from '../../log.js';
import { ServiceClient, UpstreamError, type RawResponse } from '../../net/service.js';

/**
 * The fields asked of `torrent-get`. Beyond the progress fields: `id`, because `removed` lists
 * ids, not hashes; `metadataPercentComplete`, because a magnet without metadata has
 * `sizeWhenDone` and `leftUntilDone` 0, which must not read as "complete".
 */
export const TORRENT_FIELDS = [
  'id',
  'hashString',
  'status',
  'percentDone',
  'rateDownload',
  'eta',
  'sizeWhenDone',
  'leftUntilDone',
  'error',
  'errorString',
  'isStalled',
  'peersSendingToUs',
  'doneDate',
  'metadataPercentComplete',
] as const;

export const torrentSchema = z.looseObject({
  id: z.number().int().optional(),
  hashString: z.string(),
  status: z.number().int().optional(),
  percentDone: z.number().optional(),
  rateDownload: z.number().optional(),
  eta: z.number().optional(),
  sizeWhenDone: z.number().optional(),
  leftUntilDone: z.number().optional(),
  error: z.number().int().optional(),
  errorString: z.string().optional(),
  isStalled: z.boolean().optional(),
  peersSendingToUs: z.number().optional(),
  doneDate: z.number().optional(),
  metadataPercentComplete: z.number().optional(),
});
export type TrTorrent = z.infer<typeof torrentSchema>;

const torrentGetSchema = z.looseObject({
  torrents: z.array(torrentSchema),
  /** Only with `ids: "recently-active"`: ids removed in the last 60 s. */
  removed: z.array(z.union([z.number(), z.string()])).optional(),
});
export type TorrentGet = z.infer<typeof torrentGetSchema>;

const sessionSchema = z.looseObject({
  version: z.string().optional(),
  'rpc-version': z.number().optional(),
  'rpc-version-semver': z.string().optional(),
});
export type SessionInfo = z.infer<typeof sessionSchema>;

const envelopeSchema = z.looseObject({ result: z.string(), arguments: z.unknown().optional() });

export interface TrClientOptions {
  /** Instance name from the options (`transmission[].name`). */
  name: string;
  /** `http://host:9091`, `http://host:9091/transmission` or the full RPC URL (`…/rpc`). */
  url: string;
  username: string;
  password: string;
  timeoutMs?: number;
}

/** The RPC endpoint of a configured URL: `/transmission/rpc` is added unless the URL already ends with `/rpc`. */
export function rpcUrl(url: string): { base: string; path: string } {
  const u = new URL(url.replace(/\/+$/, ''));
  let path = u.pathname.replace(/\/+$/, '');
  if (!path.endsWith('/rpc')) path = path.endsWith('/transmission') ? `${path}/rpc` : `${path}/transmission/rpc`;
  return { base: u.origin, path };
}

export class TrClient {
  readonly service: string;
  private readonly http: ServiceClient;
  private readonly path: string;
  private readonly auth: Record<string, string>;
  private sessionId: string | null = null;
  /** How many times the daemon handed out a session id different from one already held (a restart). */
  renewals = 0;
  /** `session-get`'s `version`, once read. */
  version: string | null = null;
  readonly stats = { handshakes: 0, torrentGets: 0 };

  constructor(opts: TrClientOptions) {
    registerSecret(opts.password);
    this.service = `transmission/${opts.name}`;
    const { base, path } = rpcUrl(opts.url);
    this.path = path;
    this.http = new ServiceClient({ service: this.service, baseUrl: base, timeoutMs: opts.timeoutMs ?? 15_000, retries: 0 });
    this.auth = opts.username ? { authorization: `Basic ${Buffer.from(`${opts.username}:${opts.password}`).toString('base64')}` } : {};
  }

  get hasSession(): boolean {
    return this.sessionId !== null;
  }

  /** Every HTTP request this client sent (handshakes included). */
  get requests(): number {
    return this.http.stats.requests;
  }

  /** One RPC call: the 409 handshake (one retry), then the envelope checked and `arguments` validated. */
  async rpc<T>(method: string, args: Record<string, unknown>, schema: z.ZodType<T>): Promise<T> {
    const send = (): Promise<RawResponse> =>
      this.http.raw('POST', this.path, {
        body: { method, arguments: args },
        headers: { ...this.auth, ...(this.sessionId ? { 'x-transmission-session-id': this.sessionId } : {}) },
        retry: false,
      });
    let res = await send();
    if (res.status === 409) {
      this.takeSessionId(res);
      res = await send();
      if (res.status === 409) throw new UpstreamError(this.service, `POST ${this.path} answered HTTP 409 again right after the session handshake`, 409);
    }
    if (res.status === 401) {
      this.sessionId = null;
      throw new UpstreamError(this.service, 'authentication refused: wrong username or password (HTTP 401)', 401);
    }
    if (res.status === 403) {
      throw new UpstreamError(this.service, `POST ${this.path} answered HTTP 403: the tracker's address is not in Transmission's rpc-whitelist (or too many failed logins: restart Transmission)`, 403);
    }
    if (res.status === 421) throw new UpstreamError(this.service, `POST ${this.path} answered HTTP 421: the host name is not in Transmission's rpc-host-whitelist`, 421);
    if (res.status < 200 || res.status >= 300) throw new UpstreamError(this.service, `POST ${this.path} answered HTTP ${res.status}`, res.status);
    let data: unknown;
    try {
      data = JSON.parse(res.text);
    } catch {
      throw new UpstreamError(this.service, `${method} returned invalid JSON (is ${this.path} Transmission's RPC endpoint?)`, res.status);
    }
    const envelope = envelopeSchema.safeParse(data);
    if (!envelope.success) throw new UpstreamError(this.service, `${method} returned an unexpected shape:\n${describeIssues(envelope.error, envelopeSchema)}`, res.status);
    if (envelope.data.result !== 'success') throw new UpstreamError(this.service, `${method} failed: ${envelope.data.result.slice(0, 200)}`, res.status);
    const parsed = schema.safeParse(envelope.data.arguments ?? {});
    if (!parsed.success) throw new UpstreamError(this.service, `${method} returned unexpected arguments:\n${describeIssues(parsed.error, schema)}`, res.status);
    return parsed.data;
  }

  /** `session-get`, asking only for the version fields. */
  async session(): Promise<SessionInfo> {
    const s = await this.rpc('session-get', { fields: ['version', 'rpc-version', 'rpc-version-semver'] }, sessionSchema);
    if (s.version) this.version = s.version;
    return s;
  }

  /** `torrent-get`: every torrent (`full`), or those active in the last 60 s plus the ids removed then (`recent`). */
  async torrents(mode: 'full' | 'recent'): Promise<TorrentGet> {
    this.stats.torrentGets++;
    return this.rpc('torrent-get', { fields: [...TORRENT_FIELDS], ...(mode === 'recent' ? { ids: 'recently-active' } : {}) }, torrentGetSchema);
  }

  private takeSessionId(res: RawResponse): void {
    const raw = res.headers['x-transmission-session-id'];
    const id = Array.isArray(raw) ? raw[0] : raw;
    if (!id) throw new UpstreamError(this.service, `POST ${this.path} answered HTTP 409 without an X-Transmission-Session-Id (is this Transmission?)`, 409);
    this.stats.handshakes++;
    if (this.sessionId !== null && this.sessionId !== id) this.renewals++;
    this.sessionId = id;
  }
}
