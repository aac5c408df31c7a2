/**
 * The workflows the demo replays, as the webhook calls the real services would make (shapes
 * from docs/upstreams.md). A step is a route and a body, or Shoko matching files (its SignalR
 * events, from the demo Shoko in shoko.ts); a step may first change the demo's Jellyfin library
 * (library.ts), as a library scan would before the plugin's webhook, and may name the state the
 * request must be in after it.
 */
import { libraryEpisode, libraryMovie, librarySeries, libraryWebhook, shokofinEpisode, shokofinMovie, shokofinSeries, type LibraryItem } from './library.js';
import {
  episodeFilePath,
  fakeHash,
  jellyseerr,
  movieFilePath,
  radarrDownload,
  radarrGrab,
  radarrMovieAdded,
  range,
  sonarrGrab,
  sonarrImportComplete,
  sonarrSeriesAdd,
  type EpisodeSpec,
  type MovieSpec,
  type ShowSpec,
} from './payloads.js';
import type { AnimeFile } from './shoko.js';

interface StepBase {
  says: string;
  /** Applied to the demo library before the call. */
  library?: { add?: LibraryItem[]; remove?: string[] };
  /** The request's state right after this step. */
  expect?: string;
}

/** A webhook call to the tracker. */
export interface WebhookStep extends StepBase {
  route: string;
  body: Record<string, unknown>;
}

/** Shoko matched these files with AniDB: its hub sends `FileMatched` for each (no webhook). */
export interface ShokoStep extends StepBase {
  shoko: { matched: AnimeFile[] };
}

export type Step = WebhookStep | ShokoStep;

export interface Scenario {
  name: string;
  id: string;
  expectedFinal: string;
  steps: Step[];
}

const dune: MovieSpec = { requestId: 101, tmdbId: 693134, title: 'Dune: Part Two', year: 2024, radarrId: 412, hash: fakeHash('demo-dune'), requestedBy: 'alice' };
const bear: ShowSpec = { requestId: 102, tmdbId: 136315, tvdbId: 412334, title: 'The Bear', year: 2022, sonarrId: 88, seasons: [1], requestedBy: 'bob' };
const summerGhost: MovieSpec = { requestId: 103, tmdbId: 791373, title: 'Summer Ghost', year: 2021, radarrId: 500, hash: fakeHash('demo-summer'), anime: true, requestedBy: 'carol' };
const dandadan: ShowSpec = { requestId: 104, tmdbId: 240411, tvdbId: 433925, title: 'Dan Da Dan', year: 2024, sonarrId: 57, seasons: [1], anime: true, requestedBy: 'alice' };
// What Shoko matched the anime files to (made-up AniDB and Shoko ids).
const summerGhostFile: AnimeFile = { id: 3101, path: movieFilePath(summerGhost), anidbAnimeId: 16017, anidbEpisodeId: 262431, seriesId: 301, episodeId: 3101 };
const dandadanFiles: AnimeFile[] = range(1, 1, 12).map((e) => ({
  id: 4100 + e.episode,
  path: episodeFilePath(dandadan, e),
  anidbAnimeId: 17709,
  anidbEpisodeId: 280_000 + e.episode,
  seriesId: 302,
  episodeId: 3200 + e.episode,
}));
const arrival: MovieSpec = { requestId: 105, tmdbId: 329865, title: 'Arrival', year: 2016, radarrId: 413, hash: fakeHash('demo-arrival'), requestedBy: 'dave' };
const arrivalUhd = { quality: 'Remux-2160p', hash: fakeHash('demo-arrival-uhd') };

const code = (e: EpisodeSpec) => `S${String(e.season).padStart(2, '0')}E${String(e.episode).padStart(2, '0')}`;

/** Jellyfin finds an item and its webhook plugin says so. */
function inLibrary(item: LibraryItem, says: string, expect?: string, also: LibraryItem[] = []): WebhookStep {
  return { route: '/hooks/jellyfin', body: libraryWebhook(item, 'ItemAdded'), says, library: { add: [...also, item] }, ...(expect ? { expect } : {}) };
}

