/**
 * Radarr v5/v6 webhook → normalised events (protocols.md §2). Pure: no I/O, no clock.
 *
 * Dedup key scheme (same upstream fact ⇒ same key; `<i>` is the normalised instance name):
 *   radarr:<i>:add:<movie.id>                              MovieAdded
 *   radarr:<i>:grab:<hash | release title>:<movie.id>      Grab
 *   radarr:<i>:download:<movieFile.id>                     Download
 *   radarr:<i>:delete:<movie.id>                           MovieDelete
 *   radarr:<i>:file-delete:<movieFile.id>                  MovieFileDelete
 *   radarr:<i>:blocked:<hash | download title>             ManualInteractionRequired
 * Radarr ids are never reused (autoincrement), so a re-added movie or a new file gets a new key.
 */
import * as z from 'zod';
import type { AnimeVerdict, ArrRef, Match, MediaInfo, ReleaseInfo, UnstampedEvent } from '../domain/events.js';
import type { AdapterContext, ParseResult } from './types.js';
import {
  animeByRules,
  ArrEnvelopeSchema,
  ArrImageSchema,
  blockedMessage,
  compact,
  fail,
  idOrNull,
  ignored,
  instanceName,
  normaliseHash,
  posterUrl,
  readDiscriminator,
  StatusMessageSchema,
  stringOrNull,
  validate,
} from './validation.js';

// ---------------------------------------------------------------------------------------------
// Schemas (§2.1, §2.2). Nulls are omitted, unknown keys pass through.
// ---------------------------------------------------------------------------------------------

export const RADARR_EVENT_TYPES = [
  'Test',
  'Grab',
  'Download',
  'Rename',
  'MovieAdded',
  'MovieDelete',
  'MovieFileDelete',
  'Health',
  'HealthRestored',
  'ApplicationUpdate',
  'ManualInteractionRequired',
] as const;
export type RadarrEventType = (typeof RADARR_EVENT_TYPES)[number];

export const RadarrMovieSchema = z.looseObject({
  id: z.int(),
  title: z.string(),
  year: z.int().nullish(),
  releaseDate: z.string().nullish(),
  folderPath: z.string().nullish(),
  tmdbId: z.int(),
  imdbId: z.string().nullish(),
  overview: z.string().nullish(),
  genres: z.array(z.string()).nullish(),
  images: z.array(ArrImageSchema).nullish(),
  tags: z.array(z.string()).nullish(),
});
export type RadarrMovie = z.output<typeof RadarrMovieSchema>;

export const RadarrRemoteMovieSchema = z.looseObject({
  tmdbId: z.int().nullish(),
  imdbId: z.string().nullish(),
  title: z.string().nullish(),
  year: z.int().nullish(),
});

/** `release` on Grab (WebhookRelease). */
export const RadarrGrabReleaseSchema = z.looseObject({
  quality: z.string().nullish(),
  qualityVersion: z.int().nullish(),
  releaseGroup: z.string().nullish(),
  releaseTitle: z.string().nullish(),
  indexer: z.string().nullish(),
  size: z.number().nullish(),
  indexerFlags: z.array(z.string()).nullish(),
});

/** `release` on Download / ManualInteractionRequired (WebhookGrabbedRelease; `size` 0 when unknown). */
export const RadarrGrabbedReleaseSchema = z.looseObject({
  releaseTitle: z.string().nullish(),
  indexer: z.string().nullish(),
  size: z.number().nullish(),
});

export const RadarrMovieFileSchema = z.looseObject({
  id: z.int(),
  relativePath: z.string().nullish(),
  path: z.string(),
  quality: z.string().nullish(),
  qualityVersion: z.int().nullish(),
  releaseGroup: z.string().nullish(),
  sceneName: z.string().nullish(),
  /** A string in Radarr (`"0"`, `"G_Freeleech, G_Internal"`). */
  indexerFlags: z.string().nullish(),
  size: z.number().nullish(),
  dateAdded: z.string().nullish(),
  sourcePath: z.string().nullish(),
});

const download = {
  downloadClient: z.string().nullish(),
  downloadClientType: z.string().nullish(),
  downloadId: z.string().nullish(),
};

export const RadarrGrabSchema = ArrEnvelopeSchema.extend({
  eventType: z.literal('Grab'),
  movie: RadarrMovieSchema,
  remoteMovie: RadarrRemoteMovieSchema.nullish(),
  release: RadarrGrabReleaseSchema,
  ...download,
});

export const RadarrDownloadSchema = ArrEnvelopeSchema.extend({
  eventType: z.literal('Download'),
  movie: RadarrMovieSchema,
  remoteMovie: RadarrRemoteMovieSchema.nullish(),
  movieFile: RadarrMovieFileSchema,
  isUpgrade: z.boolean().nullish(),
  release: RadarrGrabbedReleaseSchema.nullish(),
  ...download,
});

