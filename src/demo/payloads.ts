/**
 * Builders for real-shaped webhook bodies (docs/upstreams.md §1–3): Jellyseerr's all-strings
 * default template, Sonarr v4 and Radarr v5 payloads with nulls omitted and upper-case
 * download ids. Used by the demo, the tests and the benchmarks.
 */

export interface MovieSpec {
  requestId: number;
  tmdbId: number;
  title: string;
  year: number;
  radarrId: number;
  hash: string;
  requestedBy?: string;
  anime?: boolean;
}

export interface ShowSpec {
  requestId: number;
  tmdbId: number;
  tvdbId: number;
  title: string;
  year: number;
  sonarrId: number;
  seasons: number[];
  requestedBy?: string;
  anime?: boolean;
}

export type JellyseerrType = 'MEDIA_PENDING' | 'MEDIA_APPROVED' | 'MEDIA_AUTO_APPROVED' | 'MEDIA_AVAILABLE' | 'MEDIA_DECLINED' | 'MEDIA_FAILED' | 'TEST_NOTIFICATION';

const EVENT_TEXT: Record<string, [string, string]> = {
  MEDIA_PENDING: ['New Movie Request', 'New Series Request'],
  MEDIA_APPROVED: ['Movie Request Approved', 'Series Request Approved'],
  MEDIA_AUTO_APPROVED: ['Movie Request Automatically Approved', 'Series Request Automatically Approved'],
  MEDIA_AVAILABLE: ['Movie Request Now Available', 'Series Request Now Available'],
  MEDIA_DECLINED: ['Movie Request Declined', 'Series Request Declined'],
  MEDIA_FAILED: ['Movie Request Failed', 'Series Request Failed'],
};

export function jellyseerr(type: JellyseerrType, media: MovieSpec | ShowSpec): Record<string, unknown> {
  const tv = 'tvdbId' in media;
  const user = media.requestedBy ?? 'alice';
  return {
    notification_type: type,
    event: EVENT_TEXT[type]?.[tv ? 1 : 0] ?? '',
    subject: `${media.title} (${media.year})`,
    message: `${media.title} overview.`,
    image: `https://image.tmdb.org/t/p/w600_and_h900_bestv2/${media.tmdbId}.jpg`,
    media: {
      media_type: tv ? 'tv' : 'movie',
      tmdbId: String(media.tmdbId),
      tvdbId: tv ? String(media.tvdbId) : '',
      status: type === 'MEDIA_AVAILABLE' ? 'AVAILABLE' : 'PROCESSING',
      status4k: 'UNKNOWN',
    },
    request: {
      request_id: String(media.requestId),
      requestedBy_email: `${user}@example.com`,
      requestedBy_username: user,
      requestedBy_avatar: '/avatarproxy/5d0c3a0e8a7b4e36b1c2d3e4f5a6b7c8',
      requestedBy_settings_discordId: '',
      requestedBy_settings_telegramChatId: '',
    },
    issue: null,
    comment: null,
    extra: tv ? [{ name: 'Requested Seasons', value: media.seasons.join(', ') }] : [],
  };
}

const movieFolder = (m: MovieSpec) => `/data/${m.anime ? 'anime/movies' : 'movies'}/${m.title} (${m.year})`;

/** Where Radarr imports a movie's file (`movieFile.path`). */
export function movieFilePath(m: MovieSpec, quality = 'Bluray-1080p'): string {
  return `${movieFolder(m)}/${m.title} (${m.year}) [${quality}].mkv`;
}

function radarrMovie(m: MovieSpec): Record<string, unknown> {
  return {
    id: m.radarrId,
    title: m.title,
    year: m.year,
    releaseDate: `${m.year}-05-14`,
    folderPath: movieFolder(m),
    tmdbId: m.tmdbId,
    imdbId: `tt${m.tmdbId}`,
    overview: `${m.title} overview.`,
    genres: m.anime ? ['Animation', 'Anime'] : ['Drama'],
    images: [{ coverType: 'poster', url: `/MediaCover/${m.radarrId}/poster.jpg`, remoteUrl: `https://image.tmdb.org/t/p/original/${m.tmdbId}.jpg` }],
    tags: m.anime ? ['anime', `${m.requestId} - alice`] : [`${m.requestId} - alice`],
    originalLanguage: { id: m.anime ? 8 : 1, name: m.anime ? 'Japanese' : 'English' },
  };
}

