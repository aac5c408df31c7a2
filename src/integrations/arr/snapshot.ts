/**
 * A whole Sonarr/Radarr snapshot (queue, library, history, episode lists) → the events for every
 * open request of the instance, and the linked ids missing from it. Pure.
 */
import type { ApiEpisode, ApiMovie, ApiSeries, HistoryRecord, QueueRecord } from './api.js';
import type { MediaRequest } from '../../domain/model.js';
import type { UnstampedEvent } from '../../domain/events.js';
import { groupQueue, historyEvents, queueEvents } from './downloads.js';
import { episodeFileEvents, goneEvent, movieFileEvents, movieInfo, ownership, seriesAnime, seriesInfo, type ArrInstance, type Ownership, type Target } from './map.js';
import { claimedSeasons, rosterEvent } from './roster.js';

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

export function reconcileRadarr(inst: ArrInstance, requests: Iterable<MediaRequest>, snap: RadarrSnapshot, previouslyMissing: ReadonlySet<number> = new Set()): ReconcileResult {
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

export function reconcileSonarr(inst: ArrInstance, requests: Iterable<MediaRequest>, snap: SonarrSnapshot, previouslyMissing: ReadonlySet<number> = new Set()): ReconcileResult {
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