export const RadarrMovieAddedSchema = ArrEnvelopeSchema.extend({
  eventType: z.literal('MovieAdded'),
  movie: RadarrMovieSchema,
  /** `manual` | `list` | `collection`. */
  addMethod: z.string().nullish(),
});

export const RadarrMovieDeleteSchema = ArrEnvelopeSchema.extend({
  eventType: z.literal('MovieDelete'),
  movie: RadarrMovieSchema,
  deletedFiles: z.boolean().nullish(),
  movieFolderSize: z.number().nullish(),
});

export const RadarrMovieFileDeleteSchema = ArrEnvelopeSchema.extend({
  eventType: z.literal('MovieFileDelete'),
  movie: RadarrMovieSchema,
  movieFile: RadarrMovieFileSchema,
  deleteReason: z.string().nullish(),
});

export const RadarrManualInteractionSchema = ArrEnvelopeSchema.extend({
  eventType: z.literal('ManualInteractionRequired'),
  movie: RadarrMovieSchema,
  downloadInfo: z
    .looseObject({
      quality: z.string().nullish(),
      qualityVersion: z.int().nullish(),
      title: z.string().nullish(),
      size: z.number().nullish(),
    })
    .nullish(),
  downloadStatus: z.string().nullish(),
  downloadStatusMessages: z.array(StatusMessageSchema).nullish(),
  release: RadarrGrabbedReleaseSchema.nullish(),
  ...download,
});

type RemoteMovie = z.output<typeof RadarrRemoteMovieSchema>;

// ---------------------------------------------------------------------------------------------
// Parsing
// ---------------------------------------------------------------------------------------------

const IRRELEVANT: Partial<Record<RadarrEventType, string>> = {
  Test: 'Radarr test event',
  Health: 'Radarr health check',
  HealthRestored: 'Radarr health check restored',
  ApplicationUpdate: 'Radarr application update',
  Rename: 'Radarr file rename',
};

interface Common {
  instance: string;
  arr: ArrRef;
  media: MediaInfo;
  anime: AnimeVerdict;
}

function common(
  movie: RadarrMovie,
  remote: RemoteMovie | null | undefined,
  instanceNameField: string | null | undefined,
  ctx: AdapterContext,
): Common {
  const instance = instanceName(ctx, instanceNameField, 'radarr');
  return {
    instance,
    arr: { service: 'radarr', instance, id: movie.id },
    media: movieMedia(movie, remote),
    anime: radarrAnime(movie, ctx),
  };
}

export function movieMedia(movie: RadarrMovie, remote?: RemoteMovie | null): MediaInfo {
  const year = movie.year || remote?.year || undefined;
  return compact<MediaInfo>({
    media_type: 'movie',
    title: movie.title,
    year,
    tmdb_id: idOrNull(movie.tmdbId) ?? idOrNull(remote?.tmdbId),
    imdb_id: stringOrNull(movie.imdbId) ?? stringOrNull(remote?.imdbId),
    poster_url: posterUrl(movie.images),
  });
}

/** A configured anime tag, else a configured folder pattern; otherwise not anime. */
export function radarrAnime(movie: RadarrMovie, ctx: AdapterContext): AnimeVerdict {
  return (
    animeByRules('radarr', movie.tags, movie.folderPath, ctx) ?? {
      is_anime: false,
      source: 'radarr: no anime tag or folder',
    }
  );
}

function match(c: Common, hash: string | null, scope: Match['scope']): Match {
  return compact<Match>({
    media_type: 'movie',
    hash: hash ?? undefined,
    arr: c.arr,
    tmdb_id: typeof c.media.tmdb_id === 'number' ? c.media.tmdb_id : undefined,
    scope,
  });
}

/** Parses one Radarr webhook body. */
export function parseRadarr(body: unknown, ctx: AdapterContext): ParseResult {
  const head = readDiscriminator(body, 'eventType', RADARR_EVENT_TYPES);
  if (!head.ok) return fail(head.errors);
  const eventType = head.value;

  const irrelevant = IRRELEVANT[eventType];
  if (irrelevant !== undefined) {
    const env = validate(ArrEnvelopeSchema, head.body);
    if (!env.ok) return fail(env.errors);
    return ignored(`${irrelevant}, nothing to track`);
  }

  switch (eventType) {
    case 'Grab':
      return grab(head.body, ctx);
    case 'Download':
      return downloadFile(head.body, ctx);
    case 'MovieAdded':
      return movieAdded(head.body, ctx);
    case 'MovieDelete':
      return movieDelete(head.body, ctx);
    case 'MovieFileDelete':
      return movieFileDelete(head.body, ctx);
    case 'ManualInteractionRequired':
      return manualInteraction(head.body, ctx);
    default:
      // Unreachable: every accepted value is handled above.
      return ignored(`Radarr ${eventType} event, nothing to track`);
  }
}