const envelope = (app: 'Radarr' | 'Sonarr') => ({ instanceName: app, applicationUrl: '' });

/** A release of a movie: the first grab's, or a better one for an upgrade. */
export interface MovieRelease {
  /** Radarr's quality name (default `Bluray-1080p`); also in the file name. */
  quality?: string;
  /** Default: the spec's hash. */
  hash?: string;
}

const resolution = (quality: string) => /\d{3,4}p/.exec(quality)?.[0] ?? quality;

export function radarrGrab(m: MovieSpec, rel: MovieRelease = {}): Record<string, unknown> {
  const quality = rel.quality ?? 'Bluray-1080p';
  return {
    movie: radarrMovie(m),
    remoteMovie: { tmdbId: m.tmdbId, imdbId: `tt${m.tmdbId}`, title: m.title, year: m.year },
    release: {
      quality,
      qualityVersion: 1,
      releaseGroup: 'GROUP',
      releaseTitle: `${m.title.replace(/\W+/g, '.')}.${m.year}.${resolution(quality)}.${quality.split('-')[0]!.replace('Bluray', 'BluRay')}.x264-GROUP`,
      indexer: 'TorrentLeech (Prowlarr)',
      size: 15_032_385_536,
      customFormatScore: 0,
      customFormats: [],
      languages: [{ id: 1, name: 'English' }],
      indexerFlags: [],
    },
    downloadClient: 'qBittorrent',
    downloadClientType: 'qBittorrent',
    downloadId: (rel.hash ?? m.hash).toUpperCase(),
    customFormatInfo: { customFormats: [], customFormatScore: 0 },
    eventType: 'Grab',
    ...envelope('Radarr'),
  };
}

/** The import; `upgrade`: the file replaces one of lower quality (Radarr's `isUpgrade`). */
export function radarrDownload(m: MovieSpec, opts: MovieRelease & { manual?: boolean; upgrade?: boolean } = {}): Record<string, unknown> {
  const quality = opts.quality ?? 'Bluray-1080p';
  const path = movieFilePath(m, quality);
  return {
    movie: radarrMovie(m),
    remoteMovie: { tmdbId: m.tmdbId, imdbId: `tt${m.tmdbId}`, title: m.title, year: m.year },
    movieFile: {
      // Radarr never reuses a file id: an upgrade's file is a new one.
      id: m.radarrId * 10 + (opts.upgrade ? 8 : 7),
      relativePath: path.slice(movieFolder(m).length + 1),
      path,
      quality,
      qualityVersion: 1,
      releaseGroup: 'GROUP',
      indexerFlags: '0',
      size: 15_032_385_536,
      dateAdded: '2025-03-14T18:21:40.5512345Z',
      languages: [{ id: 1, name: 'English' }],
    },
    isUpgrade: opts.upgrade ?? false,
    ...(opts.manual ? {} : { downloadClient: 'qBittorrent', downloadClientType: 'qBittorrent', downloadId: (opts.hash ?? m.hash).toUpperCase() }),
    customFormatInfo: { customFormats: [], customFormatScore: 0 },
    release: opts.manual ? { size: 0, indexerFlags: [] } : { releaseTitle: `${m.title}.${m.year}.${resolution(quality)}`, indexer: 'TorrentLeech (Prowlarr)', size: 15_032_385_536, indexerFlags: [] },
    eventType: 'Download',
    ...envelope('Radarr'),
  };
}

export function radarrMovieAdded(m: MovieSpec): Record<string, unknown> {
  return { movie: radarrMovie(m), addMethod: 'manual', eventType: 'MovieAdded', ...envelope('Radarr') };
}

export function radarrMovieDelete(m: MovieSpec): Record<string, unknown> {
  return { movie: radarrMovie(m), deletedFiles: true, movieFolderSize: 15_032_385_536, eventType: 'MovieDelete', ...envelope('Radarr') };
}

const seriesFolder = (s: ShowSpec) => `/data/${s.anime ? 'anime' : 'tv'}/${s.title}`;

