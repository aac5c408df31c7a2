/**
 * Sonarr/Radarr REST snapshots → normalised events, for the requests the webhooks left
 * behind (seed-lessons B1–B9, protocols.md §1.8, §2.4–2.5). Pure: no I/O, no clock; the
 * reconciler fetches a snapshot, calls `reconcileRadarr`/`reconcileSonarr`, ingests the result.
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
import {
  blockedMessage,
  compact,
  episodeRef,
  idList,
  idOrNull,
  normaliseHash,
  posterUrl,
  sortEpisodes,
  stringOrNull,
  type StatusMessage,
} from '../../adapters/validation.js';
import { isRequested } from '../../domain/episodes.js';
import type { AnimeVerdict, ArrRef, EpisodeRef, ImportedFile, Match, MediaInfo, ReleaseInfo, UnstampedEvent } from '../../domain/events.js';
import { episodeKey, type MediaRequest } from '../../domain/model.js';
import type { State } from '../../domain/states.js';
import type { ApiEpisode, ApiMovie, ApiSeries, HistoryRecord, QueueRecord } from './api.js';
import { claimedSeasons, rosterEvent } from './roster.js';

export type ArrService = 'sonarr' | 'radarr';

export const SERVICE_LABEL: Record<ArrService, string> = { sonarr: 'Sonarr', radarr: 'Radarr' };

export interface ArrInstance {
  service: ArrService;
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

function matchOf(t: Target, hash: string | null, scope: Match['scope']): Match {
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

const isTv = (t: Target): boolean => t.request.media_type === 'tv';

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

const epState = (r: MediaRequest, e: { season: number; episode: number }) => r.episodes[episodeKey(e.season, e.episode)];

// ---------------------------------------------------------------------------------------------
// Queue
// ---------------------------------------------------------------------------------------------

export interface QueueGroup {
  /** Lower-case download id (the torrent's info-hash). */
  hash: string;
  records: QueueRecord[];
  state: string;
}

/** One group per download: Sonarr lists a season pack once per episode. */
export function groupQueue(records: readonly QueueRecord[]): QueueGroup[] {
  const groups = new Map<string, QueueGroup>();
  for (const rec of records) {
    const hash = normaliseHash(rec.downloadId);
    if (!hash) continue;
    let g = groups.get(hash);
    if (!g) groups.set(hash, (g = { hash, records: [], state: rec.trackedDownloadState ?? 'unknown' }));
    g.records.push(rec);
  }
  return [...groups.values()];
}

const FAILED_STATES = new Set(['failedPending', 'failed']);

export function isFailed(g: QueueGroup): boolean {
  return FAILED_STATES.has(g.state);
}

/** `importBlocked`, or `importPending` with a warning/error: the *arr waits for a human. */
export function isBlocked(g: QueueGroup): boolean {
  if (g.state === 'importBlocked') return true;
  if (g.state !== 'importPending') return false;
  return g.records.some(
    (r) => r.trackedDownloadStatus === 'warning' || r.trackedDownloadStatus === 'error' || (r.statusMessages ?? []).some((m) => (m.messages ?? []).length > 0),
  );
}

function statusMessages(g: QueueGroup): StatusMessage[] {
  const withMessages = g.records.find((r) => (r.statusMessages ?? []).length > 0);
  if (withMessages) return withMessages.statusMessages ?? [];
  const error = g.records.find((r) => r.errorMessage)?.errorMessage;
  return error ? [{ messages: [error] }] : [];
}

/** `Sonarr: import blocked — <title>: <messages>`, from the queue's own status messages. */
export function queueBlockedMessage(service: ArrService, g: QueueGroup): string {
  return blockedMessage(SERVICE_LABEL[service] as 'Sonarr' | 'Radarr', statusMessages(g), g.records[0]?.trackedDownloadStatus);
}