function grab(body: unknown, ctx: AdapterContext): ParseResult {
  const v = validate(RadarrGrabSchema, body);
  if (!v.ok) return fail(v.errors);
  const p = v.data;
  const c = common(p.movie, p.remoteMovie, p.instanceName, ctx);
  const hash = normaliseHash(p.downloadId);
  const release = compact<ReleaseInfo>({
    title: p.release.releaseTitle ?? undefined,
    size: p.release.size ? p.release.size : null,
    quality: p.release.quality ?? undefined,
    indexer: p.release.indexer ?? undefined,
    download_client: p.downloadClient ?? undefined,
  });
  const event: UnstampedEvent = {
    kind: 'grabbed',
    key: `radarr:${c.instance}:grab:${hash ?? p.release.releaseTitle ?? 'unknown'}:${p.movie.id}`,
    source: 'radarr',
    match: match(c, hash, 'active'),
    arr: c.arr,
    media: c.media,
    anime: c.anime,
    hash,
    release,
    episodes: [],
  };
  return { ok: true, events: [event], note: `Radarr grab of ${p.movie.title}` };
}

function downloadFile(body: unknown, ctx: AdapterContext): ParseResult {
  const v = validate(RadarrDownloadSchema, body);
  if (!v.ok) return fail(v.errors);
  const p = v.data;
  const c = common(p.movie, p.remoteMovie, p.instanceName, ctx);
  const hash = normaliseHash(p.downloadId);
  const event: UnstampedEvent = {
    kind: 'imported',
    key: `radarr:${c.instance}:download:${p.movieFile.id}`,
    source: 'radarr',
    match: match(c, hash, 'active'),
    arr: c.arr,
    media: c.media,
    anime: c.anime,
    hash,
    files: [{ path: p.movieFile.path, episodes: [] }],
    episodes: [],
    is_upgrade: p.isUpgrade ?? false,
  };
  return { ok: true, events: [event], note: `Radarr imported ${p.movie.title}` };
}

function movieAdded(body: unknown, ctx: AdapterContext): ParseResult {
  const v = validate(RadarrMovieAddedSchema, body);
  if (!v.ok) return fail(v.errors);
  const p = v.data;
  const c = common(p.movie, null, p.instanceName, ctx);
  const event: UnstampedEvent = {
    kind: 'media_added',
    key: `radarr:${c.instance}:add:${p.movie.id}`,
    source: 'radarr',
    match: match(c, null, 'active'),
    arr: c.arr,
    media: c.media,
    anime: c.anime,
  };
  return { ok: true, events: [event], note: `Radarr added movie ${p.movie.title}` };
}

function movieDelete(body: unknown, ctx: AdapterContext): ParseResult {
  const v = validate(RadarrMovieDeleteSchema, body);
  if (!v.ok) return fail(v.errors);
  const p = v.data;
  const c = common(p.movie, null, p.instanceName, ctx);
  const event: UnstampedEvent = {
    kind: 'deleted',
    key: `radarr:${c.instance}:delete:${p.movie.id}`,
    source: 'radarr',
    match: match(c, null, 'any'),
    scope: 'media',
    episodes: [],
    reason: `Radarr: movie deleted (${p.deletedFiles ? 'files deleted' : 'files kept'})`,
  };
  return { ok: true, events: [event], note: `Radarr deleted movie ${p.movie.title}` };
}

function movieFileDelete(body: unknown, ctx: AdapterContext): ParseResult {
  const v = validate(RadarrMovieFileDeleteSchema, body);
  if (!v.ok) return fail(v.errors);
  const p = v.data;
  if (p.deleteReason === 'upgrade') {
    return ignored(`Radarr movie file of ${p.movie.title} replaced by an upgrade, nothing to track`);
  }
  const c = common(p.movie, null, p.instanceName, ctx);
  const event: UnstampedEvent = {
    kind: 'deleted',
    key: `radarr:${c.instance}:file-delete:${p.movieFile.id}`,
    source: 'radarr',
    match: match(c, null, 'any'),
    scope: 'files',
    episodes: [],
    reason: `Radarr: movie file deleted (${p.deleteReason ?? 'unknown reason'})`,
  };
  return { ok: true, events: [event], note: `Radarr deleted the file of ${p.movie.title}` };
}

function manualInteraction(body: unknown, ctx: AdapterContext): ParseResult {
  const v = validate(RadarrManualInteractionSchema, body);
  if (!v.ok) return fail(v.errors);
  const p = v.data;
  const c = common(p.movie, null, p.instanceName, ctx);
  const hash = normaliseHash(p.downloadId);
  const ref = hash ?? p.downloadInfo?.title ?? p.release?.releaseTitle ?? `movie-${p.movie.id}`;
  const event: UnstampedEvent = {
    kind: 'import_blocked',
    key: `radarr:${c.instance}:blocked:${ref}`,
    source: 'radarr',
    match: match(c, hash, 'active'),
    arr: c.arr,
    hash,
    message: blockedMessage('Radarr', p.downloadStatusMessages, p.downloadStatus),
    episodes: [],
  };
  return { ok: true, events: [event], note: `Radarr import blocked for ${p.movie.title}` };
}
