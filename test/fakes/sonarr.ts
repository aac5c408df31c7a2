/**
 * Sonarr v4 fake (docs/upstreams.md §1.8): `/api/v3` with `X-Api-Key` (or `apikey` query, or Bearer),
 * camelCase JSON with nulls omitted, servarr paging, one queue record per episode with an
 * UPPER-case `downloadId` and a .NET TimeSpan `timeleft`, history with integer `eventType`
 * filters, commands, and a Webhook connection that POSTs the real `Test` event.
 *
 *   const sonarr = createSonarrFake();
 *   const show = sonarr.addSeries(spec);                 // ShowSpec from src/demo/payloads.ts
 *   sonarr.addDownload(show.id, [episodeId(spec, {season: 1, episode: 1})], hash, { sizeleft: 5e8, timeleft: 90 });
 *   const { url, close } = await sonarr.start();
 */
import type { Request } from 'express';
import { episodeId, type EpisodeSpec, type ShowSpec } from '../../src/demo/payloads.js';
import { iso, Lifecycle, qBool, qInt, qList, type FakeHandle } from './common.js';
import {
  arrDownloads,
  createArrApp,
  ENGLISH,
  json,
  newArrState,
  testEnvelope,
  wireDownloadId,
  type ArrDownloadOpts,
  type ArrHistoryRecord,
  type ArrQueueRecord,
  type ArrState,
  type Rec,
} from './arr.js';

export interface SonarrSeries extends Rec {
  id: number;
  title: string;
  tvdbId: number;
  path: string;
  seriesType: string;
}
export interface SonarrEpisode extends Rec {
  id: number;
  seriesId: number;
  seasonNumber: number;
  episodeNumber: number;
  episodeFileId: number;
  monitored: boolean;
}
export interface SonarrEpisodeFile extends Rec {
  id: number;
  seriesId: number;
  seasonNumber: number;
  relativePath: string;
  path: string;
  size: number;
}
export interface SonarrQueueRecord extends ArrQueueRecord {
  seriesId: number;
  episodeId: number;
}

export interface SonarrState extends ArrState {
  series: SonarrSeries[];
  episodes: SonarrEpisode[];
  episodeFiles: SonarrEpisodeFile[];
  queue: SonarrQueueRecord[];
}

export const SONARR_EVENT_TYPES: Record<string, number> = {
  unknown: 0,
  grabbed: 1,
  seriesFolderImported: 2,
  downloadFolderImported: 3,
  downloadFailed: 4,
  episodeFileDeleted: 5,
  episodeFileRenamed: 6,
  downloadIgnored: 7,
};

const FLAGS = ['onImportComplete', 'onSeriesAdd', 'onSeriesDelete', 'onEpisodeFileDelete', 'onEpisodeFileDeleteForUpgrade'];

const QUALITY = { quality: { id: 3, name: 'WEBDL-1080p', source: 'web', resolution: 1080 }, revision: { version: 1, real: 0, isRepack: false } };
const pad = (n: number) => String(n).padStart(2, '0');

const maybe = <T, R>(v: T | undefined, f: (v: T) => R): R | undefined => (v === undefined ? undefined : f(v));

/** A 31-bit hash like Sonarr's synthetic queue ids. */
function hashInt(s: string): number {
  let h = 7;
  for (const ch of s) h = (Math.imul(h, 31) + ch.charCodeAt(0)) | 0;
  return h & 0x7fffffff;
}

