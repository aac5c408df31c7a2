/**
 * Which request does an event belong to? Pure: reads the index, decides, changes nothing.
 *
 * Order: download hash, file path, Jellyfin item, Jellyseerr request id, *arr record, tmdb/tvdb id.
 * A request follows its media for its whole life: a grab, import or upgrade of something it
 * covers attaches to it whatever its state (open requests first, newest first), and TV events
 * are routed per season to the request that asked for it. Events of a 4K *arr instance only
 * reach 4K requests. Only a grab or an import nobody covers creates a request.
 */
import type { EpisodeRef, TrackerEvent } from './events.js';
import { arrKey, mediaKey, pathKey, type RequestIndex } from './index.js';
import type { MediaRequest } from './model.js';

export type Target = { type: 'existing'; requests: MediaRequest[]; via: string } | { type: 'create'; id: string } | { type: 'none'; reason: string };

/** Open requests first, then finished ones that still follow their media, deleted ones last. */
function standing(r: MediaRequest): number {
  if (r.state === 'DELETED') return 2;
  return r.state === 'AVAILABLE' || r.state === 'PARTIALLY_AVAILABLE' ? 1 : 0;
}

function preferred(a: MediaRequest, b: MediaRequest): number {
  const s = standing(a) - standing(b);
  if (s !== 0) return s;
  if (a.created_at !== b.created_at) return a.created_at < b.created_at ? 1 : -1;
  return a.id < b.id ? 1 : -1;
}

function best(candidates: readonly MediaRequest[]): MediaRequest | undefined {
  return [...candidates].sort(preferred)[0];
}

/**
 * The requests an event's episodes belong to: per season, the request that asked for that
 * season (a request made in Sonarr, with no seasons, covers the rest). A season pack spanning
 * two users' requests updates both. Empty when none covers them.
 */
function route(candidates: readonly MediaRequest[], episodes: readonly EpisodeRef[]): MediaRequest[] {
  if (candidates.length === 0) return [];
  if (episodes.length === 0) return [best(candidates)!];
  const chosen = new Set<MediaRequest>();
  for (const season of new Set(episodes.map((e) => e.season))) {
    const explicit = candidates.filter((r) => r.requested_seasons.includes(season));
    const hit = best(explicit.length ? explicit : candidates.filter((r) => r.requested_seasons.length === 0));
    if (hit) chosen.add(hit);
  }
  return [...chosen].sort(preferred);
}

/** Open requests when there are any, else every candidate. */
function openFirst(hits: MediaRequest[]): MediaRequest[] {
  const open = hits.filter((r) => standing(r) === 0);
  return open.length ? open : hits;
}

function episodesOf(event: TrackerEvent): readonly EpisodeRef[] {
  return 'episodes' in event ? event.episodes : [];
}

/** Lower-case slug usable in MQTT topics and HA ids. */
export function slug(text: string): string {
  return (
    text
      .toLowerCase()
      .replace(/[^a-z0-9_-]+/g, '-')
      .replace(/^-+|-+$/g, '') || 'x'
  );
}

export function uniqueId(base: string, index: RequestIndex): string {
  if (!index.get(base)) return base;
  for (let n = 2; ; n++) if (!index.get(`${base}-${n}`)) return `${base}-${n}`;
}

