/**
 * Sonarr/Radarr REST snapshots → normalised events, for the requests the webhooks left
 * behind (docs/lessons.md B1–B9, docs/upstreams.md §1.8, §2.4–2.5). Pure: no I/O, no clock; the
 * reconciler fetches a snapshot, calls `reconcileRadarr`/`reconcileSonarr` (snapshot.ts), ingests the
 * result. This module holds what every part shares and the file/gone events; the queue and
 * history rules are in downloads.ts, the wanted roster in roster.ts.
 *
 * What a snapshot proves, per open request of the instance:
 *   queue `importBlocked` / `importPending` with warnings → `import_blocked` (the *arr's own words)
 *   queue `failedPending` / `failed` (nothing else queued for it) → `download_failed`
 *   queue download whose hash the request does not know      → `grabbed` (qBittorrent can follow it)
 *   movie `hasFile` / episode `hasFile`, not yet imported   → `imported` (B1, B2, B4)
 *   history `downloadFailed` for a tracked hash, not replaced by a later grab → `download_failed`
 *   a linked movie/series missing from two snapshots in a row → `deleted` (scope media)
 * A "searching for long, nothing grabbed" reason (B8) is NOT derived here: the release
 * rejections need `GET /api/v3/release`, an expensive indexer search per item. The stuck
 * monitor's plain timeout covers SEARCHING for now.
 *
 * Dedup keys (same fact ⇒ same key; `<i>` = the configured instance name):
 *   reconcile:<i>:file:<sorted file ids>           imported (movie file / episode files)
 *   reconcile:<i>:failed:<hash>                    download_failed (queue and history alike)
 *   reconcile:<i>:blocked:<hash>:<message digest>  import_blocked (a new message is a new fact)
 *   reconcile:<i>:gone:<movie/series id>           deleted
 *   <service>:<i>:grab:<hash>:<movie id | sorted episode ids>   grabbed — the Grab webhook's own
 *     key, so a webhook arriving after the reconciler (or before) is a duplicate, not a second grab.
 * Every event also carries `match.request_id`: it was computed for that request.
 */
import { compact, episodeRef, idList, idOrNull, posterUrl, sortEpisodes, stringOrNull } from '../../adapters/validation.js';
import { isRequested } from '../../domain/episodes.js';
import type { AnimeVerdict, ArrRef, EpisodeRef, ImportedFile, Match, MediaInfo, UnstampedEvent } from '../../domain/events.js';
import { episodeKey, type MediaRequest } from '../../domain/model.js';
import type { State } from '../../domain/states.js';
import type { ApiEpisode, ApiMovie, ApiSeries, HistoryRecord, QueueRecord } from './api.js';

export type ArrService = 'sonarr' | 'radarr';

export interface ArrInstance {
  service: ArrService;
  /** How the service is named in texts (its descriptor's label). */
  label: string;
  /** Instance name from the options (`radarr[].name`). */
  name: string;
  /**
   * The only configured instance of its service. Then every request linked to this service is
   * ours, whatever instance name its webhooks used (`/hooks/radarr` without a name links to the
   * payload's `instanceName`, which may differ from the configured name).
   */
  sole: boolean;
}

// ---------------------------------------------------------------------------------------------
// Which requests, which stages
// ---------------------------------------------------------------------------------------------

/** `linked`: the request's *arr record is in this instance; `unlinked`: not linked yet, but could be. */
export type Ownership = 'linked' | 'unlinked' | null;

export function ownership(r: MediaRequest, inst: ArrInstance): Ownership {
  if (r.media_type !== (inst.service === 'radarr' ? 'movie' : 'tv')) return null;
  if (r.arr) {
    if (r.arr.service !== inst.service) return null;
    return r.arr.instance === inst.name || inst.sole ? 'linked' : null;
  }
  if (inst.service === 'radarr') return r.tmdb_id ? 'unlinked' : null;
  return r.tvdb_id || r.tmdb_id ? 'unlinked' : null;
}

/** Stages where a file in the *arr is news: the import has not been seen yet. */
const BEFORE_IMPORT: ReadonlySet<State> = new Set<State>(['REQUESTED', 'APPROVED', 'SEARCHING', 'GRABBING', 'DOWNLOADING', 'DOWNLOADED', 'FAILED']);

export function movieWantsFile(r: MediaRequest): boolean {
  return BEFORE_IMPORT.has(r.state);
}

/**
 * TV: the episode belongs to the request and its import has not been seen. An episode the
 * request does not track yet counts only when its season was requested explicitly (a request
 * created from a Sonarr grab has no requested seasons: the rest of the series is not ours).
 */
