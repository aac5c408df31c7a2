/**
 * Sonarr v4 webhook → normalised events (protocols.md §1). Pure: no I/O, no clock.
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
import type {
  AnimeVerdict,
  ArrRef,
  EpisodeRef,
  ImportedFile,
  Match,
  MediaInfo,
  ReleaseInfo,
  UnstampedEvent,
} from '../domain/events.js';
import type { AdapterContext, ParseResult } from './types.js';
import {
  animeByRules,
  blockedMessage,
  ArrEnvelopeSchema,
  ArrImageSchema,
  compact,
  episodeRef,
  fail,
  idList,
  idOrNull,
  ignored,
  instanceName,
  normaliseHash,
  parseEpisodeNumbers,
  posterUrl,
  readDiscriminator,
  sortEpisodes,
  StatusMessageSchema,
  stringOrNull,
  validate,
} from './validation.js';

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
  id: z.int(),
  title: z.string(),
  titleSlug: z.string().nullish(),
  path: z.string().nullish(),
  tvdbId: z.int(),
  tvMazeId: z.int().nullish(),
  /** Since v4.0.5; 0 when unknown. */
  tmdbId: z.int().nullish(),
  imdbId: z.string().nullish(),
  /** `standard` | `daily` | `anime` (kept open for future values). */
  type: z.string(),
  year: z.int().nullish(),
  genres: z.array(z.string()).nullish(),
  images: z.array(ArrImageSchema).nullish(),
  tags: z.array(z.string()).nullish(),
});
export type SonarrSeries = z.output<typeof SonarrSeriesSchema>;

export const SonarrEpisodeSchema = z.looseObject({
  id: z.int(),
  episodeNumber: z.int(),
  seasonNumber: z.int(),
  title: z.string().nullish(),
  overview: z.string().nullish(),
  airDate: z.string().nullish(),
  airDateUtc: z.string().nullish(),
  seriesId: z.int().nullish(),
  tvdbId: z.int().nullish(),
});
export type SonarrEpisode = z.output<typeof SonarrEpisodeSchema>;

/** `release` on Grab (WebhookRelease). */
export const SonarrGrabReleaseSchema = z.looseObject({
  quality: z.string().nullish(),
  qualityVersion: z.int().nullish(),
  releaseGroup: z.string().nullish(),
  releaseTitle: z.string().nullish(),
  indexer: z.string().nullish(),
  size: z.number().nullish(),
});

/** `release` on Download / import complete / ManualInteractionRequired (WebhookGrabbedRelease). */
export const SonarrGrabbedReleaseSchema = z.looseObject({
  releaseTitle: z.string().nullish(),
  indexer: z.string().nullish(),
  size: z.number().nullish(),
  releaseType: z.string().nullish(),
});

export const SonarrEpisodeFileSchema = z.looseObject({
  id: z.int(),
  relativePath: z.string().nullish(),
  path: z.string(),
  quality: z.string().nullish(),
  qualityVersion: z.int().nullish(),
  releaseGroup: z.string().nullish(),
  sceneName: z.string().nullish(),
  size: z.number().nullish(),
  dateAdded: z.string().nullish(),
  sourcePath: z.string().nullish(),
});
export type SonarrEpisodeFile = z.output<typeof SonarrEpisodeFileSchema>;

const download = {
  downloadClient: z.string().nullish(),
  downloadClientType: z.string().nullish(),
  downloadId: z.string().nullish(),
};

export const SonarrGrabSchema = ArrEnvelopeSchema.extend({
  eventType: z.literal('Grab'),
  series: SonarrSeriesSchema,
  episodes: z.array(SonarrEpisodeSchema),
  release: SonarrGrabReleaseSchema,
  ...download,
});

export const SonarrDownloadSchema = ArrEnvelopeSchema.extend({
  eventType: z.literal('Download'),
  series: SonarrSeriesSchema,
  episodes: z.array(SonarrEpisodeSchema),
  episodeFile: SonarrEpisodeFileSchema,
  isUpgrade: z.boolean().nullish(),
  release: SonarrGrabbedReleaseSchema.nullish(),
  ...download,
});

export const SonarrImportCompleteSchema = ArrEnvelopeSchema.extend({
  eventType: z.literal('Download'),
  series: SonarrSeriesSchema,
  episodes: z.array(SonarrEpisodeSchema),
  episodeFiles: z.array(SonarrEpisodeFileSchema),
  fileCount: z.int().nullish(),
  sourcePath: z.string().nullish(),
  destinationPath: z.string().nullish(),
  release: SonarrGrabbedReleaseSchema.nullish(),
  ...download,
});

export const SonarrSeriesAddSchema = ArrEnvelopeSchema.extend({
  eventType: z.literal('SeriesAdd'),
  series: SonarrSeriesSchema,
});

export const SonarrSeriesDeleteSchema = ArrEnvelopeSchema.extend({
  eventType: z.literal('SeriesDelete'),
  series: SonarrSeriesSchema,
  deletedFiles: z.boolean().nullish(),
});