/** `Radarr: <error message>` for a failed queue item. */
export function queueFailedMessage(service: ArrService, g: QueueGroup): string {
  const parts: string[] = [];
  const error = g.records.find((r) => r.errorMessage)?.errorMessage?.trim();
  if (error) parts.push(error);
  for (const m of statusMessages(g)) for (const line of m.messages ?? []) if (line.trim() && !parts.includes(line.trim())) parts.push(line.trim());
  return `${SERVICE_LABEL[service]}: ${parts.length ? parts.join('; ') : 'the download failed in the download client'}`;
}

function grabbedEvent(t: Target, g: QueueGroup, episodes: EpisodeRef[]): UnstampedEvent {
  const rec = g.records[0]!;
  const { service, name } = t.inst;
  const ids = isTv(t) ? keyList(g.records.map((r) => r.episode?.id ?? r.episodeId ?? 0).filter((n) => n > 0)) : String(t.arr.id);
  const release = compact<ReleaseInfo>({
    title: rec.title ?? undefined,
    size: rec.size ? rec.size : null,
    indexer: rec.indexer ?? undefined,
    download_client: rec.downloadClient ?? undefined,
  });
  return compact<UnstampedEvent>({
    kind: 'grabbed',
    key: `${service}:${name}:grab:${g.hash}:${ids}`,
    source: service,
    match: matchOf(t, g.hash, 'active'),
    arr: t.arr,
    media: t.media,
    anime: t.anime,
    hash: g.hash,
    release,
    episodes,
  });
}

function failedEvent(t: Target, hash: string, message: string, episodes: EpisodeRef[]): UnstampedEvent {
  return {
    kind: 'download_failed',
    key: `reconcile:${t.inst.name}:failed:${hash}`,
    source: t.inst.service,
    match: matchOf(t, hash, 'active'),
    hash,
    message,
    episodes,
  };
}

export interface QueueOptions {
  /** The whole queue was read (not cut by the page cap). */
  complete: boolean;
  /** ISO time the snapshot was taken: a flag raised after it is not cleared by it. */
  fetchedAt: string;
}

/**
 * Events from the queue downloads of one request's movie/series. `groups` are that media's
 * downloads only.
 */
export function queueEvents(t: Target, groups: readonly QueueGroup[], opts: QueueOptions): UnstampedEvent[] {
  const r = t.request;
  const { service, name } = t.inst;
  const events: UnstampedEvent[] = [];
  let blockedNow = false;
  for (const g of groups) {
    if (g.state === 'ignored') continue;
    let all: EpisodeRef[] = [];
    let open: EpisodeRef[] = [];
    if (isTv(t)) {
      all = recordEpisodes(r, g.records);
      const withFile = new Set(g.records.filter((x) => x.episodeHasFile).map((x) => x.episode?.id ?? x.episodeId));
      open = all.filter((e) => episodeWantsFile(r, e.season, e.episode) && !withFile.has(e.sonarr_episode_id ?? undefined));
      if (open.length === 0) continue;
    } else if (!movieWantsFile(r) || t.hasFile) {
      // Imported already: a queued download now is an upgrade, not this request's business.
      continue;
    }

    if (isFailed(g)) {
      // Something else queued for the same movie/episodes replaced the failed download.
      const others = groups.filter((o) => o !== g && !isFailed(o) && o.state !== 'ignored');
      let failing = open;
      if (isTv(t)) {
        const covered = new Set(others.flatMap((o) => recordEpisodes(r, o.records)).map((e) => episodeKey(e.season, e.episode)));
        failing = open.filter((e) => {
          const ep = epState(r, e);
          return !covered.has(episodeKey(e.season, e.episode)) && ep?.state !== 'FAILED' && (!ep?.hash || ep.hash === g.hash);
        });
        if (failing.length === 0) continue;
      } else if (others.length > 0 || r.state === 'FAILED') {
        continue;
      }
      events.push(failedEvent(t, g.hash, queueFailedMessage(service, g), failing));
      continue;
    }

    if (!r.downloads[g.hash]) events.push(grabbedEvent(t, g, all));

    if (isBlocked(g)) {
      blockedNow = true;
      const message = queueBlockedMessage(service, g);
      if (r.stuck?.reason !== message) {
        events.push({
          kind: 'import_blocked',
          key: `reconcile:${name}:blocked:${g.hash}:${digest(message)}`,
          source: service,
          match: matchOf(t, g.hash, 'active'),
          arr: t.arr,
          hash: g.hash,
          message,
          episodes: open,
        });
      }
    }
  }

  // A block this *arr reported is gone from a complete queue: the flag goes too (the stuck
  // monitor speaks up again if the request then sits still). A flag raised after the snapshot
  // was taken (a webhook racing this cycle) is left alone.
  const stuck = r.stuck;
  if (
    !blockedNow &&
    opts.complete &&
    stuck &&
    stuck.source === service &&
    stuck.reason.startsWith(`${SERVICE_LABEL[service]}: import blocked`) &&
    stuck.since < opts.fetchedAt
  ) {
    events.push({
      kind: 'stuck',
      key: `reconcile:${name}:unblocked:${t.arr.id}:${digest(stuck.reason)}`,
      source: service,
      match: { request_id: r.id, scope: 'any' },
      reason: null,
    });
  }
  return events;
}

