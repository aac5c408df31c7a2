/**
 * A SABnzbd API client (docs/download-clients.md §4, §4.7) on top of `ServiceClient` (undici):
 * `GET <url>/api?mode=…&output=json&apikey=KEY`.
 *
 * - The key travels as a query parameter, as SABnzbd wants it. It is registered as a secret
 *   (the logger and every outgoing text redact it), and `ServiceClient` names only the path in
 *   its errors, never the query string, so no message here can carry it.
 * - A missing or wrong key is HTTP 403 with a plain-text body (`API Key Incorrect`); logical
 *   errors are HTTP 200 `{"status": false, "error": "…"}`. Numbers are mostly strings.
 * - `queue(ids)` and `history(ids, since)` ask for the tracked jobs only (`nzo_ids`): one
 *   request each, whatever the number of jobs. `history` with `last_history_update` equal to
 *   SABnzbd's counter answers `{"history": false}` (nothing changed): `null` here.
 *
 * The `sabnzbd-api` npm package was not used: CommonJS on got@11, last changed in 2022, and a
 * non-200 2xx answer never settles its promise.
 */
import { z } from 'zod';
import { describeIssues } from '../../config/issues.js';
import { registerSecret } from '../../log.js';
import { ServiceClient, UpstreamError, type CallOptions } from '../../net/service.js';

/** SABnzbd sends most numbers as strings (`"%.2f"`), some as numbers: both are accepted, kept as sent. */
const numeric = z.union([z.string(), z.number()]);

export const queueSlotSchema = z.looseObject({
  nzo_id: z.string(),
  filename: z.string().optional(),
  status: z.string().optional(),
  percentage: numeric.optional(),
  mb: numeric.optional(),
  mbleft: numeric.optional(),
  mbmissing: numeric.optional(),
  timeleft: z.string().optional(),
  cat: z.string().optional(),
  priority: z.string().optional(),
  labels: z.array(z.string()).optional(),
});
export type QueueSlot = z.infer<typeof queueSlotSchema>;

export const queueSchema = z.looseObject({
  queue: z.looseObject({
    status: z.string().optional(),
    paused: z.boolean().optional(),
    kbpersec: numeric.optional(),
    timeleft: z.string().optional(),
    version: z.string().optional(),
    noofslots_total: numeric.optional(),
    slots: z.array(queueSlotSchema).default([]),
  }),
});
export type Queue = z.infer<typeof queueSchema>['queue'];

export const historySlotSchema = z.looseObject({
  nzo_id: z.string(),
  name: z.string().optional(),
  status: z.string().optional(),
  fail_message: z.string().optional(),
  bytes: numeric.optional(),
  storage: z.string().nullish(),
  action_line: z.string().optional(),
  completed: numeric.optional(),
});
export type HistorySlot = z.infer<typeof historySlotSchema>;

export const historySchema = z.looseObject({
  history: z.union([
    z.literal(false),
    z.looseObject({
      slots: z.array(historySlotSchema).default([]),
      last_history_update: numeric.optional(),
      noofslots: numeric.optional(),
    }),
  ]),
});
export interface History {
  slots: HistorySlot[];
  /** SABnzbd's in-memory history counter, to send back as `last_history_update`. */
  lastUpdate: number | null;
}

export const versionSchema = z.looseObject({ version: z.string() });
export const fullstatusSchema = z.looseObject({
  status: z.looseObject({
    servers: z.array(z.looseObject({ servername: z.string().optional(), serveractive: z.boolean().optional(), servererror: z.string().optional() })).optional(),
  }),
});
export type FullStatus = z.infer<typeof fullstatusSchema>['status'];

export interface SabClientOptions {
  /** Instance name from the options (`sabnzbd[].name`). */
  name: string;
  /** Base URL, no trailing slash (a path prefix behind a reverse proxy is kept). */
  url: string;
  apiKey: string;
  timeoutMs?: number;
  /** Extra attempts on network errors/5xx inside one call; 0 lets the poll loop back off instead. */
  retries?: number;
  minRetryDelayMs?: number;
}

export class SabClient {
  readonly service: string;
  private readonly http: ServiceClient;
  readonly stats = { queue: 0, history: 0 };