/** One part of a season: Sonarr grabs and imports it, then Jellyfin adds each episode. */
function seasonPart(s: ShowSpec, eps: EpisodeSpec[], hash: string, when: string, expectAfter: string): Step[] {
  const label = `${code(eps[0]!)}–${code(eps.at(-1)!)}`;
  return [
    { route: '/hooks/sonarr', body: sonarrGrab(s, eps, hash), says: `Sonarr grabs ${label} (${when})` },
    { route: '/hooks/sonarr', body: sonarrImportComplete(s, eps, hash), says: `Sonarr imports ${label}` },
    ...eps.map((e, i) => inLibrary(libraryEpisode(s, e), `Jellyfin adds ${code(e)}`, i === eps.length - 1 ? expectAfter : undefined, i === 0 ? [librarySeries(s)] : [])),
  ];
}

/** Jellyseerr approves a movie request at once; Radarr grabs a release and imports it. */
function movieImported(m: MovieSpec, says: [request: string, grab: string, imported: string]): Step[] {
  return [
    { route: '/hooks/jellyseerr', body: jellyseerr('MEDIA_AUTO_APPROVED', m), says: says[0] },
    { route: '/hooks/radarr', body: radarrGrab(m), says: says[1] },
    { route: '/hooks/radarr', body: radarrDownload(m), says: says[2] },
  ];
}

