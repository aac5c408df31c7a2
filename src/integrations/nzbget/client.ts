/**
 * An NZBGet JSON-RPC client (docs/download-clients.md §5) on top of `ServiceClient` (undici):
 * `POST <url>/jsonrpc` with `{method, params, id}` (params positional) and HTTP Basic auth
 * (`ControlUsername`/`ControlPassword`).
 *
 * - A wrong login is HTTP 401 with an empty body; logical errors are HTTP 200 with an `error`
 *   object (`{"name": "JSONRPCError", "code": 1, "message": "Invalid procedure"}`).
 * - The tracker reads `version`, `status`, `listgroups(0)` and `history(false)`; 64-bit sizes
 *   come as unsigned `…Lo`/`…Hi` plus a rounded `…MB` (`bytesOf`).
 * - One connection per call (`connection: close`): NZBGet's keep-alive is not reliable (below).
 * - Messages name the instance and the method, never the password (registered as a secret).
 *
 * The npm `nzbget-api` package (0.0.3, callbacks over `node-json-rpc@0.0.1`, no repository,
 * dereferences `result` on transport errors) was not used: this is one POST per call.
 */
import { z } from 'zod';
import { describeIssues } from '../../config/issues.js';
import { registerSecret } from '../../log.js';
import { ServiceClient, UpstreamError } from '../../net/service.js';

const int = z.number();
/** `[{Name, Value}]`: post-processing parameters; the *arr's `drone` is among them. */
const parametersSchema = z.array(z.looseObject({ Name: z.string(), Value: z.union([z.string(), z.number()]).transform(String) })).catch([]);

/** The 64-bit size fields: `…Lo`, `…Hi` (unsigned 32-bit halves) and the rounded `…MB`. */
const sizeFields = (prefix: string) => ({ [`${prefix}Lo`]: int.optional(), [`${prefix}Hi`]: int.optional(), [`${prefix}MB`]: int.optional() });

export const groupSchema = z.looseObject({
  NZBID: z.number().int(),
  NZBName: z.string().optional(),
  Kind: z.string().optional(),
  Category: z.string().optional(),
  Status: z.string().default('UNKNOWN'),
  ...sizeFields('FileSize'),
  ...sizeFields('RemainingSize'),
  ...sizeFields('PausedSize'),
  ActiveDownloads: int.optional(),
  Health: int.optional(),
  CriticalHealth: int.optional(),
  PostInfoText: z.string().nullish(),
  /** Permille, meaningful only during post-processing (garbage otherwise, §5.2). */
  PostStageProgress: int.optional(),
  Parameters: parametersSchema,
});
export type NzbGroup = z.infer<typeof groupSchema>;

export const historyItemSchema = z.looseObject({
  NZBID: z.number().int(),
  Name: z.string().optional(),
  Kind: z.string().optional(),
  Category: z.string().optional(),
  Status: z.string().default('UNKNOWN'),
  ...sizeFields('FileSize'),
  Health: int.optional(),
  CriticalHealth: int.optional(),
  ParStatus: z.string().optional(),
  UnpackStatus: z.string().optional(),
  MoveStatus: z.string().optional(),
  ScriptStatus: z.string().optional(),
  DeleteStatus: z.string().optional(),
  MarkStatus: z.string().optional(),
  HistoryTime: int.optional(),
  Parameters: parametersSchema,
});
export type NzbHistoryItem = z.infer<typeof historyItemSchema>;

export const statusSchema = z.looseObject({
  DownloadRate: int.optional(),
  DownloadRateLo: int.optional(),
  DownloadRateHi: int.optional(),
  DownloadPaused: z.boolean().optional(),
  PostPaused: z.boolean().optional(),
  ServerStandBy: z.boolean().optional(),
  QuotaReached: z.boolean().optional(),
  NewsServers: z.array(z.looseObject({ ID: int.optional(), Active: z.boolean().optional() })).optional(),
});
export type NzbStatus = z.infer<typeof statusSchema>;

const envelopeSchema = z.looseObject({
  result: z.unknown().optional(),
  error: z.union([z.looseObject({ message: z.string().optional(), code: z.number().optional(), name: z.string().optional() }), z.string(), z.null()]).optional(),
});

/** Bytes from a `…Lo`/`…Hi` pair (`Hi·2³² + Lo`), else from `…MB`; null when neither is there. */
export function bytesOf(rec: Record<string, unknown>, prefix: string): number | null {
  const lo = rec[`${prefix}Lo`];
  const hi = rec[`${prefix}Hi`];
  if (typeof lo === 'number' && typeof hi === 'number') return (hi >>> 0) * 2 ** 32 + (lo >>> 0);
  const mb = rec[`${prefix}MB`];
  return typeof mb === 'number' ? mb * 1024 * 1024 : null;
}

