/**
 * The slice of the Jellyseerr/Overseerr/Seerr REST API the reconciler reads (docs/upstreams.md §3.6):
 * `X-Api-Key` auth, TypeORM entities as JSON (camelCase, numeric enums, nulls kept), the
 * `{ pageInfo, results }` envelope. Only the fields the tracker needs are validated; the
 * requester's e-mail is never read into an event.
 */
import { z } from 'zod';
import { describeIssues } from '../../config/issues.js';
import { registerSecret } from '../../log.js';
import { ServiceClient, UpstreamError } from '../../net/service.js';

const opt = <T extends z.ZodType>(t: T) => t.nullish();
const int = z.number().int();

export const ApiUserSchema = z.looseObject({
  id: opt(int),
  displayName: opt(z.string()),
  username: opt(z.string()),
  jellyfinUsername: opt(z.string()),
  plexUsername: opt(z.string()),
  /** Only read to recognise a display name that is an e-mail address. */
  email: opt(z.string()),
});
export type ApiUser = z.infer<typeof ApiUserSchema>;

export const ApiMediaSchema = z.looseObject({
  id: opt(int),
  mediaType: opt(z.string()),
  tmdbId: opt(int),
  tvdbId: opt(int),
  imdbId: opt(z.string()),
  /** MediaStatus: 1 UNKNOWN, 2 PENDING, 3 PROCESSING, 4 PARTIALLY_AVAILABLE, 5 AVAILABLE, 6 BLOCKLISTED, 7 DELETED. */
  status: opt(int),
  status4k: opt(int),
  updatedAt: opt(z.string()),
  /** Radarr movie id / Sonarr series id. */
  externalServiceId: opt(int),
});

export const ApiRequestSchema = z.looseObject({
  id: int,
  /** MediaRequestStatus: 1 PENDING, 2 APPROVED, 3 DECLINED, 4 FAILED, 5 COMPLETED (Seerr). */
  status: int,
  type: opt(z.string()),
  is4k: opt(z.boolean()),
  createdAt: opt(z.string()),
  updatedAt: opt(z.string()),
  media: opt(ApiMediaSchema),
  seasons: opt(z.array(z.looseObject({ seasonNumber: int }))),
  requestedBy: opt(ApiUserSchema),
});
export type ApiRequest = z.infer<typeof ApiRequestSchema>;

export const ApiRequestPageSchema = z.looseObject({
  pageInfo: opt(z.looseObject({ pages: opt(z.number()), pageSize: opt(z.number()), results: opt(z.number()), page: opt(z.number()) })),
  results: z.array(ApiRequestSchema),
});
export type ApiRequestPage = z.infer<typeof ApiRequestPageSchema>;

/** `GET /api/v1/movie/{tmdbId}` (title, releaseDate) or `/api/v1/tv/{tmdbId}` (name, firstAirDate). */
export const ApiDetailsSchema = z.looseObject({
  title: opt(z.string()),
  name: opt(z.string()),
  releaseDate: opt(z.string()),
  firstAirDate: opt(z.string()),
  posterPath: opt(z.string()),
});
export type ApiDetails = z.infer<typeof ApiDetailsSchema>;

/**
 * One of Jellyseerr's Radarr/Sonarr servers (`GET /api/v1/settings/radarr|sonarr`, the stored
 * `DVRSettings` array, admin only — the API key acts as the admin). Only what matches it to a
 * configured instance and its `is4k` are read; the entry also holds that *arr's API key, which
 * is never kept.
 */
export const ApiServerSchema = z.object({
  hostname: z.string(),
  port: int,
  useSsl: opt(z.boolean()),
  baseUrl: opt(z.string()),
  is4k: z.boolean(),
});
export type ApiServer = z.infer<typeof ApiServerSchema>;

/** `GET /api/v1/tv/{tmdbId}` seasons: TMDB's episode count per season (`mapSeasonResult`). */
export const ApiTvSeasonsSchema = z.looseObject({
  seasons: opt(z.array(z.looseObject({ seasonNumber: int, episodeCount: opt(int), airDate: opt(z.string()) }))),
});
export type ApiTvSeasons = z.infer<typeof ApiTvSeasonsSchema>;

export interface JellyseerrClientOptions {
  url: string;
  apiKey: string;
  timeoutMs?: number;
  retries?: number;
}

export class JellyseerrClient {
  readonly http: ServiceClient;

