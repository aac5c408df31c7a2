/**
 * The slice of the Sonarr/Radarr v3 REST API the reconcilers read (docs/upstreams.md §1.8, §2.5),
 * validated with zod. Responses use System.Text.Json: camelCase, nulls omitted, enums as
 * camelCase strings; every field we do not strictly need is optional and unknown keys pass.
 *
 * Requests per cycle, whatever the number of tracked requests (or, between them, the queue alone while
 * a download only the queue reports is in flight):
 *   GET /api/v3/queue?page=N&pageSize=…          (paged, at most QUEUE_MAX_PAGES pages)
 *   GET /api/v3/movie  |  GET /api/v3/series      (the whole library, one call)
 *   GET /api/v3/history/since?date=…              (everything since the last cycle, one call)
 *   GET /api/v3/episode?seriesId=…                (Sonarr only, a few series per cycle)
 */
import { z } from 'zod';
import { registerSecret } from '../../log.js';
import { StatusMessageSchema } from '../../adapters/validation.js';
import { ServiceClient } from '../../net/service.js';

const id = z.number().int();
const opt = <T extends z.ZodType>(t: T) => t.nullish();

export const ApiImageSchema = z.looseObject({ coverType: z.string(), url: opt(z.string()), remoteUrl: opt(z.string()) });

/** `episode` inside queue/history records (`includeEpisode=true`) and `GET /episode`. */
export const ApiEpisodeSchema = z.looseObject({
  id,
  seriesId: opt(id),
  seasonNumber: id,
  episodeNumber: id,
  title: opt(z.string()),
  airDateUtc: opt(z.string()),
  hasFile: opt(z.boolean()),
  episodeFileId: opt(id),
  monitored: opt(z.boolean()),
  /** Only with `includeEpisodeFile=true`. */
  episodeFile: opt(z.looseObject({ id, path: opt(z.string()), relativePath: opt(z.string()) })),
});
export type ApiEpisode = z.infer<typeof ApiEpisodeSchema>;

export const QueueRecordSchema = z.looseObject({
  /** Sonarr: a synthetic hash of client + downloadId + episode (a long). */
  id: opt(z.number()),
  movieId: opt(id),
  seriesId: opt(id),
  episodeId: opt(id),
  seasonNumber: opt(id),
  /** The release name. */
  title: opt(z.string()),
  size: opt(z.number()),
  sizeleft: opt(z.number()),
  /** The client's ETA at the *arr's last refresh, a .NET TimeSpan `[d.]hh:mm:ss[.fffffff]`. */
  timeleft: opt(z.string()),
  /** The *arr's last refresh + that ETA (ISO). */
  estimatedCompletionTime: opt(z.string()),
  /** `queued|paused|downloading|completed|failed|warning|delay|downloadClientUnavailable|fallback|unknown`. */
  status: opt(z.string()),
  trackedDownloadStatus: opt(z.string()),
  /** `downloading|importBlocked|importPending|importing|imported|failedPending|failed|ignored`. */
  trackedDownloadState: opt(z.string()),
  statusMessages: opt(z.array(StatusMessageSchema)),
  errorMessage: opt(z.string()),
  /** Upper-case info-hash for torrents; the client's own id otherwise (`SABnzbd_nzo_…`, NZBGet's `drone` parameter). */
  downloadId: opt(z.string()),
  protocol: opt(z.string()),
  downloadClient: opt(z.string()),
  indexer: opt(z.string()),
  episodeHasFile: opt(z.boolean()),
  episode: opt(ApiEpisodeSchema),
});
export type QueueRecord = z.infer<typeof QueueRecordSchema>;

export const QueuePageSchema = z.looseObject({
  page: opt(id),
  pageSize: opt(id),
  totalRecords: opt(id),
  records: z.array(QueueRecordSchema),
});

export const ApiMovieSchema = z.looseObject({
  id,
  title: opt(z.string()),
  year: opt(id),
  tmdbId: opt(id),
  imdbId: opt(z.string()),
  path: opt(z.string()),
  hasFile: opt(z.boolean()),
  movieFileId: opt(id),
  monitored: opt(z.boolean()),
  movieFile: opt(z.looseObject({ id, path: opt(z.string()), relativePath: opt(z.string()) })),
  images: opt(z.array(ApiImageSchema)),
});
export type ApiMovie = z.infer<typeof ApiMovieSchema>;

const SeasonStatisticsSchema = z.looseObject({
  episodeFileCount: opt(z.number()),
  episodeCount: opt(z.number()),
  totalEpisodeCount: opt(z.number()),
  sizeOnDisk: opt(z.number()),
});

