/**
 * Deterministic (seeded) content for the ingestion benchmark: the stored requests a
 * tracker is pre-populated with, and the stream of webhooks the load generator sends.
 *
 * Shape of the stored state for `stored` requests (1,000 or 10,000):
 *   - 90 % movies, 10 % TV;
 *   - an ACTIVE set that is identical at every size, so the measured workload is the same
 *     and only the history grows: 270 movies (grabbed, waiting for the import), 28 series
 *     with the 24 episodes of season 1 imported and season 2 requested (airing), and 2
 *     long-running series with 1,000 imported episodes each (20 seasons × 50, season 21 airing);
 *   - the rest is HISTORY, finished weeks ago: movies requested → grabbed → imported →
 *     available, series with 24 available episodes.
 *
 * The measured webhooks (warm-up first, then the measured ones) are all distinct facts
 * that change a request (none is a duplicate that would skip storage):
 *   - 65 % Radarr: Download (import of the latest grab, new file id) / Grab (new release,
 *     new info-hash, e.g. an upgrade), alternating per movie, round-robin over the 270
 *     active movies so two events for one movie are ~400 positions apart;
 *   - 30 % Sonarr: Grab then Download (On File Import) of the next new episode of an
 *     airing season, round-robin over the 30 active series (2 of them with 1,000 episodes);
 *   - 5 % Jellyseerr MEDIA_AUTO_APPROVED notifications creating new requests.
 */
import { fakeHash, jellyseerr, radarrDownload, radarrGrab, range, sonarrDownload, sonarrGrab, sonarrImportComplete, type EpisodeSpec, type MovieSpec, type ShowSpec } from '../src/demo/payloads.js';

export const SEED = 0x6d656469; // "medi"

export const ACTIVE_MOVIES = 270;
export const ACTIVE_SHOWS = 28;
export const BIG_SHOWS = 2;
export const EPISODES_PER_SHOW = 24;
export const BIG_SEASONS = 20;
export const BIG_EPISODES_PER_SEASON = 50;

/** mulberry32: small, fast, good enough for picking titles and years. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const WORDS_A = ['Silent', 'Crimson', 'Hidden', 'Last', 'Broken', 'Golden', 'Distant', 'Frozen', 'Electric', 'Wild', 'Hollow', 'Burning', 'Northern', 'Quiet', 'Paper', 'Iron'];
const WORDS_B = ['River', 'Empire', 'Garden', 'Signal', 'Harbor', 'Frontier', 'Machine', 'Orchard', 'Kingdom', 'Lantern', 'Voyage', 'Mirror', 'Station', 'Tide', 'Crown', 'Forest'];
const USERS = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank'];

function pick<T>(r: () => number, xs: readonly T[]): T {
  return xs[Math.floor(r() * xs.length)]!;
}

function title(r: () => number, n: number): string {
  return `The ${pick(r, WORDS_A)} ${pick(r, WORDS_B)} ${n}`;
}

export interface ShowPlan extends ShowSpec {
  seasonsStored: number;
  episodesPerSeason: number;
  /** Season that receives new episodes in the measured workload (active series only). */
  airingSeason: number;
}

export interface Population {
  stored: number;
  /** Episodes stored over every series. */
  episodes: number;
  activeMovies: MovieSpec[];
  activeShows: ShowPlan[];
  historyMovies: MovieSpec[];
  historyShows: ShowPlan[];
}

export interface PopulationOptions {
  /**
   * History series with BIG_SEASONS × BIG_EPISODES_PER_SEASON episodes instead of
   * EPISODES_PER_SHOW, spread evenly over the history (cold start: 100k episodes at 10k).
   */
  bigHistoryShows?: number;
}

