/**
 * The four workflows the demo replays, as the webhook calls the real services would make
 * (shapes from protocols.md). Each step is a route and a body.
 */
import {
  fakeHash,
  jellyseerr,
  radarrDownload,
  radarrGrab,
  radarrMovieAdded,
  range,
  sonarrDownload,
  sonarrGrab,
  sonarrImportComplete,
  sonarrSeriesAdd,
  type MovieSpec,
  type ShowSpec,
} from './payloads.js';

export interface Step {
  route: string;
  body: Record<string, unknown>;
  says: string;
}

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
      { route: '/hooks/jellyseerr', body: jellyseerr('MEDIA_AVAILABLE', dune), says: 'Jellyseerr reports it available' },
    ],
  },
  {
    name: 'Regular TV, two grabs',
    id: 'jellyseerr-102',
    expectedFinal: 'AVAILABLE',
    steps: [
      { route: '/hooks/jellyseerr', body: jellyseerr('MEDIA_AUTO_APPROVED', bear), says: 'bob requests The Bear season 1 (auto-approved)' },
      { route: '/hooks/sonarr', body: sonarrSeriesAdd(bear), says: 'Jellyseerr adds the series to Sonarr' },
      { route: '/hooks/sonarr', body: sonarrGrab(bear, range(1, 1, 4), fakeHash('demo-bear-1')), says: 'Sonarr grabs episodes 1–4' },
      { route: '/hooks/sonarr', body: sonarrGrab(bear, range(1, 5, 8), fakeHash('demo-bear-2')), says: 'Sonarr grabs episodes 5–8' },
      ...range(1, 1, 4).map((e) => ({ route: '/hooks/sonarr', body: sonarrDownload(bear, e, fakeHash('demo-bear-1')), says: `Sonarr imports S01E0${e.episode}` })),
      { route: '/hooks/sonarr', body: sonarrImportComplete(bear, range(1, 5, 8), fakeHash('demo-bear-2')), says: 'Sonarr imports episodes 5–8 at once' },
      { route: '/hooks/jellyseerr', body: jellyseerr('MEDIA_AVAILABLE', bear), says: 'Jellyseerr reports the season available' },
    ],
  },
  {
    name: 'Anime movie',
    id: 'jellyseerr-103',
    expectedFinal: 'IMPORTING',
    steps: [
      { route: '/hooks/jellyseerr', body: jellyseerr('MEDIA_AUTO_APPROVED', summerGhost), says: 'carol requests Summer Ghost' },
      { route: '/hooks/radarr', body: radarrGrab(summerGhost), says: 'Radarr grabs it (tagged anime)' },
      { route: '/hooks/radarr', body: radarrDownload(summerGhost), says: 'Radarr imports it; Shoko matching follows' },
    ],
  },
  {
    name: 'Anime TV',
    id: 'jellyseerr-104',
    expectedFinal: 'IMPORTING',
    steps: [
      { route: '/hooks/jellyseerr', body: jellyseerr('MEDIA_AUTO_APPROVED', dandadan), says: 'alice requests Dan Da Dan season 1' },
      {
        route: '/hooks/sonarr',
        body: sonarrGrab(dandadan, range(1, 1, 12), fakeHash('demo-dandadan'), '[SubsPlease] Dandadan (01-12) (1080p) [Batch]'),
        says: 'Sonarr grabs a 12-episode batch',
      },
      { route: '/hooks/sonarr', body: sonarrImportComplete(dandadan, range(1, 1, 12), fakeHash('demo-dandadan')), says: 'Sonarr imports the batch' },
    ],
  },
];
