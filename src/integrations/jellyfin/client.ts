/**
 * A Jellyfin API client (docs/upstreams.md §5) on top of `ServiceClient`:
 *
 * - Auth: `Authorization: MediaBrowser Token="<key>"`, the one form every version accepts
 *   (10.10, 10.11 and 12, where `X-Emby-Token` & co. are off by default). Never a query key.
 * - JSON is PascalCase; `ProviderIds`, `Path`, `MediaSources` and `DateCreated` only come back
 *   when listed in `Fields`, so every list query names the fields it reads.
 * - zod validates the `BaseItemDto` subset read here (loose objects: unknown keys pass).
 * - `POST /Library/Refresh` only answers when the whole scan finished: it has its own client
 *   with a long timeout and no retries.
 *
 * Messages name the path, never the key (it is registered as a secret).
 */
import { z } from 'zod';
import { describeIssues } from '../../config/issues.js';
import { registerSecret } from '../../log.js';
import { ServiceClient, UpstreamError } from '../../net/service.js';

export const SERVICE = 'jellyfin';

const providerIdsSchema = z.record(z.string(), z.string().nullish()).nullish();

/** The part of `BaseItemDto` the watcher reads. */
export const baseItemSchema = z.looseObject({
  Id: z.string().min(1),
  Name: z.string().nullish(),
  Type: z.string().nullish(),
  ProviderIds: providerIdsSchema,
  Path: z.string().nullish(),
  MediaSources: z.array(z.unknown()).nullish(),
  LocationType: z.string().nullish(),
  IsFolder: z.boolean().nullish(),
  SeriesId: z.string().nullish(),
  SeriesName: z.string().nullish(),
  ParentIndexNumber: z.number().int().nullish(),
  IndexNumber: z.number().int().nullish(),
  IndexNumberEnd: z.number().int().nullish(),
  ProductionYear: z.number().int().nullish(),
  DateCreated: z.string().nullish(),
});
export type BaseItemDto = z.infer<typeof baseItemSchema>;

export const itemsResultSchema = z.looseObject({
  Items: z.array(baseItemSchema),
  TotalRecordCount: z.number().int().nullish(),
  StartIndex: z.number().int().nullish(),
});
export type ItemsResult = z.infer<typeof itemsResultSchema>;

export const systemInfoSchema = z.looseObject({
  Version: z.string().nullish(),
  ServerName: z.string().nullish(),
  Id: z.string().nullish(),
  ProductName: z.string().nullish(),
});
export type SystemInfo = z.infer<typeof systemInfoSchema>;

/** Fields for items whose playability is judged (E3): the file path and media sources. */
export const PLAYABLE_FIELDS = 'ProviderIds,Path,MediaSources,DateCreated';
/** Fields for the start-up inventory (movies and series): ids and path, no media sources. */
export const INVENTORY_FIELDS = 'ProviderIds,Path';

const LEAN = { EnableImages: false, EnableUserData: false } as const;

export interface JellyfinClientOptions {
  url: string;
  apiKey: string;
  /** Per-request timeout for the API (default 15 s). */
  timeoutMs?: number;
  /** Extra attempts on network errors/5xx inside one call (default 0: the poll loop backs off). */
  retries?: number;
  minRetryDelayMs?: number;
  /** `POST /Library/Refresh` answers when the scan ends (default 2 h). */
  refreshTimeoutMs?: number;
  /** Client name in the `Authorization` header. */
  clientName?: string;
  version?: string;
}

/** The header value: `MediaBrowser Token="<key>"` plus client identification (§5.1). */
export function authorizationHeader(apiKey: string, client = 'Media Tracker', version = '1.0.0'): string {
  const enc = (v: string) => encodeURIComponent(v);
  return `MediaBrowser Token="${enc(apiKey)}", Client="${enc(client)}", Device="${enc('Home Assistant add-on')}", DeviceId="media-tracker", Version="${enc(version)}"`;
}

export class JellyfinClient {
  readonly http: ServiceClient;
  private readonly scanHttp: ServiceClient;
  /** The server's clock at its latest answer (`Date` header, ms): the base of `MinDateLastSaved` windows. */
  serverTime: number | null = null;

  constructor(opts: JellyfinClientOptions) {
    registerSecret(opts.apiKey);
    const baseUrl = opts.url.replace(/\/+$/, '');
    const headers = { authorization: authorizationHeader(opts.apiKey, opts.clientName, opts.version) };
    this.http = new ServiceClient({
      service: SERVICE,
      baseUrl,
      headers,
      timeoutMs: opts.timeoutMs ?? 15_000,
      retries: opts.retries ?? 0,
      minRetryDelayMs: opts.minRetryDelayMs ?? 500,
    });
    this.scanHttp = new ServiceClient({ service: SERVICE, baseUrl, headers, timeoutMs: opts.refreshTimeoutMs ?? 2 * 3600_000, retries: 0 });
  }

  /** Upstream requests made so far (API and scans). */
  get requests(): number {
    return this.http.stats.requests + this.scanHttp.stats.requests;
  }