export const SonarrEpisodeFileDeleteSchema = ArrEnvelopeSchema.extend({
  eventType: z.literal('EpisodeFileDelete'),
  series: SonarrSeriesSchema,
  episodes: z.array(SonarrEpisodeSchema),
  episodeFile: SonarrEpisodeFileSchema,
  /** `missingFromDisk` | `manual` | `upgrade` | `noLinkedEpisodes` | `manualOverride`. */
  deleteReason: z.string().nullish(),
});

export const SonarrManualInteractionSchema = ArrEnvelopeSchema.extend({
  eventType: z.literal('ManualInteractionRequired'),
  series: SonarrSeriesSchema,
  episodes: z.array(SonarrEpisodeSchema),
  downloadInfo: z
    .looseObject({
      quality: z.string().nullish(),
      qualityVersion: z.int().nullish(),
      title: z.string().nullish(),
      size: z.number().nullish(),
    })
    .nullish(),
  /** `Ok` | `Warning` | `Error` (PascalCase). */
  downloadStatus: z.string().nullish(),
  downloadStatusMessages: z.array(StatusMessageSchema).nullish(),
  release: SonarrGrabbedReleaseSchema.nullish(),
  ...download,
});

// ---------------------------------------------------------------------------------------------
// Parsing
// ---------------------------------------------------------------------------------------------

const IRRELEVANT: Partial<Record<SonarrEventType, string>> = {
  Test: 'Sonarr test event',
  Health: 'Sonarr health check',
  HealthRestored: 'Sonarr health check restored',
  ApplicationUpdate: 'Sonarr application update',
  Rename: 'Sonarr file rename',
};

interface Common {
  instance: string;
  arr: ArrRef;
  media: MediaInfo;
  anime: AnimeVerdict;
}

function common(series: SonarrSeries, instanceNameField: string | null | undefined, ctx: AdapterContext): Common {
  const instance = instanceName(ctx, instanceNameField, 'sonarr');
  return {
    instance,
    arr: { service: 'sonarr', instance, id: series.id },
    media: seriesMedia(series),
    anime: sonarrAnime(series, ctx),
  };
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

function match(c: Common, series: SonarrSeries, hash: string | null, scope: Match['scope']): Match {
  return compact<Match>({
    media_type: 'tv',
    hash: hash ?? undefined,
    arr: c.arr,
    tmdb_id: idOrNull(series.tmdbId) ?? undefined,
    tvdb_id: idOrNull(series.tvdbId) ?? undefined,
    scope,
  });
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
    const found = payloadEpisodes.filter((e) =>
      numbers.some((n) => n.season === e.seasonNumber && n.episode === e.episodeNumber),
    );
    if (found.length > 0) return episodes(found);
  }
  return [];
}

function grabRelease(
  release: z.output<typeof SonarrGrabReleaseSchema>,
  downloadClient: string | null | undefined,
): ReleaseInfo {
  return compact<ReleaseInfo>({
    title: release.releaseTitle ?? undefined,
    size: release.size ? release.size : null,
    quality: release.quality ?? undefined,
    indexer: release.indexer ?? undefined,
    download_client: downloadClient ?? undefined,
  });
}

/** Parses one Sonarr webhook body. */
export function parseSonarr(body: unknown, ctx: AdapterContext): ParseResult {
  const head = readDiscriminator(body, 'eventType', SONARR_EVENT_TYPES);
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
      // Import complete (v4.0.6+) is also `Download`; only the body shape tells them apart.
      return 'episodeFiles' in head.body && !('episodeFile' in head.body)
        ? importComplete(head.body, ctx)
        : downloadFile(head.body, ctx);
    case 'SeriesAdd':
      return seriesAdd(head.body, ctx);
    case 'SeriesDelete':
      return seriesDelete(head.body, ctx);
    case 'EpisodeFileDelete':
      return episodeFileDelete(head.body, ctx);
    case 'ManualInteractionRequired':
      return manualInteraction(head.body, ctx);
    default:
      // Unreachable: every accepted value is handled above.
      return ignored(`Sonarr ${eventType} event, nothing to track`);
  }
}

function grab(body: unknown, ctx: AdapterContext): ParseResult {
  const v = validate(SonarrGrabSchema, body);
  if (!v.ok) return fail(v.errors);
  const p = v.data;
  const c = common(p.series, p.instanceName, ctx);
  const hash = normaliseHash(p.downloadId);
  const eps = episodes(p.episodes);
  const ref = hash ?? p.release.releaseTitle ?? 'unknown';
  const event: UnstampedEvent = {
    kind: 'grabbed',
    key: `sonarr:${c.instance}:grab:${ref}:${idList(p.episodes.map((e) => e.id))}`,
    source: 'sonarr',
    match: match(c, p.series, hash, 'active'),
    arr: c.arr,
    media: c.media,
    anime: c.anime,
    hash,
    release: grabRelease(p.release, p.downloadClient),
    episodes: eps,
  };
  return { ok: true, events: [event], note: `Sonarr grab of ${eps.length} episode(s) of ${p.series.title}` };
}