export const SCENARIOS: Scenario[] = [
  {
    name: 'Regular movie',
    id: 'jellyseerr-101',
    expectedFinal: 'AVAILABLE',
    steps: [
      { route: '/hooks/jellyseerr', body: jellyseerr('MEDIA_PENDING', dune), says: 'alice requests Dune: Part Two' },
      { route: '/hooks/jellyseerr', body: jellyseerr('MEDIA_APPROVED', dune), says: 'an admin approves it' },
      { route: '/hooks/radarr', body: radarrMovieAdded(dune), says: 'Jellyseerr adds it to Radarr' },
      { route: '/hooks/radarr', body: radarrGrab(dune), says: 'Radarr grabs a release' },
      { route: '/hooks/radarr', body: radarrDownload(dune), says: 'Radarr imports the file' },
      inLibrary(libraryMovie(dune), 'Jellyfin adds the movie', 'AVAILABLE'),
      { route: '/hooks/jellyseerr', body: jellyseerr('MEDIA_AVAILABLE', dune), says: 'Jellyseerr reports it available' },
    ],
  },
  {
    // No Sonarr API here, so no episode list: ten episodes in Jellyfin are not "the whole
    // season" until Jellyseerr, which knows the season's episode count, says it is available.
    name: 'TV season in two parts',
    id: 'jellyseerr-102',
    expectedFinal: 'AVAILABLE',
    steps: [
      { route: '/hooks/jellyseerr', body: jellyseerr('MEDIA_AUTO_APPROVED', bear), says: 'bob requests The Bear season 1 (auto-approved)' },
      { route: '/hooks/sonarr', body: sonarrSeriesAdd(bear), says: 'Jellyseerr adds the series to Sonarr' },
      ...seasonPart(bear, range(1, 1, 5), fakeHash('demo-bear-1'), 'the first release held only these', 'PARTIALLY_AVAILABLE'),
      ...seasonPart(bear, range(1, 6, 10), fakeHash('demo-bear-2'), 'a week later, same request', 'PARTIALLY_AVAILABLE'),
      { route: '/hooks/jellyseerr', body: jellyseerr('MEDIA_AVAILABLE', bear), says: 'Jellyseerr reports the season available', expect: 'AVAILABLE' },
    ],
  },
  {
    // Shoko sees the imported file and matches it with AniDB; Shokofin, which follows Shoko's
    // hub, puts it in its VFS and Jellyfin adds it. Jellyseerr cannot see Shokofin's items (no
    // Tmdb id), so its word comes from its nightly Radarr scan, after the tracker's.
    name: 'Anime movie',
    id: 'jellyseerr-103',
    expectedFinal: 'AVAILABLE',
    steps: [
      ...movieImported(summerGhost, ['carol requests Summer Ghost', 'Radarr grabs it (tagged anime)', 'Radarr imports it']),
      { shoko: { matched: [summerGhostFile] }, says: 'Shoko matches the file with AniDB', expect: 'ANIME_MATCHING' },
      inLibrary(shokofinMovie(summerGhost, summerGhostFile), "Jellyfin adds it from Shokofin's VFS", 'AVAILABLE'),
      { route: '/hooks/jellyseerr', body: jellyseerr('MEDIA_AVAILABLE', summerGhost), says: "Jellyseerr's nightly Radarr scan reports it available", expect: 'AVAILABLE' },
    ],
  },
  {
    // As the anime movie, episode by episode: Jellyfin finds Shokofin's episodes by their Shoko
    // file ids. No Sonarr API here, so no episode list: twelve episodes are the whole season
    // only once Jellyseerr (its nightly Sonarr scan; Shokofin's series has no Tvdb id) says so.
    name: 'Anime TV',
    id: 'jellyseerr-104',
    expectedFinal: 'AVAILABLE',
    steps: [
      { route: '/hooks/jellyseerr', body: jellyseerr('MEDIA_AUTO_APPROVED', dandadan), says: 'alice requests Dan Da Dan season 1' },
      {
        route: '/hooks/sonarr',
        body: sonarrGrab(dandadan, range(1, 1, 12), fakeHash('demo-dandadan'), '[SubsPlease] Dandadan (01-12) (1080p) [Batch]'),
        says: 'Sonarr grabs a 12-episode batch',
      },
      { route: '/hooks/sonarr', body: sonarrImportComplete(dandadan, range(1, 1, 12), fakeHash('demo-dandadan')), says: 'Sonarr imports the batch', expect: 'IMPORTING' },
      { shoko: { matched: dandadanFiles }, says: 'Shoko matches the 12 files with AniDB', expect: 'ANIME_MATCHING' },
      ...range(1, 1, 12).map((e, i) =>
        inLibrary(
          shokofinEpisode(dandadan, e, dandadanFiles[i]!),
          `Jellyfin adds ${code(e)} from Shokofin's VFS`,
          i === 0 || i === 11 ? 'PARTIALLY_AVAILABLE' : undefined,
          i === 0 ? [shokofinSeries(dandadan, dandadanFiles[0]!)] : [],
        ),
      ),
      { route: '/hooks/jellyseerr', body: jellyseerr('MEDIA_AVAILABLE', dandadan), says: "Jellyseerr's nightly Sonarr scan reports the season available", expect: 'AVAILABLE' },
    ],
  },
  {
    // The better release is followed as the request's upgrade: it stays AVAILABLE, and the
    // new file being playable is announced as `upgraded`, not as a second `available`.
    name: 'Movie upgrade',
    id: 'jellyseerr-105',
    expectedFinal: 'AVAILABLE',
    steps: [
      ...movieImported(arrival, ['dave requests Arrival', 'Radarr grabs a 1080p release', 'Radarr imports it']),
      inLibrary(libraryMovie(arrival), 'Jellyfin adds the movie', 'AVAILABLE'),
      { route: '/hooks/radarr', body: radarrGrab(arrival, arrivalUhd), says: 'Radarr grabs a better release (Remux-2160p)', expect: 'AVAILABLE' },
      { route: '/hooks/radarr', body: radarrDownload(arrival, { ...arrivalUhd, upgrade: true }), says: 'Radarr imports the upgrade', expect: 'AVAILABLE' },
      // Jellyfin's ItemDeleted for the old file (the new one has another name) is not replayed:
      // the tracker still takes a movie item's deletion during an upgrade for the movie's.
      {
        ...inLibrary(libraryMovie(arrival, arrivalUhd.quality), 'Jellyfin has the new file: upgraded', 'AVAILABLE'),
        library: { remove: [libraryMovie(arrival).Id], add: [libraryMovie(arrival, arrivalUhd.quality)] },
      },
    ],
  },
];
