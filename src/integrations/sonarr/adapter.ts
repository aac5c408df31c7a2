/**
 * Sonarr v4 webhook → normalised events (docs/upstreams.md §1). Pure: no I/O, no clock.
 *
 * Dedup key scheme (same upstream fact ⇒ same key; `<i>` is the normalised instance name):
 *   sonarr:<i>:add:<series.id>                                      SeriesAdd
 *   sonarr:<i>:grab:<hash | release title>:<sorted episode ids>     Grab
 *   sonarr:<i>:download:<episodeFile.id>                            Download (per file)
 *   sonarr:<i>:download-complete:<hash | "manual">:<sorted file ids> Download (import complete)
 *   sonarr:<i>:delete:<series.id>                                   SeriesDelete
 *   sonarr:<i>:file-delete:<episodeFile.id>                         EpisodeFileDelete
 *   sonarr:<i>:blocked:<hash | download title>                      ManualInteractionRequired
 * Episode/file ids are sorted numerically and comma-joined, so ordering in the payload never
 * changes a key. Sonarr ids are never reused (autoincrement), so a re-added series or a new
 * file gets a new key.
 */
import * as z from 'zod';
import type { AnimeVerdict, EpisodeRef, ImportedFile, MediaInfo } from '../../domain/events.js';
import * as arr from '../arr/adapter.js';
import { keyList } from '../arr/map.js';
import type { AdapterContext, ParseResult } from '../../adapters/types.js';
import {
  animeByRules,
  ArrEnvelopeSchema,
  ArrImageSchema,
  compact,
  episodeRef,
  idList,
  idOrNull,
  lenient,
  normaliseHash,
  OptionalId,
  parseEpisodeNumbers,
  PositiveId,
  posterUrl,
  sortEpisodes,
  stringOrNull,
} from '../../adapters/validation.js';

// ---------------------------------------------------------------------------------------------
// Schemas (§1.4, §1.5). Null values are omitted by Sonarr, so everything not always sent is
// optional; unknown keys pass through.
// ---------------------------------------------------------------------------------------------

export const SONARR_EVENT_TYPES = [
  'Test',
  'Grab',
  'Download',
  'Rename',
  'SeriesAdd',
  'SeriesDelete',
  'EpisodeFileDelete',
  'Health',
  'HealthRestored',
  'ApplicationUpdate',
  'ManualInteractionRequired',
] as const;
export type SonarrEventType = (typeof SONARR_EVENT_TYPES)[number];

export const SonarrSeriesSchema = z.looseObject({
  id: PositiveId,
  title: z.string(),
  titleSlug: lenient(z.string()),
  path: lenient(z.string()),
  tvdbId: OptionalId,
  tvMazeId: lenient(z.int()),
  /** Since v4.0.5; 0 when unknown. */
  tmdbId: OptionalId,
  imdbId: lenient(z.string()),
  /** `standard` | `daily` | `anime` (kept open for future values). */
  type: z.string(),
  year: lenient(z.int()),
  genres: lenient(z.array(z.string())),
  images: lenient(z.array(ArrImageSchema)),
  tags: lenient(z.array(z.string())),
});
export type SonarrSeries = z.output<typeof SonarrSeriesSchema>;

export const SonarrEpisodeSchema = z.looseObject({
  id: PositiveId,
  episodeNumber: z.int().min(0),
  seasonNumber: z.int().min(0),
  title: lenient(z.string()),
  overview: lenient(z.string()),
  airDate: lenient(z.string()),
  airDateUtc: lenient(z.string()),
  seriesId: lenient(z.int()),
  tvdbId: lenient(z.int()),
});
export type SonarrEpisode = z.output<typeof SonarrEpisodeSchema>;

/** `release` on Grab (WebhookRelease). */
export const SonarrGrabReleaseSchema = arr.GrabReleaseSchema;

/** `release` on Download / import complete / ManualInteractionRequired (WebhookGrabbedRelease). */
export const SonarrGrabbedReleaseSchema = arr.GrabbedReleaseSchema.extend({
  releaseType: lenient(z.string()),
});

export const SonarrEpisodeFileSchema = arr.FileSchema;
export type SonarrEpisodeFile = z.output<typeof SonarrEpisodeFileSchema>;

export const SonarrGrabSchema = ArrEnvelopeSchema.extend({
  eventType: z.literal('Grab'),
  series: SonarrSeriesSchema,
  episodes: z.array(SonarrEpisodeSchema),
  release: SonarrGrabReleaseSchema,
  ...arr.downloadFields,
});