  /** `GET /System/Info` (needs a valid key; also how a wrong key shows up as HTTP 401). */
  async systemInfo(): Promise<SystemInfo> {
    return (await this.get('/System/Info', '/System/Info', systemInfoSchema, {}, false))!;
  }

  /** `GET /Items` with the given query (the caller names `Fields`). */
  async items(query: Record<string, string | number | boolean | undefined>): Promise<ItemsResult> {
    return (await this.get('/Items', '/Items', itemsResultSchema, { ...LEAN, ...query }, false))!;
  }

  /** Every movie and series (ids and path), paged. */
  async inventory(pageSize = 2000): Promise<BaseItemDto[]> {
    const out: BaseItemDto[] = [];
    for (let start = 0; ; start += pageSize) {
      const page = await this.items({
        Recursive: true,
        IncludeItemTypes: 'Movie,Series',
        Fields: INVENTORY_FIELDS,
        SortBy: 'SortName',
        SortOrder: 'Ascending',
        StartIndex: start,
        Limit: pageSize,
      });
      out.push(...page.Items);
      const total = page.TotalRecordCount ?? undefined;
      if (page.Items.length < pageSize || (total !== undefined && start + page.Items.length >= total)) return out;
    }
  }

  /** The newest movies and episodes, newest first, with everything playability needs. */
  async recentlyAdded(limit: number): Promise<BaseItemDto[]> {
    const page = await this.items({
      Recursive: true,
      IncludeItemTypes: 'Movie,Episode',
      Fields: PLAYABLE_FIELDS,
      SortBy: 'DateCreated',
      SortOrder: 'Descending',
      Limit: limit,
    });
    return page.Items;
  }

  /**
   * Movies and episodes saved since `since` (created, given a file, re-identified…), whatever
   * their `DateCreated`: one page of `limit`, oldest first, with the playable fields.
   */
  async changedSince(since: Date, limit: number, startIndex = 0): Promise<{ items: BaseItemDto[]; total: number | null }> {
    const page = await this.items({
      Recursive: true,
      IncludeItemTypes: 'Movie,Episode',
      MinDateLastSaved: since.toISOString(),
      Fields: PLAYABLE_FIELDS,
      SortBy: 'DateCreated',
      SortOrder: 'Ascending',
      StartIndex: startIndex,
      Limit: limit,
    });
    return { items: page.Items, total: page.TotalRecordCount ?? null };
  }

  /** Several items by id in one request (`Ids=`), with the playable fields. */
  async itemsById(ids: string[]): Promise<BaseItemDto[]> {
    if (ids.length === 0) return [];
    const page = await this.items({ Ids: ids.join(','), Fields: PLAYABLE_FIELDS });
    return page.Items;
  }

  /** `GET /Items/{id}`; null when the server answers 404 (the item is gone). */
  item(id: string): Promise<BaseItemDto | null> {
    return this.get(`/Items/${encodeURIComponent(id)}`, '/Items/{id}', baseItemSchema, { Fields: PLAYABLE_FIELDS }, true);
  }

  /** Real (non-virtual) episodes of a series, with the playable fields; null when the series is gone. */
  async seriesEpisodes(seriesId: string): Promise<BaseItemDto[] | null> {
    const page = await this.get(`/Shows/${encodeURIComponent(seriesId)}/Episodes`, '/Shows/{id}/Episodes', itemsResultSchema, { fields: PLAYABLE_FIELDS, isMissing: false, ...LEAN }, true);
    return page ? page.Items : null;
  }

  /**
   * A validated GET; with `gone`, 404 means "gone" (null). `label` names the route in messages
   * (no ids, no query). Notes the server's clock from the `Date` header.
   */
  private async get<T>(path: string, label: string, schema: z.ZodType<T>, query: Record<string, string | number | boolean | undefined>, gone: boolean): Promise<T | null> {
    const res = await this.http.raw('GET', path, { query });
    const date = Date.parse(String(res.headers.date ?? ''));
    if (Number.isFinite(date)) this.serverTime = date;
    if (gone && res.status === 404) return null;
    if (res.status < 200 || res.status >= 300) {
      const hint = res.status === 401 || res.status === 403 ? ' (check the API key)' : '';
      throw new UpstreamError(SERVICE, `GET ${label} answered HTTP ${res.status}${hint}`, res.status);
    }
    let data: unknown;
    try {
      data = JSON.parse(res.text);
    } catch {
      throw new UpstreamError(SERVICE, `GET ${label} returned invalid JSON`, res.status);
    }
    const parsed = schema.safeParse(data);
    if (!parsed.success) throw new UpstreamError(SERVICE, `GET ${label} returned an unexpected shape:\n${describeIssues(parsed.error)}`, res.status);
    return parsed.data;
  }

  /** `POST /Library/Refresh`: resolves when the scan has finished (204). */
  async refreshLibrary(): Promise<void> {
    const res = await this.scanHttp.raw('POST', '/Library/Refresh', { retry: false });
    if (res.status < 200 || res.status >= 300) {
      const hint = res.status === 401 || res.status === 403 ? ' (check the API key; a library scan needs an admin key)' : '';
      throw new UpstreamError(SERVICE, `POST /Library/Refresh answered HTTP ${res.status}${hint}`, res.status);
    }
  }
}
