/**
 * Deletions of finished media: an AVAILABLE (or partially available) request is no longer
 * reconciled, but the movie or series leaving Sonarr/Radarr must still end it as DELETED. The
 * library list the reconciler reads anyway is enough: a request whose movie/series was in it
 * (by its link, else by tmdb/tvdb id — a request imported from Jellyseerr is not linked) and is
 * then missing from two lists in a row is gone. Pure.
 */
import type { UnstampedEvent } from '../../domain/events.js';
import type { MediaRequest } from '../../domain/model.js';
import { goneEvent, type ArrInstance } from './map.js';

/** The library as the list showed it: ids, and the ids by tmdb/tvdb id. */
export interface LibraryIds {
  ids: ReadonlySet<number>;
  byTmdb: ReadonlyMap<number, number>;
  byTvdb: ReadonlyMap<number, number>;
}

export function libraryIds(items: ReadonlyArray<{ id: number; tmdbId?: number | null; tvdbId?: number | null }>): LibraryIds {
  const byTmdb = new Map<number, number>();
  const byTvdb = new Map<number, number>();
  for (const i of items) {
    if (i.tmdbId && !byTmdb.has(i.tmdbId)) byTmdb.set(i.tmdbId, i.id);
    if (i.tvdbId && !byTvdb.has(i.tvdbId)) byTvdb.set(i.tvdbId, i.id);
  }
  return { ids: new Set(items.map((i) => i.id)), byTmdb, byTvdb };
}

/** What the reconciler remembers between lists: where each finished request's media was, and what was missing. */
export interface FinishedMemory {
  /** Request id → the movie/series id it was last seen under. */
  seen: Map<string, number>;
  /** Request ids missing from the previous list. */
  missing: Set<string>;
}

function locate(r: MediaRequest, lib: LibraryIds): number | undefined {
  if (r.arr) return lib.ids.has(r.arr.id) ? r.arr.id : undefined;
  return (r.tvdb_id ? lib.byTvdb.get(r.tvdb_id) : undefined) ?? (r.tmdb_id ? lib.byTmdb.get(r.tmdb_id) : undefined);
}

/** `deleted` for the finished requests whose media is missing from this list and the previous one. */
export function finishedGone(inst: ArrInstance, finished: Iterable<MediaRequest>, lib: LibraryIds, memory: FinishedMemory): { events: UnstampedEvent[]; memory: FinishedMemory } {
  const next: FinishedMemory = { seen: new Map(), missing: new Set() };
  const events: UnstampedEvent[] = [];
  // An empty library while requests are linked to it is a wrong URL, not a mass deletion.
  const empty = lib.ids.size === 0;
  for (const r of finished) {
    const at = locate(r, lib);
    if (at !== undefined) {
      next.seen.set(r.id, at);
      continue;
    }
    const was = r.arr?.id ?? memory.seen.get(r.id);
    if (was === undefined) continue;
    next.seen.set(r.id, was);
    if (empty) continue;
    next.missing.add(r.id);
    if (memory.missing.has(r.id)) events.push(goneEvent(inst, r, was));
  }
  return { events, memory: next };
}