function downloadFile(body: unknown, ctx: AdapterContext): ParseResult {
  const v = validate(SonarrDownloadSchema, body);
  if (!v.ok) return fail(v.errors);
  const p = v.data;
  const c = common(p.series, p.instanceName, ctx);
  const hash = normaliseHash(p.downloadId);
  const eps = episodes(p.episodes);
  const files: ImportedFile[] = [{ path: p.episodeFile.path, episodes: eps }];
  const event: UnstampedEvent = {
    kind: 'imported',
    key: `sonarr:${c.instance}:download:${p.episodeFile.id}`,
    source: 'sonarr',
    match: match(c, p.series, hash, 'active'),
    arr: c.arr,
    media: c.media,
    anime: c.anime,
    hash,
    files,
    episodes: eps,
    is_upgrade: p.isUpgrade ?? false,
  };
  return { ok: true, events: [event], note: `Sonarr imported 1 file of ${p.series.title}` };
}

function importComplete(body: unknown, ctx: AdapterContext): ParseResult {
  const v = validate(SonarrImportCompleteSchema, body);
  if (!v.ok) return fail(v.errors);
  const p = v.data;
  const c = common(p.series, p.instanceName, ctx);
  const hash = normaliseHash(p.downloadId);
  const files: ImportedFile[] = p.episodeFiles.map((f) => ({ path: f.path, episodes: fileEpisodes(f, p.episodes) }));
  const event: UnstampedEvent = {
    kind: 'imported',
    key: `sonarr:${c.instance}:download-complete:${hash ?? 'manual'}:${idList(p.episodeFiles.map((f) => f.id))}`,
    source: 'sonarr',
    match: match(c, p.series, hash, 'active'),
    arr: c.arr,
    media: c.media,
    anime: c.anime,
    hash,
    files,
    episodes: episodes(p.episodes),
    is_upgrade: false,
  };
  return {
    ok: true,
    events: [event],
    note: `Sonarr import complete: ${files.length} file(s) of ${p.series.title}`,
  };
}

function seriesAdd(body: unknown, ctx: AdapterContext): ParseResult {
  const v = validate(SonarrSeriesAddSchema, body);
  if (!v.ok) return fail(v.errors);
  const p = v.data;
  const c = common(p.series, p.instanceName, ctx);
  const event: UnstampedEvent = {
    kind: 'media_added',
    key: `sonarr:${c.instance}:add:${p.series.id}`,
    source: 'sonarr',
    match: match(c, p.series, null, 'active'),
    arr: c.arr,
    media: c.media,
    anime: c.anime,
  };
  return { ok: true, events: [event], note: `Sonarr added series ${p.series.title}` };
}

function seriesDelete(body: unknown, ctx: AdapterContext): ParseResult {
  const v = validate(SonarrSeriesDeleteSchema, body);
  if (!v.ok) return fail(v.errors);
  const p = v.data;
  const c = common(p.series, p.instanceName, ctx);
  const event: UnstampedEvent = {
    kind: 'deleted',
    key: `sonarr:${c.instance}:delete:${p.series.id}`,
    source: 'sonarr',
    match: match(c, p.series, null, 'any'),
    scope: 'media',
    episodes: [],
    reason: `Sonarr: series deleted (${p.deletedFiles ? 'files deleted' : 'files kept'})`,
  };
  return { ok: true, events: [event], note: `Sonarr deleted series ${p.series.title}` };
}

function episodeFileDelete(body: unknown, ctx: AdapterContext): ParseResult {
  const v = validate(SonarrEpisodeFileDeleteSchema, body);
  if (!v.ok) return fail(v.errors);
  const p = v.data;
  if (p.deleteReason === 'upgrade') {
    return ignored(`Sonarr episode file of ${p.series.title} replaced by an upgrade, nothing to track`);
  }
  const c = common(p.series, p.instanceName, ctx);
  const event: UnstampedEvent = {
    kind: 'deleted',
    key: `sonarr:${c.instance}:file-delete:${p.episodeFile.id}`,
    source: 'sonarr',
    match: match(c, p.series, null, 'any'),
    scope: 'files',
    episodes: episodes(p.episodes),
    reason: `Sonarr: episode file deleted (${p.deleteReason ?? 'unknown reason'})`,
  };
  return { ok: true, events: [event], note: `Sonarr deleted an episode file of ${p.series.title}` };
}

function manualInteraction(body: unknown, ctx: AdapterContext): ParseResult {
  const v = validate(SonarrManualInteractionSchema, body);
  if (!v.ok) return fail(v.errors);
  const p = v.data;
  const c = common(p.series, p.instanceName, ctx);
  const hash = normaliseHash(p.downloadId);
  const ref = hash ?? p.downloadInfo?.title ?? p.release?.releaseTitle ?? `series-${p.series.id}`;
  const event: UnstampedEvent = {
    kind: 'import_blocked',
    key: `sonarr:${c.instance}:blocked:${ref}`,
    source: 'sonarr',
    match: match(c, p.series, hash, 'active'),
    arr: c.arr,
    hash,
    message: blockedMessage('Sonarr', p.downloadStatusMessages, p.downloadStatus),
    episodes: episodes(p.episodes),
  };
  return { ok: true, events: [event], note: `Sonarr import blocked for ${p.series.title}` };
}