// ---------------------------------------------------------------------------------------------
// History
// ---------------------------------------------------------------------------------------------

const at = (date: string): number => {
  const t = Date.parse(date);
  return Number.isNaN(t) ? 0 : t;
};

/**
 * `downloadFailed` history records (of this request's movie/series) for a hash the request
 * tracks → `download_failed`, unless something replaced the download: a later `grabbed` for
 * the same movie/episodes, another download queued for them, or a file.
 *
 * @param withFile TV: Sonarr episode ids that have a file now.
 */
export function historyEvents(
  t: Target,
  history: readonly HistoryRecord[],
  groups: readonly QueueGroup[],
  withFile: ReadonlySet<number> = new Set(),
): UnstampedEvent[] {
  const r = t.request;
  const failed = new Map<string, HistoryRecord[]>();
  for (const h of history) {
    if (h.eventType !== 'downloadFailed') continue;
    const hash = normaliseHash(h.downloadId);
    if (!hash || !r.downloads[hash]) continue;
    failed.set(hash, [...(failed.get(hash) ?? []), h]);
  }
  const events: UnstampedEvent[] = [];
  const active = groups.filter((g) => !isFailed(g) && g.state !== 'ignored');
  for (const [hash, recs] of failed) {
    const when = Math.max(...recs.map((h) => at(h.date)));
    const raw = recs.find((h) => typeof h.data?.message === 'string' && h.data.message.trim())?.data?.message;
    const message = `${SERVICE_LABEL[t.inst.service]}: ${typeof raw === 'string' ? raw.trim() : 'the download failed'}`;
    const laterGrabs = history.filter((h) => h.eventType === 'grabbed' && at(h.date) > when && normaliseHash(h.downloadId) !== hash);
    if (!isTv(t)) {
      if (!movieWantsFile(r) || t.hasFile || r.state === 'FAILED') continue;
      if (laterGrabs.length > 0 || active.some((g) => g.hash !== hash)) continue;
      events.push(failedEvent(t, hash, message, []));
      continue;
    }
    let eps = recordEpisodes(r, recs);
    if (eps.length === 0) {
      eps = Object.values(r.episodes)
        .filter((e) => e.hash === hash)
        .map((e) => compact<EpisodeRef>({ season: e.season, episode: e.episode, sonarr_episode_id: e.sonarr_episode_id ?? undefined }));
    }
    const regrabbed = new Set(laterGrabs.map((h) => h.episode?.id ?? h.episodeId));
    const queued = new Set(active.filter((g) => g.hash !== hash).flatMap((g) => recordEpisodes(r, g.records)).map((e) => episodeKey(e.season, e.episode)));
    eps = eps.filter((e) => {
      const ep = epState(r, e);
      if (!ep || ep.state === 'FAILED' || (ep.hash && ep.hash !== hash)) return false;
      if (!episodeWantsFile(r, e.season, e.episode)) return false;
      const sid = e.sonarr_episode_id ?? ep.sonarr_episode_id;
      if (sid && (regrabbed.has(sid) || withFile.has(sid))) return false;
      return !queued.has(episodeKey(e.season, e.episode));
    });
    if (eps.length) events.push(failedEvent(t, hash, message, eps));
  }
  return events;
}

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
    events.push(importedEvent(t, withPath.map(([id]) => id), files, sortEpisodes(files.flatMap((f) => f.episodes))));
  }
  if (without.length) {
    events.push(importedEvent(t, without.map(([id]) => id), [], sortEpisodes(without.flatMap(([, f]) => f.eps))));
  }
  return events;
}