export const SonarrDownloadSchema = ArrEnvelopeSchema.extend({
  eventType: z.literal('Download'),
  series: SonarrSeriesSchema,
  episodes: z.array(SonarrEpisodeSchema),
  episodeFile: SonarrEpisodeFileSchema,
  isUpgrade: lenient(z.boolean()),
  release: lenient(SonarrGrabbedReleaseSchema),
  ...arr.downloadFields,
});

export const SonarrImportCompleteSchema = ArrEnvelopeSchema.extend({
  eventType: z.literal('Download'),
  series: SonarrSeriesSchema,
  episodes: z.array(SonarrEpisodeSchema),
  episodeFiles: z.array(SonarrEpisodeFileSchema),
  fileCount: lenient(z.int()),
  sourcePath: lenient(z.string()),
  destinationPath: lenient(z.string()),
  release: lenient(SonarrGrabbedReleaseSchema),
  ...arr.downloadFields,
});

export const SonarrSeriesAddSchema = ArrEnvelopeSchema.extend({
  eventType: z.literal('SeriesAdd'),
  series: SonarrSeriesSchema,
});

export const SonarrSeriesDeleteSchema = ArrEnvelopeSchema.extend({
  eventType: z.literal('SeriesDelete'),
  series: SonarrSeriesSchema,
  deletedFiles: lenient(z.boolean()),
});

export const SonarrEpisodeFileDeleteSchema = ArrEnvelopeSchema.extend({
  eventType: z.literal('EpisodeFileDelete'),
  series: SonarrSeriesSchema,
  episodes: z.array(SonarrEpisodeSchema),
  episodeFile: arr.DeletedFileSchema,
  /** `missingFromDisk` | `manual` | `upgrade` | `noLinkedEpisodes` | `manualOverride`. */
  deleteReason: lenient(z.string()),
});

export const SonarrManualInteractionSchema = ArrEnvelopeSchema.extend({
  eventType: z.literal('ManualInteractionRequired'),
  series: SonarrSeriesSchema,
  episodes: z.array(SonarrEpisodeSchema),
  ...arr.blockedFields,
  release: lenient(SonarrGrabbedReleaseSchema),
  ...arr.downloadFields,
});

// ---------------------------------------------------------------------------------------------
// Parsing
// ---------------------------------------------------------------------------------------------

function subject(series: SonarrSeries, instanceNameField: string | null | undefined, ctx: AdapterContext): arr.Subject {
  return arr.subject('sonarr', series.id, instanceNameField, ctx, seriesMedia(series), sonarrAnime(series, ctx));
}

export function seriesMedia(series: SonarrSeries): MediaInfo {
  return compact<MediaInfo>({
    media_type: 'tv',
    title: series.title,
    year: series.year ? series.year : undefined,
    tmdb_id: idOrNull(series.tmdbId),
    tvdb_id: idOrNull(series.tvdbId),
    imdb_id: stringOrNull(series.imdbId),
    poster_url: posterUrl(series.images),
  });
}

/** Series type `anime` wins; otherwise the configured tags / folder patterns; else not anime. */
export function sonarrAnime(series: SonarrSeries, ctx: AdapterContext): AnimeVerdict {
  const type = series.type.toLowerCase();
  if (type === 'anime') return { is_anime: true, source: 'sonarr series type "anime"' };
  return (
    animeByRules('sonarr', series.tags, series.path, ctx) ?? {
      is_anime: false,
      source: `sonarr series type "${series.type}"`,
    }
  );
}

function episodes(list: readonly SonarrEpisode[]): EpisodeRef[] {
  return sortEpisodes(list.map(episodeRef));
}

/**
 * The episodes of `payloadEpisodes` that a file contains, from the SxxEyy token(s) of its
 * relative path, absolute path or scene name. `[]` when nothing matches: files are never
 * paired with episodes by position.
 */
export function fileEpisodes(file: SonarrEpisodeFile, payloadEpisodes: readonly SonarrEpisode[]): EpisodeRef[] {
  for (const name of [file.relativePath, file.path, file.sceneName]) {
    if (!name) continue;
    const numbers = parseEpisodeNumbers(name);
    if (numbers.length === 0) continue;
    const found = payloadEpisodes.filter((e) => numbers.some((n) => n.season === e.seasonNumber && n.episode === e.episodeNumber));
    if (found.length > 0) return episodes(found);
  }
  return [];
}