  constructor(opts: JellyseerrClientOptions) {
    registerSecret(opts.apiKey);
    this.http = new ServiceClient({
      service: 'jellyseerr',
      baseUrl: opts.url,
      headers: { 'x-api-key': opts.apiKey },
      timeoutMs: opts.timeoutMs ?? 15_000,
      retries: opts.retries ?? 0,
      minRetryDelayMs: 200,
    });
  }

  get requests(): number {
    return this.http.stats.requests;
  }

  /** One page of every request, most recently modified first. */
  list(skip: number, take: number): Promise<ApiRequestPage> {
    return this.http.json('GET', '/api/v1/request', ApiRequestPageSchema, {
      query: { take, skip, filter: 'all', sort: 'modified', sortDirection: 'desc' },
    });
  }

  /** One request; `null` when Jellyseerr answers 404 `Request not found.` (it was deleted). */
  async request(id: number): Promise<ApiRequest | null> {
    const path = `/api/v1/request/${id}`;
    const res = await this.http.raw('GET', path);
    if (res.status === 404) {
      if (/^request not found/i.test(messageOf(res.text).trim())) return null;
      throw new UpstreamError(this.http.service, `GET /api/v1/request/{id} answered HTTP 404 without "Request not found." (is the URL right?)`, 404);
    }
    return this.parse(res.status, res.text, 'GET /api/v1/request/{id}', ApiRequestSchema);
  }

  /**
   * Approves or declines a request as an admin would (`POST /api/v1/request/{id}/{approve|decline}`,
   * MANAGE_REQUESTS; docs/upstreams.md §3.10). Jellyseerr then notifies as usual (MEDIA_APPROVED,
   * MEDIA_DECLINED) and sends an approved request to Radarr/Sonarr.
   */
  async decide(id: number, decision: 'approve' | 'decline'): Promise<string> {
    const what = `POST /api/v1/request/{id}/${decision}`;
    const res = await this.http.raw('POST', `/api/v1/request/${id}/${decision}`);
    if (res.status === 404) throw new UpstreamError(this.http.service, `Jellyseerr has no request #${id} (deleted there?)`, 404);
    const r = this.parse(res.status, res.text, what, ApiRequestSchema);
    return `Jellyseerr: request #${id} ${decision === 'approve' ? 'approved' : 'declined'} (status ${r.status})`;
  }

  /** TMDB details for a title; `null` when Jellyseerr has none (404). */
  async details(type: 'movie' | 'tv', tmdbId: number): Promise<ApiDetails | null> {
    const res = await this.http.raw('GET', `/api/v1/${type}/${tmdbId}`);
    if (res.status === 404) return null;
    return this.parse(res.status, res.text, `GET /api/v1/${type}/{tmdbId}`, ApiDetailsSchema);
  }

  /** Jellyseerr's Radarr or Sonarr servers. */
  async servers(service: 'radarr' | 'sonarr'): Promise<ApiServer[]> {
    const list = await this.http.json('GET', `/api/v1/settings/${service}`, z.array(z.looseObject({ is4k: z.unknown() })));
    // Lenient per entry: a half-filled server the admin is still editing is skipped, not fatal.
    return list.flatMap((s) => {
      const parsed = ApiServerSchema.safeParse(s);
      return parsed.success ? [parsed.data] : [];
    });
  }

  /** A series' seasons with their episode counts; `null` when Jellyseerr has no details (404). */
  async seasons(tmdbId: number): Promise<ApiTvSeasons | null> {
    const res = await this.http.raw('GET', `/api/v1/tv/${tmdbId}`);
    if (res.status === 404) return null;
    return this.parse(res.status, res.text, 'GET /api/v1/tv/{tmdbId}', ApiTvSeasonsSchema);
  }

  private parse<T>(status: number, text: string, what: string, schema: z.ZodType<T>): T {
    if (status < 200 || status >= 300) {
      const hint = status === 401 || status === 403 ? ' (check the API key)' : '';
      throw new UpstreamError(this.http.service, `${what} answered HTTP ${status}${hint}`, status);
    }
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch {
      throw new UpstreamError(this.http.service, `${what} returned invalid JSON`, status);
    }
    const parsed = schema.safeParse(data);
    if (!parsed.success) throw new UpstreamError(this.http.service, `${what} returned an unexpected shape:\n${describeIssues(parsed.error, schema)}`, status);
    return parsed.data;
  }
}

function messageOf(text: string): string {
  try {
    const body = JSON.parse(text) as unknown;
    if (body && typeof body === 'object' && typeof (body as { message?: unknown }).message === 'string') return (body as { message: string }).message;
  } catch {
    // not JSON
  }
  return '';
}
