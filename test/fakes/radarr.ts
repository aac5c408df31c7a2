/**
 * Radarr v5 fake (docs/upstreams.md §2.5): like the Sonarr fake — `/api/v3` with `X-Api-Key`,
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
import { iso, Lifecycle, q, qBool, qInt, qList, type FakeHandle } from './common.js';
import { arrDownloads, createArrApp, ENGLISH, json, newArrState, nextId, testEnvelope, type ArrDownloadOpts, type ArrHistoryRecord, type ArrQueueRecord, type ArrState, type Rec } from './arr.js';

export interface RadarrMovieFile extends Rec {
  id: number;
  movieId: number;
  relativePath: string;
  path: string;
  size: number;
}
export interface RadarrMovie extends Rec {
  id: number;
  title: string;
  tmdbId: number;
  path: string;
  monitored: boolean;
  movieFile?: RadarrMovieFile;
}
export interface RadarrQueueRecord extends ArrQueueRecord {
  movieId: number;
}

export interface RadarrState extends ArrState {
  movies: RadarrMovie[];
  queue: RadarrQueueRecord[];
}

export const RADARR_EVENT_TYPES: Record<string, number> = {
  unknown: 0,
  grabbed: 1,
  downloadFolderImported: 3,
  downloadFailed: 4,
  movieFileDeleted: 6,
  movieFolderImported: 7,
  movieFileRenamed: 8,
  downloadIgnored: 9,
};

const FLAGS = ['onMovieAdded', 'onMovieDelete', 'onMovieFileDelete', 'onMovieFileDeleteForUpgrade'];

const QUALITY = { quality: { id: 7, name: 'Bluray-1080p', source: 'bluray', resolution: 1080, modifier: 'none' }, revision: { version: 1, real: 0, isRepack: false } };

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
    historyFilter: (req: Request, r: ArrHistoryRecord) => {
      const movieIds = qList(req, 'movieIds').map(Number);
      return movieIds.length === 0 || movieIds.includes(Number(r.movieId));
    },
    historyDecorate: (req, r) => {
      const m = state.movies.find((x) => x.id === r.movieId);
      return { ...r, movie: qBool(req, 'includeMovie') && m ? movieResource(m) : undefined };
    },
    queue: (req) => {
      const movieIds = qList(req, 'movieIds').map(Number);
      return state.queue
        .filter((r) => movieIds.length === 0 || movieIds.includes(r.movieId))
        .map((r) => {
          const m = state.movies.find((x) => x.id === r.movieId);
          return { ...r, movie: qBool(req, 'includeMovie') && m ? movieResource(m) : undefined };
        });
    },
  });
  const { route } = fa;
  const downloads = arrDownloads(state, { quality: QUALITY, languages: ENGLISH, indexer: 'TorrentLeech (Prowlarr)' });

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
    const records = state.history.filter((r) => r.movieId === movieId && (type === undefined || r.eventType === name)).sort((a, b) => Date.parse(b.date) - Date.parse(a.date));
    json(res, records);
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
        id: spec.radarrId,
        title: spec.title,
        originalTitle: spec.title,
        originalLanguage: spec.anime ? { id: 8, name: 'Japanese' } : ENGLISH[0],
        sortTitle: spec.title.toLowerCase(),
        status: 'released',
        overview: `${spec.title} overview.`,
        releaseDate: `${spec.year}-05-14`,
        images: [],
        website: '',
        year: spec.year,
        path: folder,
        qualityProfileId: 1,
        monitored: opts.monitored ?? true,
        minimumAvailability: 'released',
        isAvailable: true,
        folderName: folder,
        runtime: 120,
        cleanTitle: spec.title.toLowerCase().replace(/\W+/g, ''),
        imdbId: `tt${spec.tmdbId}`,
        tmdbId: spec.tmdbId,
        titleSlug: String(spec.tmdbId),
        rootFolderPath: folder.slice(0, folder.lastIndexOf('/') + 1),
        genres: spec.anime ? ['Animation', 'Anime'] : ['Drama'],
        tags: [],
        added: iso(),
        ratings: {},
        popularity: 10,
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
        id: movieId * 10 + 7,
        movieId,
        relativePath: rel,
        path: `${movie.path}/${rel}`,
        size: 15_032_385_536,
        dateAdded: iso(),
        sceneName: undefined,
        releaseGroup: 'GROUP',
        edition: '',
        languages: ENGLISH,
        quality: QUALITY,
        customFormats: [],
        customFormatScore: 0,
        indexerFlags: 0,
        qualityCutoffNotMet: false,
        ...file,
      };
      return movie.movieFile;
    },

    deleteMovieFile(movieId: number): void {
      const movie = state.movies.find((m) => m.id === movieId);
      if (movie) delete movie.movieFile;
    },

    /** One queue record per download. */
    addDownload(movieId: number, hash: string, opts: ArrDownloadOpts = {}): RadarrQueueRecord {
      const size = 15_032_385_536;
      const r: RadarrQueueRecord = { id: nextId(state.queue), movieId, ...downloads.queueFields(hash, size, opts) };
      state.queue = state.queue.filter((x) => x.downloadId !== r.downloadId).concat(r);
      downloads.started(hash, size, opts);
      return r;
    },

    /** Patches a download; `timeleft` in seconds is rendered as a .NET TimeSpan. */
    updateDownload: downloads.updateDownload,
    removeDownload: downloads.removeDownload,
    addHistory: (r: Partial<ArrHistoryRecord> & { eventType: string; movieId: number }): ArrHistoryRecord => downloads.addHistory(r),
  };
}
