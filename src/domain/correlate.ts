/**
 * Which request does an event belong to? Pure: reads the index, decides, changes nothing.
 *
 * Order: download hash, Jellyseerr request id, *arr record, tmdb/tvdb id. Pipeline events
 * only look at open requests (a finished request is history; a re-request is a new record),
 * newest first; lifecycle events (deletes) look at every state.
 */
import type { EpisodeRef, TrackerEvent } from './events.js';
import { arrKey, mediaKey, pathKey, type RequestIndex } from './index.js';
import type { MediaRequest } from './model.js';
import { isClosed } from './states.js';

export type Target =
  | { type: 'existing'; requests: MediaRequest[]; via: string }
  | { type: 'create'; id: string }
  | { type: 'none'; reason: string };

function newestFirst(a: MediaRequest, b: MediaRequest): number {
  if (a.created_at !== b.created_at) return a.created_at < b.created_at ? 1 : -1;
  return a.id < b.id ? 1 : -1;
}

/** Among several candidates prefer the one whose requested seasons cover the event's episodes. */
function best(candidates: MediaRequest[], episodes: readonly EpisodeRef[]): MediaRequest | undefined {
  const sorted = [...candidates].sort(newestFirst);
  if (episodes.length === 0 || sorted.length < 2) return sorted[0];
  const overlap = (r: MediaRequest): number =>
    r.requested_seasons.length === 0 ? 0 : episodes.filter((e) => r.requested_seasons.includes(e.season)).length;
  let top = sorted[0]!;
  for (const r of sorted) if (overlap(r) > overlap(top)) top = r;
  return top;
}

function covers(r: MediaRequest, episodes: readonly EpisodeRef[]): boolean {
  return r.requested_seasons.length === 0 || episodes.some((e) => r.requested_seasons.includes(e.season));
}

function episodesOf(event: TrackerEvent): readonly EpisodeRef[] {
  return 'episodes' in event ? event.episodes : [];
}

/** Lower-case slug usable in MQTT topics and HA ids. */
export function slug(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9_-]+/g, '-').replace(/^-+|-+$/g, '') || 'x';
}

export function uniqueId(base: string, index: RequestIndex): string {
  if (!index.get(base)) return base;
  for (let n = 2; ; n++) if (!index.get(`${base}-${n}`)) return `${base}-${n}`;
}

export function correlate(event: TrackerEvent, index: RequestIndex): Target {
  const m = event.match;
  const sameType = (r: MediaRequest): boolean => !m.media_type || r.media_type === m.media_type;
  const open = (r: MediaRequest): boolean => !isClosed(r.state) && sameType(r);

  if (event.kind === 'command' || m.request_id) {
    const id = event.kind === 'command' ? event.request_id : m.request_id!;
    const r = index.get(id);
    return r ? { type: 'existing', requests: [r], via: 'id' } : { type: 'none', reason: `no request with id ${id}` };
  }

  if (event.kind === 'download_progress') {
    const hits = index.resolve(index.byHash.get(event.hash)).filter(open);
    return hits.length ? { type: 'existing', requests: hits, via: 'hash' } : { type: 'none', reason: `no open request has download ${event.hash}` };
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
    const hits = [...new Set([...(key ? index.resolve(index.byArr.get(key)) : []), ...byJellyfin, ...media()])].filter(
      (r) => sameType(r) && (!key || !r.arr || arrKey(r.arr) === key),
    );
    return hits.length ? { type: 'existing', requests: hits, via: 'arr or media id' } : { type: 'none', reason: 'no tracked request for this media' };
  }

  if (event.kind === 'request') {
    const requestId = event.jellyseerr_request_id;
    if (requestId === null) {
      const hit = best(media().filter(open), []);
      return hit ? { type: 'existing', requests: [hit], via: 'media id' } : { type: 'none', reason: 'no open request for this media (the notification names no request)' };
    }
    const byRequest = index.resolve(index.byJellyseerr.get(requestId));
    const own = best(byRequest, []);
    if (own) return { type: 'existing', requests: [own], via: 'jellyseerr request id' };
    // An open request created from an *arr grab before Jellyseerr told us is adopted.
    const orphan = best(media().filter((r) => open(r) && r.jellyseerr_request_id === null), []);
    if (orphan) return { type: 'existing', requests: [orphan], via: 'media id (adopted)' };
    return { type: 'create', id: uniqueId(`jellyseerr-${requestId}`, index) };
  }

  const episodes = episodesOf(event);
  const tiers: Array<[string, () => MediaRequest[]]> = [
    ['hash', () => ('hash' in event && event.hash ? index.resolve(index.byHash.get(event.hash)) : m.hash ? index.resolve(index.byHash.get(m.hash)) : [])],
    ['file path', () => (m.file_path ? index.resolve(index.byPath.get(pathKey(m.file_path))) : [])],
    ['jellyfin id', () => (m.jellyfin_id ? index.resolve(index.byJellyfin.get(m.jellyfin_id)) : [])],
    ['jellyseerr request id', () => (m.jellyseerr_request_id ? index.resolve(index.byJellyseerr.get(m.jellyseerr_request_id)) : [])],
    ['arr', () => (m.arr ? index.resolve(index.byArr.get(arrKey(m.arr))) : [])],
    ['media id', media],
  ];
  for (const [via, find] of tiers) {
    const hit = best(find().filter(open), episodes);
    if (!hit) continue;
    // Two requests for different seasons of one series share the *arr record: let the
    // episodes decide between every candidate, not only those found by the first id.
    if (via !== 'hash' && episodes.length > 0 && !covers(hit, episodes)) {
      const all = [...new Set(tiers.slice(1).flatMap(([, f]) => f()))].filter(open);
      const better = best(all.filter((r) => covers(r, episodes)), episodes);
      if (better) return { type: 'existing', requests: [better], via: 'requested seasons' };
    }
    return { type: 'existing', requests: [hit], via };
  }
  if (event.kind === 'grabbed') {
    const { service, instance, id } = event.arr;
    const name = slug(instance);
    const base = name.startsWith(service) ? `${name}-${id}` : `${service}-${name}-${id}`;
    return { type: 'create', id: uniqueId(base, index) };
  }
  return { type: 'none', reason: 'no open request matches this event' };
}