function sonarrSeries(s: ShowSpec): Record<string, unknown> {
  return {
    id: s.sonarrId,
    title: s.title,
    titleSlug: s.title.toLowerCase().replace(/\W+/g, '-'),
    path: seriesFolder(s),
    tvdbId: s.tvdbId,
    tvMazeId: 0,
    tmdbId: s.tmdbId,
    type: s.anime ? 'anime' : 'standard',
    year: s.year,
    genres: s.anime ? ['Animation', 'Anime'] : ['Drama'],
    images: [{ coverType: 'poster', url: `/MediaCover/${s.sonarrId}/poster.jpg`, remoteUrl: `https://artworks.thetvdb.com/banners/${s.tvdbId}.jpg` }],
    tags: [`${s.requestId} - alice`],
  };
}

export interface EpisodeSpec {
  season: number;
  episode: number;
}

export function episodeId(s: ShowSpec, e: EpisodeSpec): number {
  return s.sonarrId * 10_000 + e.season * 100 + e.episode;
}

function sonarrEpisodes(s: ShowSpec, eps: EpisodeSpec[]): Array<Record<string, unknown>> {
  return eps.map((e) => ({
    id: episodeId(s, e),
    episodeNumber: e.episode,
    seasonNumber: e.season,
    title: `Episode ${e.episode}`,
    airDate: `${s.year}-01-${String(e.episode).padStart(2, '0')}`,
    airDateUtc: `${s.year}-01-${String(e.episode).padStart(2, '0')}T20:00:00Z`,
    seriesId: s.sonarrId,
    tvdbId: s.tvdbId * 100 + e.episode,
  }));
}

export function range(season: number, from: number, to: number): EpisodeSpec[] {
  return Array.from({ length: to - from + 1 }, (_, i) => ({ season, episode: from + i }));
}

const sxe = (e: EpisodeSpec) => `S${String(e.season).padStart(2, '0')}E${String(e.episode).padStart(2, '0')}`;

export function sonarrGrab(s: ShowSpec, eps: EpisodeSpec[], hash: string, releaseTitle?: string): Record<string, unknown> {
  return {
    series: sonarrSeries(s),
    episodes: sonarrEpisodes(s, eps),
    release: {
      quality: 'WEBDL-1080p',
      qualityVersion: 1,
      releaseGroup: 'SubsPlease',
      releaseTitle: releaseTitle ?? `${s.title.replace(/\W+/g, '.')}.${eps.length > 1 ? `S${String(eps[0]!.season).padStart(2, '0')}` : sxe(eps[0]!)}.1080p.WEB-DL`,
      indexer: 'Nyaa (Prowlarr)',
      size: 1_400_000_000 * eps.length,
      customFormatScore: 0,
      customFormats: [],
      languages: [{ id: 1, name: 'English' }],
    },
    downloadClient: 'qBittorrent',
    downloadClientType: 'qBittorrent',
    downloadId: hash.toUpperCase(),
    customFormatInfo: { customFormats: [], customFormatScore: 0 },
    eventType: 'Grab',
    ...envelope('Sonarr'),
  };
}

const episodeRelative = (s: ShowSpec, e: EpisodeSpec) => `Season ${String(e.season).padStart(2, '0')}/${s.title} - ${sxe(e)} - Episode ${e.episode} [WEBDL-1080p].mkv`;

/** Where Sonarr imports an episode's file (`episodeFile.path`). */
export function episodeFilePath(s: ShowSpec, e: EpisodeSpec): string {
  return `${seriesFolder(s)}/${episodeRelative(s, e)}`;
}

function episodeFile(s: ShowSpec, e: EpisodeSpec): Record<string, unknown> {
  return {
    id: episodeId(s, e) + 500_000,
    relativePath: episodeRelative(s, e),
    path: episodeFilePath(s, e),
    quality: 'WEBDL-1080p',
    qualityVersion: 1,
    releaseGroup: 'SubsPlease',
    size: 1_400_000_000,
    dateAdded: '2025-03-14T18:21:40.5512345Z',
    languages: [{ id: 1, name: 'English' }],
  };
}