export interface NzbClientOptions {
  /** Instance name from the options (`nzbget[].name`). */
  name: string;
  /** `http://host:6789` (a path prefix behind a reverse proxy is kept; `/jsonrpc` is added unless already there). */
  url: string;
  username: string;
  password: string;
  timeoutMs?: number;
}

/** The JSON-RPC endpoint of a configured URL. */
export function jsonrpcUrl(url: string): { base: string; path: string } {
  const u = new URL(url.replace(/\/+$/, ''));
  let path = u.pathname.replace(/\/+$/, '');
  if (!path.endsWith('/jsonrpc')) path = `${path}/jsonrpc`;
  return { base: u.origin, path };
}

export class NzbClient {
  readonly service: string;
  private readonly http: ServiceClient;
  private readonly path: string;
  private readonly headers: Record<string, string>;
  private nextId = 1;
  readonly stats = { status: 0, listgroups: 0, history: 0 };

  constructor(opts: NzbClientOptions) {
    registerSecret(opts.password);
    this.service = `nzbget/${opts.name}`;
    const { base, path } = jsonrpcUrl(opts.url);
    this.path = path;
    this.http = new ServiceClient({ service: this.service, baseUrl: base, timeoutMs: opts.timeoutMs ?? 15_000, retries: 0 });
    const login = opts.username || opts.password ? `${opts.username}:${opts.password}` : null;
    // `connection: close`: NZBGet 21 answers a keep-alive request with `Connection: keep-alive` and then may
    // close that socket anyway (observed after a 401: the next call but one on it failed with "other side closed").
    this.headers = { connection: 'close', ...(login ? { authorization: `Basic ${Buffer.from(login).toString('base64')}` } : {}) };
  }

  /** Every HTTP request this client sent. */
  get requests(): number {
    return this.http.stats.requests;
  }

  /** One call: the HTTP status, then the envelope (`error` or `result`), then `result` validated. */
  async call<T>(method: string, params: unknown[], schema: z.ZodType<T>): Promise<T> {
    const res = await this.http.raw('POST', this.path, { body: { method, params, id: this.nextId++ }, headers: this.headers, retry: false });
    if (res.status === 401)
      throw new UpstreamError(this.service, `${method}: authentication refused: wrong username or password (HTTP 401; NZBGet's Settings → Security → ControlUsername/ControlPassword)`, 401);
    if (res.status === 403) throw new UpstreamError(this.service, `${method} answered HTTP 403: this login may not use it (use ControlUsername, not RestrictedUsername or AddUsername)`, 403);
    if (res.status === 404) throw new UpstreamError(this.service, `POST ${this.path} answered HTTP 404 (is this NZBGet's address, e.g. http://nzbget:6789?)`, 404);
    if (res.status < 200 || res.status >= 300) throw new UpstreamError(this.service, `${method} answered HTTP ${res.status}`, res.status);
    let data: unknown;
    try {
      data = JSON.parse(res.text);
    } catch {
      throw new UpstreamError(this.service, `${method} returned invalid JSON (is ${this.path} NZBGet's JSON-RPC endpoint?)`, res.status);
    }
    const envelope = envelopeSchema.safeParse(data);
    if (!envelope.success) throw new UpstreamError(this.service, `${method} returned an unexpected shape:\n${describeIssues(envelope.error, envelopeSchema)}`, res.status);
    const error = envelope.data.error;
    if (error) {
      const text = (typeof error === 'string' ? error : (error.message ?? error.name ?? 'no reason given')).slice(0, 200);
      // Access rules answer inside the envelope too ("Access denied"), with HTTP 200.
      throw new UpstreamError(this.service, `${method} failed: ${text}`, /access denied/i.test(text) ? 403 : res.status);
    }
    const parsed = schema.safeParse(envelope.data.result);
    if (!parsed.success) throw new UpstreamError(this.service, `${method} returned an unexpected result:\n${describeIssues(parsed.error, schema)}`, res.status);
    return parsed.data;
  }

  /** `version()` → `"21.0"`. */
  version(): Promise<string> {
    return this.call('version', [], z.union([z.string(), z.number()]).transform(String));
  }

  status(): Promise<NzbStatus> {
    this.stats.status++;
    return this.call('status', [], statusSchema);
  }

  /** `listgroups(0)`: the whole queue (post-processing included), one request. */
  listgroups(): Promise<NzbGroup[]> {
    this.stats.listgroups++;
    return this.call('listgroups', [0], z.array(groupSchema));
  }

  /** `history(false)`: the whole visible history (hidden duplicates left out), one request. */
  history(): Promise<NzbHistoryItem[]> {
    this.stats.history++;
    return this.call('history', [false], z.array(historyItemSchema));
  }
}