export function correlate(event: TrackerEvent, index: RequestIndex): Target {
  const m = event.match;
  const sameType = (r: MediaRequest): boolean => !m.media_type || r.media_type === m.media_type;
  // A 4K instance's events belong to 4K requests only, and the other way round.
  const sameKind = (r: MediaRequest): boolean => m.is_4k === undefined || (r.is_4k ?? false) === m.is_4k;
  // One request for its whole life: later grabs, imports and upgrades attach to it whatever its
  // state; only a declined request no longer follows its media, and a deleted one comes back
  // only with a new grab or import (its other events are history).
  const revives = event.kind === 'grabbed' || event.kind === 'imported';
  const live = (r: MediaRequest): boolean => r.state !== 'DECLINED' && (r.state !== 'DELETED' || revives) && sameType(r) && sameKind(r);

  if (event.kind === 'command' || m.request_id) {
    const id = event.kind === 'command' ? event.request_id : m.request_id!;
    const r = index.get(id);
    return r ? { type: 'existing', requests: [r], via: 'id' } : { type: 'none', reason: `no request with id ${id}` };
  }

  if (event.kind === 'download_progress') {
    const hits = openFirst(index.resolve(index.byHash.get(event.hash)).filter(live));
    return hits.length ? { type: 'existing', requests: hits, via: 'hash' } : { type: 'none', reason: `no request has download ${event.hash}` };
  }

  const media = (): MediaRequest[] => [
    ...(m.tmdb_id && m.media_type ? index.resolve(index.byMedia.get(mediaKey(m.media_type, 'tmdb', m.tmdb_id))) : []),
    ...(m.tvdb_id && m.media_type ? index.resolve(index.byMedia.get(mediaKey(m.media_type, 'tvdb', m.tvdb_id))) : []),
  ];

  if (m.scope === 'any' && event.kind === 'deleted') {
    // Every request of the media: those linked to this *arr record, and those never linked to
    // any (a re-request Radarr sent nothing for) — but not those of another instance (a 4K one).
    const key = m.arr ? arrKey(m.arr) : null;
    const byJellyfin = m.jellyfin_id ? index.resolve(index.byJellyfin.get(m.jellyfin_id)) : [];
    const hits = [...new Set([...(key ? index.resolve(index.byArr.get(key)) : []), ...byJellyfin, ...media()])].filter((r) => sameType(r) && sameKind(r) && (!key || !r.arr || arrKey(r.arr) === key));
    return hits.length ? { type: 'existing', requests: hits, via: 'arr or media id' } : { type: 'none', reason: 'no tracked request for this media' };
  }

  if (event.kind === 'request') {
    const requestId = event.jellyseerr_request_id;
    if (requestId === null) {
      // An old notification template names no request: it speaks of the open request of its media.
      const hit = best(media().filter((r) => live(r) && r.state !== 'AVAILABLE' && r.state !== 'DELETED'));
      return hit ? { type: 'existing', requests: [hit], via: 'media id' } : { type: 'none', reason: 'no open request for this media (the notification names no request)' };
    }
    const own = best(index.resolve(index.byJellyseerr.get(requestId)));
    if (own) return { type: 'existing', requests: [own], via: 'jellyseerr request id' };
    // A request created from an *arr grab before Jellyseerr told us is adopted, whatever its stage.
    const is4k = event.is_4k ?? m.is_4k ?? false;
    const orphan = best(media().filter((r) => sameType(r) && (r.is_4k ?? false) === is4k && r.jellyseerr_request_id === null && r.state !== 'DELETED' && r.state !== 'DECLINED'));
    if (orphan) return { type: 'existing', requests: [orphan], via: 'media id (adopted)' };
    return { type: 'create', id: uniqueId(`jellyseerr-${requestId}`, index) };
  }

  const episodes = episodesOf(event);
  const tiers: Array<[string, () => MediaRequest[]]> = [
    ['file path', () => (m.file_path ? index.resolve(index.byPath.get(pathKey(m.file_path))) : [])],
    ['jellyfin id', () => (m.jellyfin_id ? index.resolve(index.byJellyfin.get(m.jellyfin_id)) : [])],
    ['jellyseerr request id', () => (m.jellyseerr_request_id ? index.resolve(index.byJellyseerr.get(m.jellyseerr_request_id)) : [])],
    ['arr', () => (m.arr ? index.resolve(index.byArr.get(arrKey(m.arr))) : [])],
    ['media id', media],
  ];
  const everyTier = (): MediaRequest[] => [...new Set(tiers.flatMap(([, f]) => f()))].filter(live);
  // A finished request only gets the event when no open request of the media wants it: a
  // re-request after a deletion gets its grab even when the release (and hash) is the old one.
  const reopened = (hits: readonly MediaRequest[]): MediaRequest[] | null => {
    if (hits.some((r) => standing(r) === 0)) return null;
    const open = route(
      everyTier().filter((r) => standing(r) === 0),
      episodes,
    );
    return open.length ? open : null;
  };
  const hash = 'hash' in event && event.hash ? event.hash : m.hash;
  if (hash) {
    // A download is followed by every request that holds it (a pack spanning two requests).
    const hits = index.resolve(index.byHash.get(hash)).filter(live);
    if (hits.length) {
      const open = reopened(hits);
      return open ? { type: 'existing', requests: open, via: 'open request of the media' } : { type: 'existing', requests: openFirst(hits).sort(preferred), via: 'hash' };
    }
  }
  for (const [via, find] of tiers) {
    const hits = find().filter(live);
    if (hits.length === 0) continue;
    const open = reopened(hits);
    if (open) return { type: 'existing', requests: open, via: 'open request of the media' };
    if (episodes.length === 0) return { type: 'existing', requests: [best(hits)!], via };
    // Two requests for different seasons of one series share the *arr record: the episodes
    // decide between every candidate, not only those found by the first id.
    // None covers them: the best candidate notes the episodes as not tracked.
    const all = everyTier();
    const routed = route(all, episodes);
    return routed.length ? { type: 'existing', requests: routed, via: all.length > hits.length ? 'requested seasons' : via } : { type: 'existing', requests: [best(hits)!], via };
  }
  if (event.kind === 'grabbed' || event.kind === 'imported') {
    const { service, instance, id } = event.arr;
    const name = slug(instance);
    const base = name.startsWith(service) ? `${name}-${id}` : `${service}-${name}-${id}`;
    return { type: 'create', id: uniqueId(base, index) };
  }
  return { type: 'none', reason: 'no request matches this event' };
}