// ---------------------------------------------------------------------------------------------
// Gone
// ---------------------------------------------------------------------------------------------

export function goneEvent(inst: ArrInstance, r: MediaRequest, arrId: number): UnstampedEvent {
  const label = SERVICE_LABEL[inst.service];
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

// ---------------------------------------------------------------------------------------------
// Whole snapshots
// ---------------------------------------------------------------------------------------------

export interface Snapshot {
  queue: readonly QueueRecord[];
  queueComplete: boolean;
  history: readonly HistoryRecord[];
  /** ISO time the snapshot was started (our clock). */
  fetchedAt: string;
}

export interface RadarrSnapshot extends Snapshot {
  movies: readonly ApiMovie[];
}

export interface SonarrSnapshot extends Snapshot {
  series: readonly ApiSeries[];
  /** Episodes of the series read this cycle (a few per cycle; absent = not read). */
  episodes: ReadonlyMap<number, readonly ApiEpisode[]>;
}

export interface ReconcileResult {
  events: UnstampedEvent[];
  /** Linked movie/series ids absent from this snapshot; absent twice in a row ⇒ `deleted`. */
  missing: Set<number>;
}

function byKey<T>(items: readonly T[], key: (t: T) => number | null | undefined): Map<number, T[]> {
  const out = new Map<number, T[]>();
  for (const item of items) {
    const k = key(item);
    if (!k) continue;
    const list = out.get(k);
    if (list) list.push(item);
    else out.set(k, [item]);
  }
  return out;
}

/** The same fact seen twice in one snapshot (a failure in the queue and in the history) is sent once. */
function unique(events: UnstampedEvent[]): UnstampedEvent[] {
  const seen = new Set<string>();
  const out: UnstampedEvent[] = [];
  for (const e of events) {
    if (seen.has(e.key)) continue;
    seen.add(e.key);
    out.push(e);
  }
  return out;
}

export function reconcileRadarr(
  inst: ArrInstance,
  requests: Iterable<MediaRequest>,
  snap: RadarrSnapshot,
  previouslyMissing: ReadonlySet<number> = new Set(),
): ReconcileResult {
  const byId = new Map(snap.movies.map((m) => [m.id, m]));
  const byTmdb = new Map<number, ApiMovie>();
  for (const m of snap.movies) if (m.tmdbId && !byTmdb.has(m.tmdbId)) byTmdb.set(m.tmdbId, m);
  const queue = byKey(groupQueue(snap.queue), (g) => g.records[0]?.movieId);
  const history = byKey(snap.history, (h) => h.movieId);
  const events: UnstampedEvent[] = [];
  const missing = new Set<number>();
  for (const r of requests) {
    const own = ownership(r, inst);
    if (!own) continue;
    const movie = own === 'linked' ? byId.get(r.arr!.id) : byTmdb.get(r.tmdb_id!);
    if (!movie) {
      // An empty library while requests are linked to it is a wrong URL, not a mass deletion.
      if (own === 'linked' && snap.movies.length > 0) {
        missing.add(r.arr!.id);
        if (previouslyMissing.has(r.arr!.id)) events.push(goneEvent(inst, r, r.arr!.id));
      }
      continue;
    }
    const t: Target = {
      inst,
      request: r,
      arr: r.arr ?? { service: 'radarr', instance: inst.name, id: movie.id },
      media: movieInfo(movie),
      hasFile: movie.hasFile === true,
    };
    const groups = queue.get(movie.id) ?? [];
    events.push(...queueEvents(t, groups, { complete: snap.queueComplete, fetchedAt: snap.fetchedAt }));
    events.push(...historyEvents(t, history.get(movie.id) ?? [], groups));
    events.push(...movieFileEvents(t, movie));
  }
  return { events: unique(events), missing };
}

export function reconcileSonarr(
  inst: ArrInstance,
  requests: Iterable<MediaRequest>,
  snap: SonarrSnapshot,
  previouslyMissing: ReadonlySet<number> = new Set(),
): ReconcileResult {
  const byId = new Map(snap.series.map((s) => [s.id, s]));
  const byTvdb = new Map<number, ApiSeries>();
  const byTmdb = new Map<number, ApiSeries>();
  for (const s of snap.series) {
    if (s.tvdbId && !byTvdb.has(s.tvdbId)) byTvdb.set(s.tvdbId, s);
    if (s.tmdbId && !byTmdb.has(s.tmdbId)) byTmdb.set(s.tmdbId, s);
  }
  const queue = byKey(groupQueue(snap.queue), (g) => g.records[0]?.seriesId);
  const history = byKey(snap.history, (h) => h.seriesId);
  const events: UnstampedEvent[] = [];
  const missing = new Set<number>();
  const mine: Array<{ r: MediaRequest; own: Ownership; series: ApiSeries | undefined }> = [];
  const requestsOf = new Map<number, MediaRequest[]>();
  for (const r of requests) {
    const own = ownership(r, inst);
    if (!own) continue;
    const series = own === 'linked' ? byId.get(r.arr!.id) : findSeries(r, byTvdb, byTmdb);
    mine.push({ r, own, series });
    if (series) requestsOf.set(series.id, [...(requestsOf.get(series.id) ?? []), r]);
  }
  for (const { r, own, series } of mine) {
    if (!series) {
      if (own === 'linked' && snap.series.length > 0) {
        missing.add(r.arr!.id);
        if (previouslyMissing.has(r.arr!.id)) events.push(goneEvent(inst, r, r.arr!.id));
      }
      continue;
    }
    const anime = seriesAnime(series);
    const t: Target = {
      inst,
      request: r,
      arr: r.arr ?? { service: 'sonarr', instance: inst.name, id: series.id },
      media: seriesInfo(series),
      ...(anime ? { anime } : {}),
    };
    const groups = queue.get(series.id) ?? [];
    const episodes = snap.episodes.get(series.id);
    const withFile = new Set<number>();
    for (const e of episodes ?? []) if (e.hasFile) withFile.add(e.id);
    for (const g of groups) for (const rec of g.records) if (rec.episodeHasFile && (rec.episode?.id ?? rec.episodeId)) withFile.add((rec.episode?.id ?? rec.episodeId)!);
    events.push(...queueEvents(t, groups, { complete: snap.queueComplete, fetchedAt: snap.fetchedAt }));
    events.push(...historyEvents(t, history.get(series.id) ?? [], groups, withFile));
    if (episodes) {
      // The roster first: the episodes it adds are then moved by the files Sonarr has.
      const siblings = requestsOf.get(series.id) ?? [];
      const roster = rosterEvent(t, episodes, claimedSeasons(r, siblings));
      if (roster) events.push(roster);
      events.push(...episodeFileEvents(t, episodes));
    }
  }
  return { events: unique(events), missing };
}

function findSeries(r: MediaRequest, byTvdb: Map<number, ApiSeries>, byTmdb: Map<number, ApiSeries>): ApiSeries | undefined {
  return (r.tvdb_id ? byTvdb.get(r.tvdb_id) : undefined) ?? (r.tmdb_id ? byTmdb.get(r.tmdb_id) : undefined);
}
