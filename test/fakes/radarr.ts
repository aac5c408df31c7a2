/**
 * Radarr v5 fake (protocols.md §2.5): like the Sonarr fake — `/api/v3` with `X-Api-Key`,
 * camelCase JSON with nulls omitted, movies with `hasFile`/`movieFile`, one queue record per
 * download (`movieId`, UPPER-case `downloadId`), history (+ `since`, `movie`), commands and a
 * Webhook connection sending Radarr's `Test` event.
 *
 *   const radarr = createRadarrFake();
 *   radarr.addMovie(spec, { hasFile: false });           // MovieSpec from src/demo/payloads.ts
 *   radarr.addDownload(spec.radarrId, spec.hash, { sizeleft: 5e9, timeleft: 600 });
 */
import type { Request } from 'express';
import type { MovieSpec } from '../../src/demo/payloads.js';
import { iso, Lifecycle, paged, q, qBool, qInt, qList, timeSpan, type FakeHandle } from './common.js';
import { createArrApp, json, newArrState, nextId, testEnvelope, type ArrHistoryRecord, type ArrState, type Rec } from './arr.js';

export interface RadarrMovieFile extends Rec { id: number; movieId: number; relativePath: string; path: string; size: number }
export interface RadarrMovie extends Rec { id: number; title: string; tmdbId: number; path: string; monitored: boolean; movieFile?: RadarrMovieFile }
export interface RadarrQueueRecord extends Rec { id: number; movieId: number; downloadId: string; status: string; trackedDownloadState: string }

export interface RadarrState extends ArrState {
  movies: RadarrMovie[];
  queue: RadarrQueueRecord[];
}

export const RADARR_EVENT_TYPES: Record<string, number> = {
  unknown: 0, grabbed: 1, downloadFolderImported: 3, downloadFailed: 4, movieFileDeleted: 6, movieFolderImported: 7, movieFileRenamed: 8, downloadIgnored: 9,
};

const FLAGS = [
  'onGrab', 'onDownload', 'onUpgrade', 'onRename', 'onMovieAdded', 'onMovieDelete', 'onMovieFileDelete', 'onMovieFileDeleteForUpgrade',
  'onHealthIssue', 'onHealthRestored', 'onApplicationUpdate', 'onManualInteractionRequired',
];

const QUALITY = { quality: { id: 7, name: 'Bluray-1080p', source: 'bluray', resolution: 1080, modifier: 'none' }, revision: { version: 1, real: 0, isRepack: false } };
const LANG = [{ id: 1, name: 'English' }];

export interface MovieDownloadOpts {
  title?: string;
  size?: number;
  sizeleft?: number;
  /** Seconds; `null` omits `timeleft`. */
  timeleft?: number | null;
  status?: string;
  trackedDownloadStatus?: string;
  trackedDownloadState?: string;
  statusMessages?: Array<{ title: string; messages: string[] }>;
  errorMessage?: string;
  outputPath?: string;
}

