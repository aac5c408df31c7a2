/**
 * Radarr v5/v6 webhook → normalised events (docs/upstreams.md §2). Pure: no I/O, no clock.
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
import type { AnimeVerdict, MediaInfo } from '../../domain/events.js';
import * as arr from '../arr/adapter.js';
import type { AdapterContext, ParseResult } from '../../adapters/types.js';
import { animeByRules, ArrEnvelopeSchema, ArrImageSchema, compact, idOrNull, lenient, normaliseHash, OptionalId, PositiveId, posterUrl, stringOrNull } from '../../adapters/validation.js';

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
  id: PositiveId,
  title: z.string(),
  year: lenient(z.int()),
  releaseDate: lenient(z.string()),
  folderPath: lenient(z.string()),
  /** 0 when unknown. */
  tmdbId: OptionalId,
  imdbId: lenient(z.string()),
  overview: lenient(z.string()),
  genres: lenient(z.array(z.string())),
  images: lenient(z.array(ArrImageSchema)),
  tags: lenient(z.array(z.string())),
});
export type RadarrMovie = z.output<typeof RadarrMovieSchema>;

export const RadarrRemoteMovieSchema = z.looseObject({
  tmdbId: OptionalId,
  imdbId: lenient(z.string()),
  title: lenient(z.string()),
  year: lenient(z.int()),
});

/** `release` on Grab (WebhookRelease). */
export const RadarrGrabReleaseSchema = arr.GrabReleaseSchema.extend({
  indexerFlags: lenient(z.array(z.string())),
});

/** `release` on Download / ManualInteractionRequired (WebhookGrabbedRelease; `size` 0 when unknown). */
export const RadarrGrabbedReleaseSchema = arr.GrabbedReleaseSchema;

// `indexerFlags` stands where Radarr sends it, after `sceneName`: errors are listed in field order.
const { size, dateAdded, sourcePath, ...fileHead } = arr.FileSchema.shape;
export const RadarrMovieFileSchema = z.looseObject({
  ...fileHead,
  /** A string in Radarr (`"0"`, `"G_Freeleech, G_Internal"`). */
  indexerFlags: lenient(z.string()),
  size,
  dateAdded,
  sourcePath,
});

export const RadarrGrabSchema = ArrEnvelopeSchema.extend({
  eventType: z.literal('Grab'),
  movie: RadarrMovieSchema,
  remoteMovie: lenient(RadarrRemoteMovieSchema),
  release: RadarrGrabReleaseSchema,
  ...arr.downloadFields,
});

export const RadarrDownloadSchema = ArrEnvelopeSchema.extend({
  eventType: z.literal('Download'),
  movie: RadarrMovieSchema,
  remoteMovie: lenient(RadarrRemoteMovieSchema),
  movieFile: RadarrMovieFileSchema,
  isUpgrade: lenient(z.boolean()),
  release: lenient(RadarrGrabbedReleaseSchema),
  ...arr.downloadFields,
});

export const RadarrMovieAddedSchema = ArrEnvelopeSchema.extend({
  eventType: z.literal('MovieAdded'),
  movie: RadarrMovieSchema,
  /** `manual` | `list` | `collection`. */
  addMethod: lenient(z.string()),
});

export const RadarrMovieDeleteSchema = ArrEnvelopeSchema.extend({
  eventType: z.literal('MovieDelete'),
  movie: RadarrMovieSchema,
  deletedFiles: lenient(z.boolean()),
  movieFolderSize: lenient(z.number()),
});

export const RadarrMovieFileDeleteSchema = ArrEnvelopeSchema.extend({
  eventType: z.literal('MovieFileDelete'),
  movie: RadarrMovieSchema,
  movieFile: arr.DeletedFileSchema,
  deleteReason: lenient(z.string()),
});

export const RadarrManualInteractionSchema = ArrEnvelopeSchema.extend({
  eventType: z.literal('ManualInteractionRequired'),
  movie: RadarrMovieSchema,
  ...arr.blockedFields,
  release: lenient(RadarrGrabbedReleaseSchema),
  ...arr.downloadFields,
});

type RemoteMovie = z.output<typeof RadarrRemoteMovieSchema>;

// ---------------------------------------------------------------------------------------------
// Parsing
// ---------------------------------------------------------------------------------------------

function subject(movie: RadarrMovie, remote: RemoteMovie | null | undefined, instanceNameField: string | null | undefined, ctx: AdapterContext): arr.Subject {
  return arr.subject('radarr', movie.id, instanceNameField, ctx, movieMedia(movie, remote), radarrAnime(movie, ctx));
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

/** Parses one Radarr webhook body. */
export function parseRadarr(body: unknown, ctx: AdapterContext): ParseResult {
  return arr.parseWebhook('radarr', RADARR_EVENT_TYPES, HANDLERS, body, ctx);
}

const grab = arr.handler(RadarrGrabSchema, (p, ctx) => {
  const s = subject(p.movie, p.remoteMovie, p.instanceName, ctx);
  const hash = normaliseHash(p.downloadId);
  return arr.accepted(
    {
      kind: 'grabbed',
      ...arr.eventHead(s, `grab:${hash ?? p.release.releaseTitle ?? 'unknown'}:${p.movie.id}`, hash, 'active'),
      ...arr.description(s),
      hash,
      release: arr.grabRelease(p.release, p),
      episodes: [],
    },
    `Radarr grab of ${p.movie.title}`,
  );
});

const downloadFile = arr.handler(RadarrDownloadSchema, (p, ctx) => {
  const s = subject(p.movie, p.remoteMovie, p.instanceName, ctx);
  const hash = normaliseHash(p.downloadId);
  return arr.accepted(
    {
      kind: 'imported',
      ...arr.eventHead(s, `download:${p.movieFile.id}`, hash, 'active'),
      ...arr.description(s),
      hash,
      files: [{ path: p.movieFile.path, episodes: [] }],
      episodes: [],
      is_upgrade: p.isUpgrade ?? false,
    },
    `Radarr imported ${p.movie.title}`,
  );
});

const movieAdded = arr.handler(RadarrMovieAddedSchema, (p, ctx) => {
  const s = subject(p.movie, null, p.instanceName, ctx);
  return arr.accepted({ kind: 'media_added', ...arr.eventHead(s, `add:${p.movie.id}`, null, 'active'), ...arr.description(s) }, `Radarr added movie ${p.movie.title}`);
});

const movieDelete = arr.handler(RadarrMovieDeleteSchema, (p, ctx) => arr.mediaDeleted(subject(p.movie, null, p.instanceName, ctx), 'movie', p.movie.title, p.deletedFiles));

const movieFileDelete = arr.handler(RadarrMovieFileDeleteSchema, (p, ctx) =>
  arr.fileDeleted(
    subject(p.movie, null, p.instanceName, ctx),
    { id: p.movieFile.id, what: 'movie file', of: p.movie.title, deleteReason: p.deleteReason, episodes: [] },
    `Radarr deleted the file of ${p.movie.title}`,
  ),
);

const manualInteraction = arr.handler(RadarrManualInteractionSchema, (p, ctx) => arr.importBlocked(subject(p.movie, null, p.instanceName, ctx), p, 'movie', p.movie.title, []));

const HANDLERS = {
  Grab: grab,
  Download: downloadFile,
  MovieAdded: movieAdded,
  MovieDelete: movieDelete,
  MovieFileDelete: movieFileDelete,
  ManualInteractionRequired: manualInteraction,
};