/** Active specs come from their own seeded stream, so they are the same at every size. */
export function population(stored: number, opts: PopulationOptions = {}): Population {
  const tv = Math.round(stored / 10);
  const movies = stored - tv;
  const historyShowCount = tv - ACTIVE_SHOWS - BIG_SHOWS;
  const historyMovieCount = movies - ACTIVE_MOVIES;
  if (historyShowCount < 0 || historyMovieCount < 0) throw new Error(`at least ${(ACTIVE_SHOWS + BIG_SHOWS) * 10} stored requests are needed`);

  let requestId = 1;
  let radarrId = 1;
  let sonarrId = 1;
  const movie = (r: () => number, n: number): MovieSpec => {
    const id = requestId++;
    const rid = radarrId++;
    return {
      requestId: id,
      tmdbId: 100_000 + rid,
      title: title(r, n),
      year: 1970 + Math.floor(r() * 56),
      radarrId: rid,
      hash: fakeHash(`movie:${rid}:0`),
      requestedBy: pick(r, USERS),
      anime: r() < 0.05,
    };
  };
  const show = (r: () => number, n: number, big: boolean, active: boolean): ShowPlan => {
    const id = requestId++;
    const sid = sonarrId++;
    const seasonsStored = big ? BIG_SEASONS : 1;
    const airingSeason = seasonsStored + 1;
    return {
      requestId: id,
      tmdbId: 900_000 + sid,
      tvdbId: 300_000 + sid,
      title: title(r, n),
      year: 1990 + Math.floor(r() * 36),
      sonarrId: sid,
      seasons: Array.from({ length: active ? airingSeason : seasonsStored }, (_, i) => i + 1),
      requestedBy: pick(r, USERS),
      anime: big || r() < 0.1,
      seasonsStored,
      episodesPerSeason: big ? BIG_EPISODES_PER_SEASON : EPISODES_PER_SHOW,
      airingSeason,
    };
  };

  const ra = rng(SEED);
  const activeMovies = Array.from({ length: ACTIVE_MOVIES }, (_, i) => movie(ra, i));
  const activeShows = [...Array.from({ length: BIG_SHOWS }, (_, i) => show(ra, i, true, true)), ...Array.from({ length: ACTIVE_SHOWS }, (_, i) => show(ra, BIG_SHOWS + i, false, true))];
  const rh = rng(SEED + 1);
  const historyMovies = Array.from({ length: historyMovieCount }, (_, i) => movie(rh, ACTIVE_MOVIES + i));
  const big = Math.min(historyShowCount, opts.bigHistoryShows ?? 0);
  const isBig = (i: number) => big > 0 && i % Math.floor(historyShowCount / big) === 0 && i / Math.floor(historyShowCount / big) < big;
  const historyShows = Array.from({ length: historyShowCount }, (_, i) => show(rh, ACTIVE_SHOWS + BIG_SHOWS + i, isBig(i), false));
  const episodes = [...activeShows, ...historyShows].reduce((a, s) => a + s.seasonsStored * s.episodesPerSeason, 0);
  return { stored, episodes, activeMovies, activeShows, historyMovies, historyShows };
}

/** History series that must be big for `stored` requests to hold about `episodes` episodes. */
export function bigShowsFor(stored: number, episodes: number): number {
  const base = population(stored).episodes;
  const extra = BIG_SEASONS * BIG_EPISODES_PER_SEASON - EPISODES_PER_SHOW;
  return Math.max(0, Math.ceil((episodes - base) / extra));
}

// ---------------------------------------------------------------------------------------
// Pre-population: webhook bodies in the order the services would have sent them.

export type Route = 'jellyseerr' | 'radarr' | 'sonarr';

export interface Hook {
  route: Route;
  body: Record<string, unknown>;
}

const seasonHash = (s: ShowSpec, season: number): string => fakeHash(`show:${s.sonarrId}:season:${season}`);

function* storedSeasons(s: ShowPlan): Generator<Hook> {
  for (let season = 1; season <= s.seasonsStored; season++) {
    const eps = range(season, 1, s.episodesPerSeason);
    const hash = seasonHash(s, season);
    yield { route: 'sonarr', body: sonarrGrab(s, eps, hash) };
    yield { route: 'sonarr', body: sonarrImportComplete(s, eps, hash) };
  }
}

/** History: finished requests. Each is a short group of hooks; groups are yielded in order. */
export function* historyHooks(p: Population): Generator<Hook[]> {
  const n = Math.max(p.historyMovies.length, p.historyShows.length);
  // Interleave movies and series like real traffic (9 movies per series).
  let m = 0;
  let s = 0;
  for (let i = 0; m < p.historyMovies.length || s < p.historyShows.length; i++) {
    if (i > 10 * n + 10) break;
    if (m < p.historyMovies.length && (i % 10 !== 9 || s >= p.historyShows.length)) {
      const spec = p.historyMovies[m++]!;
      yield [
        { route: 'jellyseerr', body: jellyseerr('MEDIA_AUTO_APPROVED', spec) },
        { route: 'radarr', body: radarrGrab(spec) },
        { route: 'radarr', body: radarrDownload(spec) },
        { route: 'jellyseerr', body: jellyseerr('MEDIA_AVAILABLE', spec) },
      ];
    } else if (s < p.historyShows.length) {
      const spec = p.historyShows[s++]!;
      yield [{ route: 'jellyseerr', body: jellyseerr('MEDIA_AUTO_APPROVED', spec) }, ...storedSeasons(spec), { route: 'jellyseerr', body: jellyseerr('MEDIA_AVAILABLE', spec) }];
    }
  }
}