export function createSonarrFake(init: Partial<Pick<SonarrState, 'apiKey' | 'version' | 'instanceName'>> = {}) {
  const state: SonarrState = { ...newArrState('Sonarr', '4.0.14.2939'), series: [], episodes: [], episodeFiles: [], queue: [], ...init };

  const episodeResource = (e: SonarrEpisode, withFile = false): Rec => ({
    ...e,
    hasFile: e.episodeFileId > 0,
    episodeFile: withFile && e.episodeFileId > 0 ? state.episodeFiles.find((f) => f.id === e.episodeFileId) : undefined,
  });
  const seriesResource = (s: SonarrSeries): Rec => {
    const eps = state.episodes.filter((e) => e.seriesId === s.id);
    const stats = (list: SonarrEpisode[]) => {
      const files = list.filter((e) => e.episodeFileId > 0);
      const size = files.reduce((n, e) => n + Number(state.episodeFiles.find((f) => f.id === e.episodeFileId)?.size ?? 0), 0);
      return {
        episodeFileCount: files.length,
        episodeCount: list.length,
        totalEpisodeCount: list.length,
        sizeOnDisk: size,
        releaseGroups: [],
        percentOfEpisodes: list.length ? (files.length / list.length) * 100 : 0,
      };
    };
    const seasonNumbers = [...new Set(eps.map((e) => e.seasonNumber))].sort((a, b) => a - b);
    return {
      ...s,
      seasons: seasonNumbers.map((n) => ({ seasonNumber: n, monitored: true, statistics: stats(eps.filter((e) => e.seasonNumber === n)) })),
      statistics: { seasonCount: seasonNumbers.filter((n) => n > 0).length, ...stats(eps) },
    };
  };

  const fa = createArrApp(state, {
    appName: 'Sonarr',
    eventTypes: SONARR_EVENT_TYPES,
    flags: FLAGS,
    headersSince: '4.0.10',
    testBody: () => ({
      series: { id: 1, title: 'Test Title', path: 'C:\\testpath', tvdbId: 1234, tvMazeId: 0, tmdbId: 0, type: 'standard', year: 0, tags: ['test-tag'] },
      episodes: [{ id: 123, episodeNumber: 1, seasonNumber: 1, title: 'Test title', seriesId: 0, tvdbId: 0 }],
      ...testEnvelope(state),
    }),
    isImportComplete: (b) => Array.isArray(b.episodeFiles),
    historyFilter: (req: Request, r: ArrHistoryRecord) => {
      const seriesIds = qList(req, 'seriesIds').map(Number);
      const ep = qInt(req, 'episodeId');
      return (seriesIds.length === 0 || seriesIds.includes(Number(r.seriesId))) && (ep === undefined || r.episodeId === ep);
    },
    historyDecorate: (req, r) => ({
      ...r,
      series: qBool(req, 'includeSeries') ? state.series.find((s) => s.id === r.seriesId) : undefined,
      episode: qBool(req, 'includeEpisode')
        ? maybe(
            state.episodes.find((e) => e.id === r.episodeId),
            (e) => episodeResource(e),
          )
        : undefined,
    }),
    queue: (req) => queueView(req),
  });
  const { route } = fa;
  const downloads = arrDownloads(state, { quality: QUALITY, languages: ENGLISH, indexer: 'Nyaa (Prowlarr)' });

  route('get', '/api/v3/series', (req, res) => {
    const tvdbId = qInt(req, 'tvdbId');
    json(res, state.series.filter((s) => tvdbId === undefined || s.tvdbId === tvdbId).map(seriesResource));
  });
  route('get', '/api/v3/series/:id', (req, res) => {
    const s = state.series.find((x) => x.id === Number(req.params.id));
    return s ? json(res, seriesResource(s)) : json(res, { message: 'NotFound' }, 404);
  });
  route('get', '/api/v3/episode', (req, res) => {
    const seriesId = qInt(req, 'seriesId');
    const season = qInt(req, 'seasonNumber');
    const ids = qList(req, 'episodeIds').map(Number);
    if (seriesId === undefined && ids.length === 0) return json(res, { message: 'seriesId or episodeIds must be provided' }, 400);
    const eps = state.episodes.filter((e) => (seriesId === undefined || e.seriesId === seriesId) && (season === undefined || e.seasonNumber === season) && (ids.length === 0 || ids.includes(e.id)));
    json(
      res,
      eps.map((e) => episodeResource(e, qBool(req, 'includeEpisodeFile') === true)),
    );
  });
  route('get', '/api/v3/episodefile', (req, res) => {
    const seriesId = qInt(req, 'seriesId');
    const ids = qList(req, 'episodeFileIds').map(Number);
    json(
      res,
      state.episodeFiles.filter((f) => (seriesId === undefined || f.seriesId === seriesId) && (ids.length === 0 || ids.includes(f.id))),
    );
  });

  const queueView = (req: Request) => {
    const seriesIds = qList(req, 'seriesIds').map(Number);
    const statuses = qList(req, 'status').map((s) => s.toLowerCase());
    return state.queue
      .filter((r) => (seriesIds.length === 0 || seriesIds.includes(r.seriesId)) && (statuses.length === 0 || statuses.includes(r.status.toLowerCase())))
      .map((r) => {
        const ep = state.episodes.find((e) => e.id === r.episodeId);
        return {
          ...r,
          episodeHasFile: (ep?.episodeFileId ?? 0) > 0,
          episode: qBool(req, 'includeEpisode') && ep ? episodeResource(ep) : undefined,
          series: qBool(req, 'includeSeries')
            ? maybe(
                state.series.find((s) => s.id === r.seriesId),
                seriesResource,
              )
            : undefined,
        };
      });
  };
  route('get', '/api/v3/queue/details', (req, res) => {
    const seriesId = qInt(req, 'seriesId');
    json(
      res,
      queueView(req).filter((r) => seriesId === undefined || r.seriesId === seriesId),
    );
  });
  fa.finish();
  const life = new Lifecycle(fa.app, undefined, () => fa.timers.cancelAll());

  const seriesPath = (s: ShowSpec) => `/data/${s.anime ? 'anime' : 'tv'}/${s.title}`;

  return {
    state,
    log: fa.log,
    faults: fa.faults,
    /** Sends an event body (e.g. `sonarrGrab(...)` from payloads.ts) to every Webhook connection whose `on*` flag is set. */
    deliver: fa.deliver,
    async start(): Promise<FakeHandle> {
      return life.start();
    },
    stop: () => life.stop(),

    /** Adds a series (ids, paths, episode ids as in payloads.ts) with `episodesPerSeason` episodes (no files) in each of `spec.seasons`. */
    addSeries(spec: ShowSpec, opts: { episodesPerSeason?: number; monitored?: boolean } = {}): SonarrSeries {
      const series: SonarrSeries = {
        id: spec.sonarrId,
        title: spec.title,
        sortTitle: spec.title.toLowerCase(),
        status: 'continuing',
        ended: false,
        overview: `${spec.title} overview.`,
        network: 'Network',
        images: [],
        originalLanguage: spec.anime ? { id: 8, name: 'Japanese' } : ENGLISH[0],
        year: spec.year,
        path: seriesPath(spec),
        qualityProfileId: 1,
        seasonFolder: true,
        monitored: opts.monitored ?? true,
        monitorNewItems: 'all',
        useSceneNumbering: false,
        runtime: spec.anime ? 24 : 45,
        tvdbId: spec.tvdbId,
        tvRageId: 0,
        tvMazeId: 0,
        tmdbId: spec.tmdbId,
        firstAired: `${spec.year}-01-01T00:00:00Z`,
        seriesType: spec.anime ? 'anime' : 'standard',
        cleanTitle: spec.title.toLowerCase().replace(/\W+/g, ''),
        titleSlug: spec.title.toLowerCase().replace(/\W+/g, '-'),
        rootFolderPath: `/data/${spec.anime ? 'anime' : 'tv'}/`,
        genres: [],
        tags: [],
        added: iso(),
        ratings: { votes: 0, value: 0 },
      };
      state.series = state.series.filter((s) => s.id !== series.id).concat(series);
      for (const season of spec.seasons) {
        for (let n = 1; n <= (opts.episodesPerSeason ?? 10); n++) this.addEpisode(spec, { season, episode: n });
      }
      return series;
    },

    addEpisode(spec: ShowSpec, e: EpisodeSpec, extra: Partial<SonarrEpisode> = {}): SonarrEpisode {
      const ep: SonarrEpisode = {
        seriesId: spec.sonarrId,
        tvdbId: spec.tvdbId * 100 + e.episode,
        episodeFileId: 0,
        seasonNumber: e.season,
        episodeNumber: e.episode,
        absoluteEpisodeNumber: spec.anime ? e.episode : undefined,
        title: `Episode ${e.episode}`,
        airDate: `${spec.year}-01-${pad(e.episode)}`,
        airDateUtc: `${spec.year}-01-${pad(e.episode)}T20:00:00Z`,
        runtime: spec.anime ? 24 : 45,
        overview: undefined,
        monitored: true,
        unverifiedSceneNumbering: false,
        grabbed: false,
        id: episodeId(spec, e),
        ...extra,
      };
      state.episodes = state.episodes.filter((x) => x.id !== ep.id).concat(ep);
      return ep;
    },

    /** Creates episode files (ids/paths as in payloads.ts `episodeFile`) and links them. */
    importEpisodes(spec: ShowSpec, eps: EpisodeSpec[]): SonarrEpisodeFile[] {
      return eps.map((e) => {
        const sxe = `S${pad(e.season)}E${pad(e.episode)}`;
        const rel = `Season ${pad(e.season)}/${spec.title} - ${sxe} - Episode ${e.episode} [WEBDL-1080p].mkv`;
        const file: SonarrEpisodeFile = {
          id: episodeId(spec, e) + 500_000,
          seriesId: spec.sonarrId,
          seasonNumber: e.season,
          relativePath: rel,
          path: `${seriesPath(spec)}/${rel}`,
          size: 1_400_000_000,
          dateAdded: iso(),
          releaseGroup: 'SubsPlease',
          languages: ENGLISH,
          quality: QUALITY,
          customFormats: [],
          customFormatScore: 0,
          indexerFlags: 0,
          releaseType: 'singleEpisode',
          qualityCutoffNotMet: false,
        };
        state.episodeFiles = state.episodeFiles.filter((f) => f.id !== file.id).concat(file);
        const ep = state.episodes.find((x) => x.id === episodeId(spec, e));
        if (ep) ep.episodeFileId = file.id;
        return file;
      });
    },

    deleteEpisodeFile(fileId: number): void {
      state.episodeFiles = state.episodeFiles.filter((f) => f.id !== fileId);
      for (const e of state.episodes) if (e.episodeFileId === fileId) e.episodeFileId = 0;
    },

    /** One queue record per episode, all sharing the UPPER-case `downloadId`. */
    addDownload(seriesId: number, episodeIds: number[], hash: string, opts: ArrDownloadOpts = {}): SonarrQueueRecord[] {
      const size = 1_400_000_000 * episodeIds.length;
      const records = episodeIds.map((epId) => {
        const ep = state.episodes.find((e) => e.id === epId);
        const r: SonarrQueueRecord = {
          id: hashInt(`${opts.downloadClient ?? 'qBittorrent'}-${wireDownloadId(hash)}-${epId}`),
          seriesId,
          episodeId: epId,
          seasonNumber: ep?.seasonNumber ?? 1,
          ...downloads.queueFields(hash, size, opts),
        };
        state.queue = state.queue.filter((x) => x.id !== r.id).concat(r);
        return r;
      });
      downloads.started(hash, size, opts);
      return records;
    },

    /** Patches every queue record of a download; `sizeleft`/`timeleft` (seconds) are converted like Sonarr does. */
    updateDownload: downloads.updateDownload,
    removeDownload: downloads.removeDownload,
    addHistory: (r: Partial<ArrHistoryRecord> & { eventType: string; episodeId: number; seriesId: number }): ArrHistoryRecord => downloads.addHistory(r),
  };
}