export function episodeWantsFile(r: MediaRequest, season: number, episode: number): boolean {
  const ep = r.episodes[episodeKey(season, episode)];
  if (!ep) return r.requested_seasons.includes(season);
  if (!isRequested(r, ep)) return false;
  return BEFORE_IMPORT.has(ep.state) || ep.state === 'DELETED';
}

/** TV: a requested season has no known episode yet, or a known episode was not imported. */
export function tvWantsFiles(r: MediaRequest): boolean {
  const eps = Object.values(r.episodes);
  if (r.requested_seasons.some((s) => !eps.some((e) => e.season === s))) return true;
  return eps.some((e) => isRequested(r, e) && (BEFORE_IMPORT.has(e.state) || e.state === 'DELETED'));
}

// ---------------------------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------------------------

/** 32-bit FNV-1a as 8 hex digits: a short, stable digest for keys. */
export function digest(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h.toString(16).padStart(8, '0');
}

/** Sorted ids for a key; long lists (a 100-episode pack) become `<count>x<digest>`. */
export function keyList(ids: readonly number[]): string {
  const list = idList(ids);
  const count = new Set(ids).size;
  return count <= 20 ? list : `${count}x${digest(list)}`;
}

export function movieInfo(m: ApiMovie): MediaInfo {
  return compact<MediaInfo>({
    media_type: 'movie',
    title: m.title ?? undefined,
    year: m.year || undefined,
    tmdb_id: idOrNull(m.tmdbId),
    imdb_id: stringOrNull(m.imdbId),
    poster_url: posterUrl(m.images),
  });
}

export function seriesInfo(s: ApiSeries): MediaInfo {
  return compact<MediaInfo>({
    media_type: 'tv',
    title: s.title ?? undefined,
    year: s.year || undefined,
    tmdb_id: idOrNull(s.tmdbId),
    tvdb_id: idOrNull(s.tvdbId),
    imdb_id: stringOrNull(s.imdbId),
    poster_url: posterUrl(s.images),
  });
}

/**
 * Only Sonarr's `anime` series type is a verdict here: the tag/folder rules need the adapter
 * context, and "not anime" must not pre-empt a webhook that applies them (anime is decided once).
 */
export function seriesAnime(s: ApiSeries): AnimeVerdict | undefined {
  return s.seriesType?.toLowerCase() === 'anime' ? { is_anime: true, source: 'sonarr series type "anime"' } : undefined;
}

/**
 * The library file behind a series snapshot changed when any season's file count changed:
 * `null` when Sonarr sent no statistics (then the episodes must be read every time).
 */
export function seriesSignature(s: ApiSeries): string | null {
  const seasons = s.seasons ?? [];
  if (!s.statistics && !seasons.some((x) => x.statistics)) return null;
  // Files, and the season's episode count and monitoring when Sonarr gives them: a new episode
  // or an unmonitored season changes the wanted roster.
  const parts = seasons.map((x) => {
    const total = x.statistics?.totalEpisodeCount;
    return `${x.seasonNumber}:${x.statistics?.episodeFileCount ?? '?'}${total != null ? `/${total}` : ''}${x.monitored === false ? '-' : ''}`;
  });
  return `${parts.join(',')}|${s.statistics?.episodeFileCount ?? '?'}`;
}

// ---------------------------------------------------------------------------------------------
// Per-request target
// ---------------------------------------------------------------------------------------------

/** One open request and what the instance knows about its movie/series. */
export interface Target {
  inst: ArrInstance;
  request: MediaRequest;
  /** The request's own link when it has one, else this instance's record. */
  arr: ArrRef;
  media: MediaInfo;
  anime?: AnimeVerdict;
  /** Radarr: the movie has a file. */
  hasFile?: boolean;
}

export function matchOf(t: Target, hash: string | null, scope: Match['scope']): Match {
  const r = t.request;
  const tmdb = t.media.tmdb_id ?? r.tmdb_id;
  const tvdb = t.media.tvdb_id ?? r.tvdb_id;
  return compact<Match>({
    request_id: r.id,
    media_type: r.media_type,
    hash: hash ?? undefined,
    arr: t.arr,
    tmdb_id: tmdb ?? undefined,
    tvdb_id: tvdb ?? undefined,
    scope,
  });
}

export const isTv = (t: Target): boolean => t.request.media_type === 'tv';