/** The per-file `Download` event ("On File Import"). */
export function sonarrDownload(s: ShowSpec, e: EpisodeSpec, hash: string | null): Record<string, unknown> {
  return {
    series: sonarrSeries(s),
    episodes: sonarrEpisodes(s, [e]),
    episodeFile: { ...episodeFile(s, e), sourcePath: `/downloads/tv-sonarr/${s.title}/${sxe(e)}.mkv` },
    isUpgrade: false,
    ...(hash ? { downloadClient: 'qBittorrent', downloadClientType: 'qBittorrent', downloadId: hash.toUpperCase() } : {}),
    customFormatInfo: { customFormats: [], customFormatScore: 0 },
    release: hash ? { releaseTitle: `${s.title} pack`, indexer: 'Nyaa (Prowlarr)', size: 1_400_000_000, releaseType: 'seasonPack' } : { releaseType: 'unknown' },
    eventType: 'Download',
    ...envelope('Sonarr'),
  };
}

/** The import-complete `Download` event (v4.0.6+): `episodeFiles[]`, no `episodeFile`. */
export function sonarrImportComplete(s: ShowSpec, eps: EpisodeSpec[], hash: string | null): Record<string, unknown> {
  return {
    series: sonarrSeries(s),
    episodes: sonarrEpisodes(s, eps),
    episodeFiles: eps.map((e) => episodeFile(s, e)),
    fileCount: eps.length,
    ...(hash ? { downloadClient: 'qBittorrent', downloadClientType: 'qBittorrent', downloadId: hash.toUpperCase() } : {}),
    release: { releaseTitle: `${s.title} pack`, indexer: 'Nyaa (Prowlarr)', size: 1_400_000_000 * eps.length, releaseType: 'seasonPack' },
    sourcePath: `/downloads/tv-sonarr/${s.title}`,
    destinationPath: `${String(sonarrSeries(s).path)}/Season ${String(eps[0]?.season ?? 1).padStart(2, '0')}`,
    eventType: 'Download',
    ...envelope('Sonarr'),
  };
}

export function sonarrSeriesAdd(s: ShowSpec): Record<string, unknown> {
  return { series: sonarrSeries(s), eventType: 'SeriesAdd', ...envelope('Sonarr') };
}

export function sonarrSeriesDelete(s: ShowSpec): Record<string, unknown> {
  return { series: sonarrSeries(s), deletedFiles: true, eventType: 'SeriesDelete', ...envelope('Sonarr') };
}

export function sonarrEpisodeFileDelete(s: ShowSpec, e: EpisodeSpec, reason = 'manual'): Record<string, unknown> {
  return { series: sonarrSeries(s), episodes: sonarrEpisodes(s, [e]), episodeFile: episodeFile(s, e), deleteReason: reason, eventType: 'EpisodeFileDelete', ...envelope('Sonarr') };
}

export function sonarrManualInteraction(s: ShowSpec, eps: EpisodeSpec[], hash: string, message: string): Record<string, unknown> {
  return {
    series: sonarrSeries(s),
    episodes: sonarrEpisodes(s, eps),
    downloadInfo: { quality: 'WEBDL-1080p', qualityVersion: 1, title: `${s.title} pack`, size: 1_400_000_000 * eps.length },
    downloadClient: 'qBittorrent',
    downloadClientType: 'qBittorrent',
    downloadId: hash.toUpperCase(),
    downloadStatus: 'Warning',
    downloadStatusMessages: [{ title: `${s.title} pack`, messages: [message] }],
    customFormatInfo: { customFormats: [], customFormatScore: 0 },
    release: { releaseTitle: `${s.title} pack`, indexer: 'Nyaa (Prowlarr)', size: 1_400_000_000 * eps.length, releaseType: 'seasonPack' },
    eventType: 'ManualInteractionRequired',
    ...envelope('Sonarr'),
  };
}

/** A deterministic 40-hex-digit info-hash for a label. */
export function fakeHash(label: string): string {
  let h = 0x811c9dc5;
  let out = '';
  for (let round = 0; out.length < 40; round++) {
    for (const ch of `${label}:${round}`) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193) >>> 0;
    out += h.toString(16).padStart(8, '0');
  }
  return out.slice(0, 40);
}
