/**
 * Which open requests the library proves playable, and what an `ItemDeleted` removes. Pure:
 * reads the library index and the requests, returns events.
 *
 * Rules (docs/lessons.md E2, E3, E5, E6, A9, D3, §6.7):
 * - Movie: a playable Movie item with the exact `Tmdb` id, else the exact `Imdb` id, else a
 *   playable Movie or Episode with `Shoko File` = the request's Shoko file id (Shokofin items
 *   carry no Tmdb id by default; a compilation movie may be an episode there).
 * - TV: only the request's own episodes, one by one. An episode counts when a series with the
 *   request's exact `Tvdb`/`Tmdb` id has a playable episode item holding that season and
 *   episode (multi-episode files via `IndexNumberEnd`), or when a playable item carries the
 *   episode's `Shoko File` id. A series existing, or an earlier season, proves nothing.
 *   When Shoko gave the episode a file id, Shokofin items (whose numbering can differ from
 *   Sonarr's) only count through that id.
 * - Never by title.
 */
import type { EpisodeRef, UnstampedEvent } from '../../domain/events.js';
import { episodeKey, type Episode, type MediaRequest } from '../../domain/model.js';
import { episodeNumbers, isPlayable, isShokofin, PROVIDER, type ItemKind, type LibItem, type LibraryIndex } from './library.js';

export const AVAILABLE_REASON = 'Playable in Jellyfin';
export const DELETED_REASON = 'Jellyfin: item deleted';

/** Episode states the library has nothing more to say about. */
const SETTLED = new Set<Episode['state']>(['AVAILABLE', 'DELETED', 'DECLINED']);
const CLOSED = new Set<MediaRequest['state']>(['AVAILABLE', 'DELETED', 'DECLINED']);

export type AvailableOut = Extract<UnstampedEvent, { kind: 'available' }>;
export type DeletedOut = Extract<UnstampedEvent, { kind: 'deleted' }>;

export interface RequestMatch {
  request_id: string;
  event: AvailableOut;
  /** Library items that proved something. */
  item_ids: string[];
  /** Series those items belong to. */
  series_ids: string[];
}

export interface MatchReport {
  matches: RequestMatch[];
  /**
   * Series whose full episode list would help an open TV request that still has episodes
   * the index cannot prove (its series by id, and the series of its already matched items).
   */
  wanted_series: string[];
  /** Items that match an open request by id but are not playable (worth re-checking later). */
  unplayable: string[];
}

/** FNV-1a, 8 hex digits: a short, stable digest for event keys. */
export function digest(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h.toString(16).padStart(8, '0');
}

/** Prefers the item the request already points at, else the smallest id (deterministic). */
function pick(items: LibItem[], current: string | null | undefined): LibItem | undefined {
  if (items.length === 0) return undefined;
  const own = current ? items.find((i) => i.id === current) : undefined;
  return own ?? [...items].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))[0];
}

function requested(r: MediaRequest, season: number): boolean {
  return r.requested_seasons.length === 0 || r.requested_seasons.includes(season);
}

/** An imported upgrade waits for the library to show a playable item again. */
function upgradeImported(e: { upgrade?: { state: string } | null }): boolean {
  return e.upgrade?.state === 'IMPORTING';
}

/** Open episodes (and imported upgrades) the library could still prove, in season/episode order. */
export function pendingEpisodes(r: MediaRequest): Episode[] {
  return Object.values(r.episodes)
    .filter((e) => (!SETTLED.has(e.state) || upgradeImported(e)) && requested(r, e.season))
    .sort((a, b) => a.season - b.season || a.episode - b.episode);
}

/** Series items with the request's exact Tvdb or Tmdb id. */
export function seriesOf(r: MediaRequest, lib: LibraryIndex): LibItem[] {
  const out = new Map<string, LibItem>();
  for (const s of lib.find('Series', PROVIDER.tvdb, r.tvdb_id)) out.set(s.id, s);
  for (const s of lib.find('Series', PROVIDER.tmdb, r.tmdb_id)) out.set(s.id, s);
  return [...out.values()];
}

/**
 * A generation marker for event keys: it changes when the request (movie) or one of the
 * episodes (TV) changes state, so an item seen again after a delete and re-import is not
 * mistaken for the already applied event, while a repeated observation keeps its key.
 */
function generation(r: MediaRequest, eps: Episode[]): string {
  const parts = [r.state_since, r.upgrade?.since ?? '', ...eps.map((e) => `${episodeKey(e.season, e.episode)}@${e.history.at(-1)?.at ?? ''}${e.upgrade?.since ?? ''}`)];
  return digest(parts.join('|'));
}