export function createRadarrFake(init: Partial<Pick<RadarrState, 'apiKey' | 'version' | 'instanceName'>> = {}) {
  const state: RadarrState = { ...newArrState('Radarr', '5.28.0.10205'), movies: [], queue: [], ...init };

  const movieResource = (m: RadarrMovie): Rec => ({
    ...m,
    hasFile: m.movieFile !== undefined,
    movieFileId: m.movieFile?.id ?? 0,
    sizeOnDisk: m.movieFile?.size ?? 0,
    statistics: { movieFileCount: m.movieFile ? 1 : 0, sizeOnDisk: m.movieFile?.size ?? 0, releaseGroups: m.movieFile ? ['GROUP'] : [] },
  });

  const fa = createArrApp(state, {
    appName: 'Radarr',
    eventTypes: RADARR_EVENT_TYPES,
    flags: FLAGS,
    headersSince: '5.16',
    testBody: () => ({
      movie: { id: 1, title: 'Test Title', year: 1970, releaseDate: '1970-01-01', folderPath: 'C:\\testpath', tmdbId: 0, tags: ['test-tag'] },
      remoteMovie: { tmdbId: 1234, imdbId: '5678', title: 'Test title', year: 1970 },
      release: { quality: 'Test Quality', qualityVersion: 1, releaseGroup: 'Test Group', releaseTitle: 'Test Title', indexer: 'Test Indexer', size: 9999999, customFormatScore: 0 },
      ...testEnvelope(state),
    }),
    flagFor: (b) => {
      const t = String(b.eventType);
      if (t === 'Test') return undefined;
      if (t === 'Download') return b.isUpgrade ? 'onUpgrade' : 'onDownload';
      if (t === 'MovieFileDelete') return b.deleteReason === 'upgrade' ? 'onMovieFileDeleteForUpgrade' : 'onMovieFileDelete';
      if (t === 'Health') return 'onHealthIssue';
      return `on${t}`;
    },
    historyFilter: (req: Request, r: ArrHistoryRecord) => {
      const movieIds = qList(req, 'movieIds').map(Number);
      return movieIds.length === 0 || movieIds.includes(Number(r.movieId));
    },
    historyDecorate: (req, r) => {
      const m = state.movies.find((x) => x.id === r.movieId);
      return { ...r, movie: qBool(req, 'includeMovie') && m ? movieResource(m) : undefined };
    },
  });
  const { route } = fa;

  route('get', '/api/v3/movie', (req, res) => {
    const tmdbId = qInt(req, 'tmdbId');
    json(res, state.movies.filter((m) => tmdbId === undefined || m.tmdbId === tmdbId).map(movieResource));
  });
  route('get', '/api/v3/movie/:id', (req, res) => {
    const m = state.movies.find((x) => x.id === Number(req.params.id));
    return m ? json(res, movieResource(m)) : json(res, { message: 'NotFound' }, 404);
  });
  route('get', '/api/v3/history/movie', (req, res) => {
    const movieId = qInt(req, 'movieId');
    const type = q(req, 'eventType');
    const name = type === undefined ? undefined : Object.entries(RADARR_EVENT_TYPES).find(([k, n]) => String(n) === type || k.toLowerCase() === type.toLowerCase())?.[0];
    const records = state.history
      .filter((r) => r.movieId === movieId && (type === undefined || r.eventType === name))
      .sort((a, b) => Date.parse(b.date) - Date.parse(a.date));
    json(res, records);
  });
  route('get', '/api/v3/queue', (req, res) => {
    const movieIds = qList(req, 'movieIds').map(Number);
    const records = state.queue
      .filter((r) => movieIds.length === 0 || movieIds.includes(r.movieId))
      .map((r) => {
        const m = state.movies.find((x) => x.id === r.movieId);
        return { ...r, movie: qBool(req, 'includeMovie') && m ? movieResource(m) : undefined };
      });
    const dir = (q(req, 'sortDirection') ?? 'ascending') as 'ascending' | 'descending';
    json(res, paged(records, qInt(req, 'page') ?? 1, qInt(req, 'pageSize') ?? 10, q(req, 'sortKey') ?? 'timeleft', dir));
  });
  fa.finish();
  const life = new Lifecycle(fa.app, undefined, () => fa.timers.cancelAll());

  return {
    state,
    log: fa.log,
    faults: fa.faults,
    /** Sends an event body (e.g. `radarrGrab(...)` from payloads.ts) to every Webhook connection whose `on*` flag is set. */
    deliver: fa.deliver,
    start: (): Promise<FakeHandle> => life.start(),
    stop: () => life.stop(),

    /** Adds a movie (id, folder and file names as in payloads.ts). */
    addMovie(spec: MovieSpec, opts: { hasFile?: boolean; monitored?: boolean } = {}): RadarrMovie {
      const folder = `/data/${spec.anime ? 'anime/movies' : 'movies'}/${spec.title} (${spec.year})`;
      const movie: RadarrMovie = {
        id: spec.radarrId, title: spec.title, originalTitle: spec.title, originalLanguage: spec.anime ? { id: 8, name: 'Japanese' } : LANG[0],
        sortTitle: spec.title.toLowerCase(), status: 'released', overview: `${spec.title} overview.`, releaseDate: `${spec.year}-05-14`,
        images: [], website: '', year: spec.year, path: folder, qualityProfileId: 1, monitored: opts.monitored ?? true,
        minimumAvailability: 'released', isAvailable: true, folderName: folder, runtime: 120, cleanTitle: spec.title.toLowerCase().replace(/\W+/g, ''),
        imdbId: `tt${spec.tmdbId}`, tmdbId: spec.tmdbId, titleSlug: String(spec.tmdbId), rootFolderPath: folder.slice(0, folder.lastIndexOf('/') + 1),
        genres: spec.anime ? ['Animation', 'Anime'] : ['Drama'], tags: [], added: iso(), ratings: {}, popularity: 10,
      };
      state.movies = state.movies.filter((m) => m.id !== movie.id).concat(movie);
      if (opts.hasFile) this.importMovie(movie.id);
      return movie;
    },

    /** Gives a movie its file (`movieFile.id` = radarrId*10+7 as in payloads.ts `radarrDownload`). */
    importMovie(movieId: number, file: Partial<RadarrMovieFile> = {}): RadarrMovieFile {
      const movie = state.movies.find((m) => m.id === movieId);
      if (!movie) throw new Error(`no movie ${movieId}`);
      const rel = `${movie.title} (${String(movie.year)}) [Bluray-1080p].mkv`;
      movie.movieFile = {
        id: movieId * 10 + 7, movieId, relativePath: rel, path: `${movie.path}/${rel}`, size: 15_032_385_536, dateAdded: iso(),
        sceneName: undefined, releaseGroup: 'GROUP', edition: '', languages: LANG, quality: QUALITY, customFormats: [], customFormatScore: 0,
        indexerFlags: 0, qualityCutoffNotMet: false, ...file,
      };
      return movie.movieFile;
    },

    deleteMovieFile(movieId: number): void {
      const movie = state.movies.find((m) => m.id === movieId);
      if (movie) delete movie.movieFile;
    },

    /** One queue record per download. */
    addDownload(movieId: number, hash: string, opts: MovieDownloadOpts = {}): RadarrQueueRecord {
      const downloadId = hash.toUpperCase();
      const r: RadarrQueueRecord = {
        id: nextId(state.queue), movieId, languages: LANG, quality: QUALITY, customFormats: [], customFormatScore: 0,
        size: opts.size ?? 15_032_385_536, title: opts.title ?? `Release.${downloadId.slice(0, 6)}`, added: iso(),
        status: opts.status ?? 'downloading', trackedDownloadStatus: opts.trackedDownloadStatus ?? 'ok',
        trackedDownloadState: opts.trackedDownloadState ?? 'downloading', statusMessages: opts.statusMessages ?? [], errorMessage: opts.errorMessage,
        downloadId, protocol: 'torrent', downloadClient: 'qBittorrent', downloadClientHasPostImportCategory: false,
        indexer: 'TorrentLeech (Prowlarr)', outputPath: opts.outputPath,
      };
      state.queue = state.queue.filter((x) => x.downloadId !== downloadId).concat(r);
      this.updateDownload(hash, { sizeleft: opts.sizeleft ?? Number(r.size), timeleft: opts.timeleft === undefined ? 3600 : opts.timeleft });
      return r;
    },

    /** Patches a download; `timeleft` in seconds is rendered as a .NET TimeSpan. */
    updateDownload(hash: string, patch: MovieDownloadOpts & Rec): void {
      const { timeleft, ...rest } = patch;
      const r = state.queue.find((x) => x.downloadId === hash.toUpperCase());
      if (!r) return;
      Object.assign(r, rest);
      if (timeleft !== undefined) {
        r.timeleft = timeleft === null ? undefined : timeSpan(timeleft);
        r.estimatedCompletionTime = timeleft === null ? undefined : iso(Date.now() + timeleft * 1000);
      }
    },

    removeDownload(hash: string): void {
      state.queue = state.queue.filter((r) => r.downloadId !== hash.toUpperCase());
    },

    /** Adds a history record (`eventType` as camelCase name; `data` values are strings). */
    addHistory(r: Partial<ArrHistoryRecord> & { eventType: string; movieId: number }): ArrHistoryRecord {
      const rec: ArrHistoryRecord = {
        sourceTitle: 'Release', languages: LANG, quality: QUALITY, customFormats: [], customFormatScore: 0, qualityCutoffNotMet: false,
        date: iso(), data: {}, ...r, id: r.id ?? nextId(state.history), downloadId: r.downloadId?.toUpperCase(),
      };
      state.history.push(rec);
      return rec;
    },
  };
}
