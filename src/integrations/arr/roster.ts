/**
 * Sonarr's episode list → the wanted roster of each TV request of the series (`roster` events).
 * Pure. A request made in Sonarr (no Jellyseerr seasons) covers the series' monitored seasons
 * except those another request of the same series asked for explicitly, so one season is never
 * waited for by two requests.
 */
import { compact, episodeRef } from '../../adapters/validation.js';
import type { Match, RosterEpisode, UnstampedEvent } from '../../domain/events.js';
import type { MediaRequest } from '../../domain/model.js';
import type { ApiEpisode } from './api.js';
import { digest, type Target } from './map.js';

/** Seasons other requests of the same series asked for by name. */
export function claimedSeasons(r: MediaRequest, siblings: readonly MediaRequest[]): Set<number> {
  const out = new Set<number>();
  if (r.requested_seasons.length) return out;
  for (const s of siblings) if (s.id !== r.id) for (const n of s.requested_seasons) out.add(n);
  return out;
}

export function rosterEvent(t: Target, episodes: readonly ApiEpisode[], claimed: ReadonlySet<number>): UnstampedEvent | null {
  const listed: RosterEpisode[] = [];
  for (const e of episodes) {
    if (claimed.has(e.seasonNumber)) continue;
    listed.push({ ...episodeRef(e), monitored: e.monitored !== false, has_file: e.hasFile === true });
  }
  if (listed.length === 0) return null;
  listed.sort((a, b) => a.season - b.season || a.episode - b.episode);
  const seasons = [...new Set(listed.map((e) => e.season))];
  // Same listing ⇒ same key: an unchanged series is a duplicate, not a new fact.
  const text = listed.map((e) => `${e.season}x${e.episode}:${e.monitored ? 'm' : '-'}${e.has_file ? 'f' : '-'}:${e.air_date_utc ?? ''}:${e.title ?? ''}`).join(',');
  const key = `reconcile:${t.inst.name}:roster:${t.arr.id}:${t.request.id}:${digest(text)}`;
  if (t.request.applied.includes(key)) return null;
  return {
    kind: 'roster',
    key,
    source: 'sonarr',
    match: compact<Match>({ request_id: t.request.id, media_type: 'tv', arr: t.arr, scope: 'any' }),
    from: 'sonarr',
    seasons,
    episodes: listed,
  };
}