/**
 * `upgrade`: the movie is AVAILABLE and a better file was imported; only an item holding that
 * file (same file name; Jellyfin may see another root) proves the upgrade playable, and the key
 * names the upgrade, so an item kept under the same name is not a repeat of the first proof.
 */
function movieMatch(r: MediaRequest, lib: LibraryIndex, unplayable: Set<string>, upgrade = false): RequestMatch | null {
  const fileName = (path: string | null) => path?.split(/[\\/]/).pop() ?? null;
  const wanted = upgrade ? fileName(r.file_path) : null;
  if (upgrade && !wanted) return null;
  const tiers: LibItem[][] = [lib.find('Movie', PROVIDER.tmdb, r.tmdb_id), lib.find('Movie', PROVIDER.imdb, r.imdb_id), lib.byShokoFile(r.shoko_file_id)];
  for (const candidates of tiers) {
    const playable = candidates.filter((c) => isPlayable(c) && (!wanted || fileName(c.path) === wanted));
    for (const c of candidates) if (!isPlayable(c)) unplayable.add(c.id);
    const item = pick(playable, r.jellyfin_id);
    if (!item) continue;
    return {
      request_id: r.id,
      item_ids: [item.id],
      series_ids: item.series_id ? [item.series_id] : [],
      event: {
        kind: 'available',
        key: `jellyfin:available:${r.id}:${item.id}:${generation(r, [])}${upgrade && r.upgrade ? `:upgrade:${digest(r.upgrade.since)}` : ''}`,
        source: 'jellyfin',
        match: { request_id: r.id, scope: 'any' },
        verified: true,
        episodes: [],
        jellyfin_id: item.id,
        reason: AVAILABLE_REASON,
      },
    };
  }
  return null;
}

function tvMatch(r: MediaRequest, lib: LibraryIndex, wanted: Set<string>, unplayable: Set<string>): RequestMatch | null {
  const pending = pendingEpisodes(r);
  if (pending.length === 0) return null;
  const series = seriesOf(r, lib);
  const bySE = new Map<string, LibItem[]>();
  for (const s of series) {
    for (const ep of lib.episodesOf(s.id)) {
      for (const n of episodeNumbers(ep)) {
        const key = episodeKey(n.season, n.episode);
        const list = bySE.get(key);
        if (list) list.push(ep);
        else bySE.set(key, [ep]);
      }
    }
  }
  const found: Array<{ ep: Episode; item: LibItem }> = [];
  for (const ep of pending) {
    const key = episodeKey(ep.season, ep.episode);
    const atNumber = bySE.get(key) ?? [];
    for (const c of atNumber) if (!isPlayable(c)) unplayable.add(c.id);
    let item: LibItem | undefined;
    if (ep.shoko_file_id !== null && ep.shoko_file_id !== undefined) {
      item = pick(lib.byShokoFile(ep.shoko_file_id).filter(isPlayable), ep.jellyfin_id);
      // Shokofin numbers episodes its own way: with a Shoko file id, only that id proves a Shokofin item.
      item ??= pick(
        atNumber.filter((i) => isPlayable(i) && !isShokofin(i)),
        ep.jellyfin_id,
      );
    } else {
      item = pick(atNumber.filter(isPlayable), ep.jellyfin_id);
    }
    if (item) found.push({ ep, item });
  }

  const seriesIds = new Set<string>();
  for (const f of found) if (f.item.series_id) seriesIds.add(f.item.series_id);
  if (found.length < pending.length) {
    // Some episodes are still unproven: their series' full episode lists may hold them.
    for (const s of series) wanted.add(s.id);
    for (const id of seriesIds) wanted.add(id);
    for (const ep of Object.values(r.episodes)) {
      const known = ep.jellyfin_id ? lib.get(ep.jellyfin_id) : undefined;
      if (known?.series_id) wanted.add(known.series_id);
    }
  }
  if (found.length === 0) return null;
  const eps = found.map((f) => f.ep);
  const refs: EpisodeRef[] = found.map((f) => ({ season: f.ep.season, episode: f.ep.episode, jellyfin_id: f.item.id }));
  const keys = eps.map((e) => episodeKey(e.season, e.episode)).join(',');
  return {
    request_id: r.id,
    item_ids: [...new Set(found.map((f) => f.item.id))],
    series_ids: [...seriesIds],
    event: {
      kind: 'available',
      key: `jellyfin:available:${r.id}:${keys}:${generation(r, eps)}`,
      source: 'jellyfin',
      match: { request_id: r.id, scope: 'any' },
      verified: true,
      episodes: refs,
      reason: AVAILABLE_REASON,
    },
  };
}