  constructor(private readonly opts: SabClientOptions) {
    registerSecret(opts.apiKey);
    this.service = `sabnzbd/${opts.name}`;
    this.http = new ServiceClient({
      service: this.service,
      baseUrl: opts.url,
      timeoutMs: opts.timeoutMs ?? 15_000,
      retries: opts.retries ?? 0,
      minRetryDelayMs: opts.minRetryDelayMs ?? 500,
    });
  }

  /** Every HTTP request this client sent. */
  get requests(): number {
    return this.http.stats.requests;
  }

  /** One API call: `mode` and its parameters, `output=json`, and the key unless `keyless`. */
  async api<T>(mode: string, schema: z.ZodType<T>, params: CallOptions['query'] = {}, keyless = false): Promise<T> {
    const what = `mode=${mode}`;
    const query = { mode, ...params, output: 'json', ...(keyless ? {} : { apikey: this.opts.apiKey }) };
    const res = await this.http.raw('GET', '/api', { query });
    if (res.status === 401 || res.status === 403) {
      // SABnzbd's body is `API Key Required` / `API Key Incorrect` (empty when API warnings are off): not quoted, it is not ours to trust.
      const missing = /required/i.test(res.text);
      throw new UpstreamError(
        this.service,
        `${what} answered HTTP ${res.status}: ${missing ? 'the API key is missing' : 'wrong API key'} (use the API Key of Config → General, not the NZB Key)`,
        res.status,
      );
    }
    if (res.status < 200 || res.status >= 300) throw new UpstreamError(this.service, `${what} answered HTTP ${res.status}`, res.status);
    let data: unknown;
    try {
      data = JSON.parse(res.text);
    } catch {
      // Old versions answer a wrong key with HTTP 200 and plain text (`error: API Key Incorrect`).
      if (/api key/i.test(res.text)) throw new UpstreamError(this.service, `${what} refused: wrong API key (use the API Key of Config → General, not the NZB Key)`, 403);
      throw new UpstreamError(this.service, `${what} returned invalid JSON`, res.status);
    }
    if (data && typeof data === 'object' && (data as { status?: unknown }).status === false) {
      const error = (data as { error?: unknown }).error;
      const text = typeof error === 'string' ? error.slice(0, 200) : 'no reason given';
      throw new UpstreamError(this.service, `${what} refused: ${/api key/i.test(text) ? 'wrong API key' : text}`, /api key/i.test(text) ? 403 : res.status);
    }
    const parsed = schema.safeParse(data);
    if (!parsed.success) throw new UpstreamError(this.service, `${what} returned an unexpected shape:\n${describeIssues(parsed.error, schema)}`, res.status);
    return parsed.data;
  }

  /** `mode=version`, which SABnzbd answers without a key. */
  async version(): Promise<string> {
    return (await this.api('version', versionSchema, {}, true)).version;
  }

  /** `mode=fullstatus&skip_dashboard=1`: needs the full API key. */
  async fullstatus(): Promise<FullStatus> {
    return (await this.api('fullstatus', fullstatusSchema, { skip_dashboard: 1 })).status;
  }

  /** `mode=queue` for these jobs only (`nzo_ids`); with none, the first slot only (a cheap liveness and key check). */
  async queue(ids: readonly string[]): Promise<Queue> {
    this.stats.queue++;
    const params = ids.length ? { nzo_ids: ids.join(','), start: 0, limit: 0 } : { start: 0, limit: 1 };
    return (await this.api('queue', queueSchema, params)).queue;
  }

  /** `mode=history` for these jobs; null when SABnzbd's counter still equals `since` (nothing changed). */
  async history(ids: readonly string[], since: number | null): Promise<History | null> {
    this.stats.history++;
    const params = { nzo_ids: ids.join(','), start: 0, limit: 0, ...(since !== null ? { last_history_update: since } : {}) };
    const h = (await this.api('history', historySchema, params)).history;
    if (h === false) return null;
    const counter = Number(h.last_history_update);
    return { slots: h.slots, lastUpdate: Number.isFinite(counter) && h.last_history_update !== undefined ? counter : null };
  }
}