/** Parses one Sonarr webhook body. */
export function parseSonarr(body: unknown, ctx: AdapterContext): ParseResult {
  return arr.parseWebhook('sonarr', SONARR_EVENT_TYPES, HANDLERS, body, ctx);
}

const grab = arr.handler(SonarrGrabSchema, (p, ctx) => {
  const s = subject(p.series, p.instanceName, ctx);
  const hash = normaliseHash(p.downloadId);
  const eps = episodes(p.episodes);
  const ref = hash ?? p.release.releaseTitle ?? 'unknown';
  return arr.accepted(
    {
      kind: 'grabbed',
      // The reconciler's key for the same grab (a pack of more than 20 episodes is a digest in both).
      ...arr.eventHead(s, `grab:${ref}:${keyList(p.episodes.map((e) => e.id))}`, hash, 'active'),
      ...arr.description(s),
      hash,
      release: arr.grabRelease(p.release, p),
      episodes: eps,
    },
    `Sonarr grab of ${eps.length} episode(s) of ${p.series.title}`,
  );
});

const downloadFile = arr.handler(SonarrDownloadSchema, (p, ctx) => {
  const s = subject(p.series, p.instanceName, ctx);
  const hash = normaliseHash(p.downloadId);
  const eps = episodes(p.episodes);
  const files: ImportedFile[] = [{ path: p.episodeFile.path, episodes: eps }];
  return arr.accepted(
    {
      kind: 'imported',
      ...arr.eventHead(s, `download:${p.episodeFile.id}`, hash, 'active'),
      ...arr.description(s),
      hash,
      files,
      episodes: eps,
      is_upgrade: p.isUpgrade ?? false,
    },
    `Sonarr imported 1 file of ${p.series.title}`,
  );
});

const importComplete = arr.handler(SonarrImportCompleteSchema, (p, ctx) => {
  const s = subject(p.series, p.instanceName, ctx);
  const hash = normaliseHash(p.downloadId);
  const files: ImportedFile[] = p.episodeFiles.map((f) => ({ path: f.path, episodes: fileEpisodes(f, p.episodes) }));
  return arr.accepted(
    {
      kind: 'imported',
      ...arr.eventHead(s, `download-complete:${hash ?? 'manual'}:${idList(p.episodeFiles.map((f) => f.id))}`, hash, 'active'),
      ...arr.description(s),
      hash,
      files,
      episodes: episodes(p.episodes),
      is_upgrade: false,
    },
    `Sonarr import complete: ${files.length} file(s) of ${p.series.title}`,
  );
});

const seriesAdd = arr.handler(SonarrSeriesAddSchema, (p, ctx) => {
  const s = subject(p.series, p.instanceName, ctx);
  return arr.accepted({ kind: 'media_added', ...arr.eventHead(s, `add:${p.series.id}`, null, 'active'), ...arr.description(s) }, `Sonarr added series ${p.series.title}`);
});

const seriesDelete = arr.handler(SonarrSeriesDeleteSchema, (p, ctx) => arr.mediaDeleted(subject(p.series, p.instanceName, ctx), 'series', p.series.title, p.deletedFiles));

const episodeFileDelete = arr.handler(SonarrEpisodeFileDeleteSchema, (p, ctx) =>
  arr.fileDeleted(
    subject(p.series, p.instanceName, ctx),
    { id: p.episodeFile.id, what: 'episode file', of: p.series.title, deleteReason: p.deleteReason, episodes: episodes(p.episodes) },
    `Sonarr deleted an episode file of ${p.series.title}`,
  ),
);

const manualInteraction = arr.handler(SonarrManualInteractionSchema, (p, ctx) => arr.importBlocked(subject(p.series, p.instanceName, ctx), p, 'series', p.series.title, episodes(p.episodes)));

/** Import complete (v4.0.6+) is also `Download`; only the body shape tells them apart. */
const download: arr.Handler = (body, ctx) => ('episodeFiles' in body && !('episodeFile' in body) ? importComplete(body, ctx) : downloadFile(body, ctx));

const HANDLERS = {
  Grab: grab,
  Download: download,
  SeriesAdd: seriesAdd,
  SeriesDelete: seriesDelete,
  EpisodeFileDelete: episodeFileDelete,
  ManualInteractionRequired: manualInteraction,
};