/** One `available` event per open request the library proves something new for. */
export function matchRequest(r: MediaRequest, lib: LibraryIndex, report?: { wanted: Set<string>; unplayable: Set<string> }): RequestMatch | null {
  const wanted = report?.wanted ?? new Set<string>();
  const unplayable = report?.unplayable ?? new Set<string>();
  // An available request is only looked at again for an imported upgrade: a movie's new file
  // (by its name), an episode whose upgrade was imported.
  if (CLOSED.has(r.state)) {
    if (r.state !== 'AVAILABLE') return null;
    if (r.media_type === 'movie') return upgradeImported(r) ? movieMatch(r, lib, unplayable, true) : null;
    if (!Object.values(r.episodes).some(upgradeImported)) return null;
  }
  return r.media_type === 'movie' ? movieMatch(r, lib, unplayable) : tvMatch(r, lib, wanted, unplayable);
}

export function matchRequests(requests: Iterable<MediaRequest>, lib: LibraryIndex): MatchReport {
  const wanted = new Set<string>();
  const unplayable = new Set<string>();
  const matches: RequestMatch[] = [];
  for (const r of requests) {
    const m = matchRequest(r, lib, { wanted, unplayable });
    if (m) matches.push(m);
  }
  return { matches, wanted_series: [...wanted], unplayable: [...unplayable] };
}

// ---------------------------------------------------------------------------------------
// Deletions

export interface DeletedItem {
  id: string;
  type: ItemKind;
  /** Episodes the item held (from the index, else from the webhook). */
  episodes: Array<{ season: number; episode: number }>;
  /** A series: the ids of its episodes the index knew. */
  episode_ids?: string[];
}

function deleted(key: string, match: DeletedOut['match'], scope: DeletedOut['scope'], episodes: EpisodeRef[]): DeletedOut {
  return { kind: 'deleted', key, source: 'jellyfin', match, scope, episodes, reason: DELETED_REASON };
}

/**
 * `deleted` events for an item Jellyfin removed. `holders` are the requests known to point
 * at the item (or, for a series, at one of its episodes): each gets an event by request id,
 * with exactly its episodes that carry the removed id. Without known holders (after a
 * restart), the engine finds them by `jellyfin_id` across every state. `stamp` makes the key
 * unique per delivery; deleting twice changes nothing the second time.
 */
export function deletionEvents(item: DeletedItem, holders: MediaRequest[], stamp: string): DeletedOut[] {
  const out: DeletedOut[] = [];
  const base = `jellyfin:deleted:${item.id}`;
  const ids = new Set([item.id, ...(item.episode_ids ?? [])]);
  for (const r of holders) {
    const key = `${base}:${r.id}:${stamp}`;
    const match = { request_id: r.id, scope: 'any' as const };
    if (r.media_type === 'movie') {
      if (r.jellyfin_id && ids.has(r.jellyfin_id)) out.push(deleted(key, match, 'media', []));
      continue;
    }
    const eps = Object.values(r.episodes)
      .filter((e) => e.jellyfin_id && ids.has(e.jellyfin_id) && e.state !== 'DELETED')
      .sort((a, b) => a.season - b.season || a.episode - b.episode)
      .map((e) => ({ season: e.season, episode: e.episode, jellyfin_id: e.jellyfin_id ?? null }));
    if (item.type === 'Series') {
      if (Object.values(r.episodes).some((e) => e.jellyfin_id && ids.has(e.jellyfin_id))) out.push(deleted(key, match, 'media', []));
    } else if (eps.length) {
      out.push(deleted(key, match, 'files', eps));
    }
  }
  if (holders.length > 0) return out;
  // Nobody known: let the engine find requests by the item id (every state, AVAILABLE included).
  if (item.type === 'Movie') return [deleted(`${base}:${stamp}`, { jellyfin_id: item.id, media_type: 'movie', scope: 'any' }, 'media', [])];
  if (item.type === 'Episode') {
    if (item.episodes.length === 0) return [];
    const refs = item.episodes.map((e) => ({ season: e.season, episode: e.episode, jellyfin_id: item.id }));
    return [deleted(`${base}:${stamp}`, { jellyfin_id: item.id, media_type: 'tv', scope: 'any' }, 'files', refs)];
  }
  if (item.type === 'Series') {
    return (item.episode_ids ?? []).map((id) => deleted(`${base}:${id}:${stamp}`, { jellyfin_id: id, media_type: 'tv', scope: 'any' }, 'media', []));
  }
  return [];
}