/**
 * Active requests (all open): movies grabbed (hash `movie:<id>:0`), waiting for the import;
 * series with their stored seasons grabbed and imported, the airing season requested.
 */
export function* activeHooks(p: Population): Generator<Hook[]> {
  for (const spec of p.activeMovies) {
    yield [
      { route: 'jellyseerr', body: jellyseerr('MEDIA_AUTO_APPROVED', spec) },
      { route: 'radarr', body: radarrGrab(spec) },
    ];
  }
  // No Jellyseerr MEDIA_AVAILABLE here: the series are still airing (their roster, see prepop.ts,
  // lists the airing season's next episodes).
  for (const spec of p.activeShows) {
    yield [{ route: 'jellyseerr', body: jellyseerr('MEDIA_AUTO_APPROVED', spec) }, ...storedSeasons(spec)];
  }
}

// ---------------------------------------------------------------------------------------
// The measured workload (identical at every size).

export interface WorkItem {
  route: Route;
  kind: 'radarr-grab' | 'radarr-download' | 'sonarr-grab' | 'sonarr-download' | 'jellyseerr-new';
  body: string;
}

export const MIX = { radarr: 0.65, sonarr: 0.3, jellyseerr: 0.05 } as const;

/** The first `count` webhooks of the measured stream (warm-up + measured). */
export function workload(count: number): WorkItem[] {
  const p = population(1000); // the active set does not depend on the size
  const r = rng(SEED + 2);
  const movieCursor = new Array<number>(p.activeMovies.length).fill(0);
  const showCursor = new Array<number>(p.activeShows.length).fill(0);
  let movieTurn = 0;
  let showTurn = 0;
  let created = 0;
  const out: WorkItem[] = [];
  for (let i = 0; i < count; i++) {
    const x = r();
    if (x < MIX.jellyseerr) {
      const n = created++;
      const tv = r() < 0.1;
      const base = { requestId: 5_000_000 + n, tmdbId: 5_000_000 + n, title: title(r, 5_000_000 + n), year: 2024 + Math.floor(r() * 2), requestedBy: pick(r, USERS) };
      const spec: MovieSpec | ShowSpec = tv ? { ...base, tvdbId: 5_000_000 + n, sonarrId: 0, seasons: [1] } : { ...base, radarrId: 0, hash: '' };
      out.push({ route: 'jellyseerr', kind: 'jellyseerr-new', body: JSON.stringify(jellyseerr('MEDIA_AUTO_APPROVED', spec)) });
    } else if (x < MIX.jellyseerr + MIX.radarr) {
      const m = movieTurn++ % p.activeMovies.length;
      const step = movieCursor[m]!++;
      const spec = p.activeMovies[m]!;
      // step 0: import of the stored grab (hash 0); odd: new grab k; even ≥ 2: its import.
      const k = Math.ceil(step / 2);
      const withHash = { ...spec, hash: fakeHash(`movie:${spec.radarrId}:${k}`) };
      if (step % 2 === 1) {
        out.push({ route: 'radarr', kind: 'radarr-grab', body: JSON.stringify(radarrGrab(withHash)) });
      } else {
        const body = radarrDownload(withHash);
        const file = body.movieFile as Record<string, unknown>;
        const rel = `${spec.title} (${spec.year}) [Bluray-1080p]${k ? ` v${k + 1}` : ''}.mkv`;
        file.id = spec.radarrId * 1000 + k;
        file.relativePath = rel;
        file.path = `/data/${spec.anime ? 'anime/movies' : 'movies'}/${spec.title} (${spec.year})/${rel}`;
        body.isUpgrade = k > 0;
        out.push({ route: 'radarr', kind: 'radarr-download', body: JSON.stringify(body) });
      }
    } else {
      const si = showTurn++ % p.activeShows.length;
      const step = showCursor[si]!++;
      const spec = p.activeShows[si]!;
      const ep: EpisodeSpec = { season: spec.airingSeason, episode: 1 + Math.floor(step / 2) };
      // Sonarr episode ids in the payload builders are `series * 10000 + season * 100 + episode`.
      if (ep.episode > 99) throw new Error('workload too long for the airing seasons (max 99 new episodes per series)');
      const hash = fakeHash(`show:${spec.sonarrId}:s${ep.season}e${ep.episode}`);
      if (step % 2 === 0) out.push({ route: 'sonarr', kind: 'sonarr-grab', body: JSON.stringify(sonarrGrab(spec, [ep], hash)) });
      else out.push({ route: 'sonarr', kind: 'sonarr-download', body: JSON.stringify(sonarrDownload(spec, ep, hash)) });
    }
  }
  return out;
}