export const ApiSeriesSchema = z.looseObject({
  id,
  title: opt(z.string()),
  year: opt(id),
  tvdbId: opt(id),
  tmdbId: opt(id),
  imdbId: opt(z.string()),
  /** The REST API calls it `seriesType` (the webhook: `type`). */
  seriesType: opt(z.string()),
  path: opt(z.string()),
  seasons: opt(z.array(z.looseObject({ seasonNumber: id, monitored: opt(z.boolean()), statistics: opt(SeasonStatisticsSchema) }))),
  statistics: opt(SeasonStatisticsSchema),
  images: opt(z.array(ApiImageSchema)),
});
export type ApiSeries = z.infer<typeof ApiSeriesSchema>;

export const HistoryRecordSchema = z.looseObject({
  id,
  /** camelCase name: `grabbed`, `downloadFailed`, `downloadFolderImported`… */
  eventType: z.string(),
  date: z.string(),
  downloadId: opt(z.string()),
  sourceTitle: opt(z.string()),
  movieId: opt(id),
  seriesId: opt(id),
  episodeId: opt(id),
  /** A string → string map (values may be omitted or null). */
  data: opt(z.record(z.string(), z.unknown())),
  episode: opt(ApiEpisodeSchema),
});
export type HistoryRecord = z.infer<typeof HistoryRecordSchema>;

/**
 * Page size and page cap of the queue: the cost of one cycle never depends on the requests (one
 * request up to QUEUE_PAGE_SIZE records; the *arrs set no upper bound on `pageSize`).
 */
export const QUEUE_PAGE_SIZE = 1000;
export const QUEUE_MAX_PAGES = 5;

export interface ArrClientOptions {
  service: 'sonarr' | 'radarr';
  /** Instance name from the options. */
  name: string;
  url: string;
  apiKey: string;
  timeoutMs?: number;
  /** Extra attempts inside one call; 0 (default) lets the poll loop back off instead. */
  retries?: number;
}

export interface QueueResult {
  records: QueueRecord[];
  /** False when the page cap cut the queue short (absence from it then proves nothing). */
  complete: boolean;
}

export class ArrClient {
  readonly http: ServiceClient;

  constructor(readonly opts: ArrClientOptions) {
    registerSecret(opts.apiKey);
    this.http = new ServiceClient({
      service: `${opts.service}/${opts.name}`,
      baseUrl: opts.url,
      headers: { 'x-api-key': opts.apiKey },
      timeoutMs: opts.timeoutMs ?? 15_000,
      retries: opts.retries ?? 0,
      minRetryDelayMs: 200,
    });
  }

  /** Every HTTP request sent so far. */
  get requests(): number {
    return this.http.stats.requests;
  }

  async queue(): Promise<QueueResult> {
    const records: QueueRecord[] = [];
    const episodes = this.opts.service === 'sonarr';
    for (let page = 1; page <= QUEUE_MAX_PAGES; page++) {
      const res = await this.http.json('GET', '/api/v3/queue', QueuePageSchema, {
        query: {
          page,
          pageSize: QUEUE_PAGE_SIZE,
          ...(episodes ? { includeEpisode: true, includeSeries: false } : { includeMovie: false }),
        },
      });
      records.push(...res.records);
      const total = res.totalRecords ?? records.length;
      if (res.records.length === 0 || records.length >= total) return { records, complete: true };
    }
    return { records, complete: false };
  }

  movies(): Promise<ApiMovie[]> {
    return this.http.json('GET', '/api/v3/movie', z.array(ApiMovieSchema));
  }

  series(): Promise<ApiSeries[]> {
    return this.http.json('GET', '/api/v3/series', z.array(ApiSeriesSchema));
  }

  episodes(seriesId: number): Promise<ApiEpisode[]> {
    return this.http.json('GET', '/api/v3/episode', z.array(ApiEpisodeSchema), { query: { seriesId, includeEpisodeFile: true } });
  }

  /**
   * Asks the *arr to search again (the user's "retry"): the failed or missing episodes of a
   * series, or the movie. Never called by a watcher on its own.
   */
  async search(target: { movieId: number } | { seriesId: number; episodeIds: number[] }): Promise<string> {
    const body =
      'movieId' in target
        ? { name: 'MoviesSearch', movieIds: [target.movieId] }
        : target.episodeIds.length
          ? { name: 'EpisodeSearch', episodeIds: target.episodeIds }
          : { name: 'SeriesSearch', seriesId: target.seriesId };
    await this.http.json('POST', '/api/v3/command', z.looseObject({}), { body, retry: false });
    return `${this.http.service}: ${body.name} sent`;
  }

  historySince(date: string): Promise<HistoryRecord[]> {
    const include = this.opts.service === 'sonarr' ? { includeEpisode: true, includeSeries: false } : { includeMovie: false };
    return this.http.json('GET', '/api/v3/history/since', z.array(HistoryRecordSchema), { query: { date, ...include } });
  }
}