/** Episodes of queue/history records: the embedded `episode`, else the request's episode with that Sonarr id. */
export function recordEpisodes(r: MediaRequest, records: ReadonlyArray<QueueRecord | HistoryRecord>): EpisodeRef[] {
  const out: EpisodeRef[] = [];
  for (const rec of records) {
    if (rec.episode) {
      out.push(episodeRef(rec.episode));
    } else if (rec.episodeId) {
      const ep = Object.values(r.episodes).find((e) => e.sonarr_episode_id === rec.episodeId);
      if (ep) out.push({ season: ep.season, episode: ep.episode, sonarr_episode_id: rec.episodeId });
    }
  }
  return sortEpisodes(out);
}

export const epState = (r: MediaRequest, e: { season: number; episode: number }) => r.episodes[episodeKey(e.season, e.episode)];

// ---------------------------------------------------------------------------------------------
// Files
// ---------------------------------------------------------------------------------------------

function importedEvent(t: Target, fileIds: number[], files: ImportedFile[], episodes: EpisodeRef[]): UnstampedEvent {
  return compact<UnstampedEvent>({
    kind: 'imported',
    key: `reconcile:${t.inst.name}:file:${keyList(fileIds)}`,
    source: t.inst.service,
    match: matchOf(t, null, 'active'),
    arr: t.arr,
    media: t.media,
    anime: t.anime,
    hash: null,
    files,
    episodes,
    is_upgrade: false,
  });
}

/** Radarr: the movie has a file the request has not seen imported (B1/B2: nothing else will say so). */
export function movieFileEvents(t: Target, movie: ApiMovie): UnstampedEvent[] {
  if (!movie.hasFile || !movieWantsFile(t.request)) return [];
  const fileId = movie.movieFile?.id ?? idOrNull(movie.movieFileId);
  if (!fileId) return [];
  const path = movie.movieFile?.path;
  return [importedEvent(t, [fileId], path ? [{ path, episodes: [] }] : [], [])];
}

/**
 * Sonarr: episodes with a file the request has not seen imported (B4: a manual import sends
 * nothing). One event per snapshot for the files whose path is known, one for the rest (the
 * reducer moves only episodes that are in `files` when `files` is not empty).
 */
export function episodeFileEvents(t: Target, episodes: readonly ApiEpisode[]): UnstampedEvent[] {
  const r = t.request;
  const byFile = new Map<number, { path: string | null; eps: EpisodeRef[] }>();
  for (const e of episodes) {
    const fileId = idOrNull(e.episodeFileId) ?? e.episodeFile?.id ?? null;
    if (!e.hasFile || !fileId || !episodeWantsFile(r, e.seasonNumber, e.episodeNumber)) continue;
    let entry = byFile.get(fileId);
    if (!entry) byFile.set(fileId, (entry = { path: null, eps: [] }));
    if (e.episodeFile?.path && e.episodeFile.id === fileId) entry.path = e.episodeFile.path;
    entry.eps.push(episodeRef(e));
  }
  const withPath = [...byFile].filter(([, f]) => f.path);
  const without = [...byFile].filter(([, f]) => !f.path);
  const events: UnstampedEvent[] = [];
  if (withPath.length) {
    const files = withPath.map(([, f]) => ({ path: f.path!, episodes: sortEpisodes(f.eps) }));
    events.push(
      importedEvent(
        t,
        withPath.map(([id]) => id),
        files,
        sortEpisodes(files.flatMap((f) => f.episodes)),
      ),
    );
  }
  if (without.length) {
    events.push(
      importedEvent(
        t,
        without.map(([id]) => id),
        [],
        sortEpisodes(without.flatMap(([, f]) => f.eps)),
      ),
    );
  }
  return events;
}

// ---------------------------------------------------------------------------------------------
// Gone
// ---------------------------------------------------------------------------------------------

export function goneEvent(inst: ArrInstance, r: MediaRequest, arrId: number): UnstampedEvent {
  const label = inst.label;
  const what = inst.service === 'radarr' ? 'movie' : 'series';
  return {
    kind: 'deleted',
    key: `reconcile:${inst.name}:gone:${arrId}`,
    source: inst.service,
    match: compact<Match>({
      request_id: r.id,
      media_type: r.media_type,
      arr: r.arr ?? undefined,
      tmdb_id: r.tmdb_id ?? undefined,
      tvdb_id: r.tvdb_id ?? undefined,
      scope: 'any',
    }),
    scope: 'media',
    episodes: [],
    reason: `${label}: ${what} no longer in ${label}`,
  };
}
