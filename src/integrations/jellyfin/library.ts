/**
 * The watcher's in-memory picture of the Jellyfin library, built incrementally: movies and
 * series from one inventory query, then recently added movies/episodes, the episodes of the
 * series tracked requests need, and webhook items. Pure data, no I/O.
 *
 * Provider ids are matched here, client-side, by exact string compare (Jellyfin ignores
 * `AnyProviderIdEquals`, E2); keys are compared lower-cased (`Tmdb`, `Shoko File` …).
 */
import { normaliseItemId } from './adapter.js';
import type { BaseItemDto } from './client.js';

export type ItemKind = 'Movie' | 'Series' | 'Episode' | 'Season' | 'Other';

export interface LibItem {
  /** 32 lower-case hex digits (N format). */
  id: string;
  type: ItemKind;
  name: string | null;
  /** Provider ids with lower-cased keys and trimmed, non-empty values. */
  providers: Record<string, string>;
  path: string | null;
  /** Number of media sources returned (0 when none or not requested). */
  media_sources: number;
  location_type: string | null;
  series_id: string | null;
  season: number | null;
  episode: number | null;
  episode_end: number | null;
  date_created: string | null;
}

/** Provider keys (lower-cased) the watcher matches on. */
export const PROVIDER = { tmdb: 'tmdb', imdb: 'imdb', tvdb: 'tvdb', shokoFile: 'shoko file', shokoEpisode: 'shoko episode', shokoSeries: 'shoko series' } as const;

/** At most this many episodes in one multi-episode file (guards against nonsense ranges). */
const MAX_SPAN = 50;

function kindOf(type: string | null | undefined): ItemKind {
  switch (type) {
    case 'Movie':
    case 'Series':
    case 'Episode':
    case 'Season':
      return type;
    default:
      return 'Other';
  }
}

export function toLibItem(dto: BaseItemDto): LibItem {
  const providers: Record<string, string> = {};
  for (const [k, v] of Object.entries(dto.ProviderIds ?? {})) {
    const value = typeof v === 'string' ? v.trim() : '';
    if (value !== '') providers[k.toLowerCase()] = value;
  }
  return {
    id: normaliseItemId(dto.Id),
    type: kindOf(dto.Type),
    name: dto.Name ?? null,
    providers,
    path: dto.Path ? dto.Path : null,
    media_sources: dto.MediaSources?.length ?? 0,
    location_type: dto.LocationType ?? null,
    series_id: dto.SeriesId ? normaliseItemId(dto.SeriesId) : null,
    season: dto.ParentIndexNumber ?? null,
    episode: dto.IndexNumber ?? null,
    episode_end: dto.IndexNumberEnd ?? null,
    date_created: dto.DateCreated ?? null,
  };
}

/**
 * "Playable" (E3): a real file behind the item — a `Path` or at least one media source — and
 * not a `Virtual` placeholder (a missing episode, a metadata-only entry). Series and seasons
 * are folders: never playable themselves, whatever their `Path` (E5).
 */
export function isPlayable(item: LibItem): boolean {
  if (item.type !== 'Movie' && item.type !== 'Episode') return false;
  if (item.location_type === 'Virtual') return false;
  return item.path !== null || item.media_sources > 0;
}

/** Every (season, episode) an episode item holds: `IndexNumber`..`IndexNumberEnd`. */
export function episodeNumbers(item: LibItem): Array<{ season: number; episode: number }> {
  if (item.type !== 'Episode' || item.season === null || item.episode === null) return [];
  const end = item.episode_end !== null && item.episode_end > item.episode && item.episode_end - item.episode <= MAX_SPAN ? item.episode_end : item.episode;
  const out: Array<{ season: number; episode: number }> = [];
  for (let e = item.episode; e <= end; e++) out.push({ season: item.season, episode: e });
  return out;
}

/** True for items Shokofin manages (they carry Shoko's ids, §6.7). */
export function isShokofin(item: LibItem): boolean {
  return PROVIDER.shokoFile in item.providers || PROVIDER.shokoEpisode in item.providers || PROVIDER.shokoSeries in item.providers;
}

function add<K>(map: Map<K, Set<string>>, key: K, id: string): void {
  let set = map.get(key);
  if (!set) map.set(key, (set = new Set()));
  set.add(id);
}

function drop<K>(map: Map<K, Set<string>>, key: K, id: string): void {
  const set = map.get(key);
  if (!set) return;
  set.delete(id);
  if (set.size === 0) map.delete(key);
}

const providerKey = (type: ItemKind, key: string, value: string) => `${type}|${key}|${value}`;

/** Provider keys indexed per type. */
const INDEXED: Partial<Record<ItemKind, string[]>> = {
  Movie: [PROVIDER.tmdb, PROVIDER.imdb, PROVIDER.shokoFile],
  Series: [PROVIDER.tvdb, PROVIDER.tmdb],
  Episode: [PROVIDER.shokoFile],
};

export class LibraryIndex {
  private readonly items = new Map<string, LibItem>();
  private readonly byProvider = new Map<string, Set<string>>();
  private readonly episodesBySeries = new Map<string, Set<string>>();
  /** When the full episode list of a series was last loaded (ms). */
  private readonly loaded = new Map<string, number>();
  /** When the server last returned each item (ms), for items given a time. */
  private readonly seen = new Map<string, number>();
  private readonly counts = { movies: 0, series: 0, episodes: 0 };

  get size(): number {
    return this.items.size;
  }

  stats(): { movies: number; series: number; episodes_indexed: number } {
    return { movies: this.counts.movies, series: this.counts.series, episodes_indexed: this.counts.episodes };
  }

  get(id: string): LibItem | undefined {
    return this.items.get(normaliseItemId(id));
  }

  has(id: string): boolean {
    return this.items.has(normaliseItemId(id));
  }

  /** Adds or replaces an item; `atMs`: when the server returned it. Seasons and other types are not kept. */
  upsert(item: LibItem, atMs?: number): void {
    if (item.type !== 'Movie' && item.type !== 'Series' && item.type !== 'Episode') return;
    if (atMs !== undefined) this.seen.set(item.id, atMs);
    const prev = this.items.get(item.id);
    if (prev) {
      this.unindex(prev);
      this.count(prev, -1);
    }
    this.count(item, 1);
    this.items.set(item.id, item);
    for (const key of INDEXED[item.type] ?? []) {
      const value = item.providers[key];
      if (value !== undefined) add(this.byProvider, providerKey(item.type, key, value), item.id);
    }
    if (item.type === 'Episode' && item.series_id) add(this.episodesBySeries, item.series_id, item.id);
  }

  /** Removes an item (a series with its episodes); returns what was removed. */
  remove(id: string): LibItem[] {
    const item = this.items.get(normaliseItemId(id));
    if (!item) return [];
    const removed: LibItem[] = [];
    if (item.type === 'Series') {
      for (const ep of this.episodesOf(item.id)) removed.push(...this.remove(ep.id));
      this.loaded.delete(item.id);
    }
    this.unindex(item);
    this.items.delete(item.id);
    this.seen.delete(item.id);
    this.count(item, -1);
    removed.unshift(item);
    return removed;
  }

  /**
   * Replaces the movies and series with a fresh inventory: new ones are added, changed ones
   * replaced, and movies/series missing from it removed (with their episodes).
   */
  replaceInventory(items: LibItem[], atMs?: number): void {
    const seen = new Set<string>();
    for (const item of items) {
      if (item.type !== 'Movie' && item.type !== 'Series') continue;
      seen.add(item.id);
      this.upsert(item, atMs);
    }
    for (const item of [...this.items.values()]) {
      if ((item.type === 'Movie' || item.type === 'Series') && !seen.has(item.id)) this.remove(item.id);
    }
  }

  /** Replaces the episodes of a series with its full list (episodes no longer listed are removed). */
  replaceSeriesEpisodes(seriesId: string, episodes: LibItem[], atMs: number): void {
    const sid = normaliseItemId(seriesId);
    const keep = new Set<string>();
    for (const ep of episodes) {
      if (ep.type !== 'Episode') continue;
      const item = ep.series_id ? ep : { ...ep, series_id: sid };
      keep.add(item.id);
      this.upsert(item, atMs);
    }
    for (const ep of this.episodesOf(sid)) if (!keep.has(ep.id)) this.remove(ep.id);
    this.loaded.set(sid, atMs);
  }

  /** When the server last returned this item, or undefined. */
  seenAt(id: string): number | undefined {
    return this.seen.get(normaliseItemId(id));
  }

  /** When the episode list of `seriesId` was last loaded, or undefined. */
  loadedAt(seriesId: string): number | undefined {
    return this.loaded.get(normaliseItemId(seriesId));
  }

  /** Forgets every "episodes loaded" mark (after a gap in the recently-added feed). */
  invalidateSeriesLoads(): void {
    this.loaded.clear();
  }

  /** Items of `type` whose provider id `key` is exactly `value`. */
  find(type: ItemKind, key: string, value: string | number | null | undefined): LibItem[] {
    if (value === null || value === undefined || value === '') return [];
    const ids = this.byProvider.get(providerKey(type, key.toLowerCase(), String(value).trim()));
    return ids ? this.resolve(ids) : [];
  }

  /** Movies and episodes carrying `Shoko File` = `fileId`. */
  byShokoFile(fileId: number | string | null | undefined): LibItem[] {
    return [...this.find('Movie', PROVIDER.shokoFile, fileId), ...this.find('Episode', PROVIDER.shokoFile, fileId)];
  }

  episodesOf(seriesId: string): LibItem[] {
    const ids = this.episodesBySeries.get(normaliseItemId(seriesId));
    return ids ? this.resolve(ids) : [];
  }

  *all(): IterableIterator<LibItem> {
    yield* this.items.values();
  }

  private resolve(ids: Iterable<string>): LibItem[] {
    const out: LibItem[] = [];
    for (const id of ids) {
      const item = this.items.get(id);
      if (item) out.push(item);
    }
    return out;
  }

  private unindex(item: LibItem): void {
    for (const key of INDEXED[item.type] ?? []) {
      const value = item.providers[key];
      if (value !== undefined) drop(this.byProvider, providerKey(item.type, key, value), item.id);
    }
    if (item.type === 'Episode' && item.series_id) drop(this.episodesBySeries, item.series_id, item.id);
  }

  private count(item: LibItem, delta: number): void {
    if (item.type === 'Movie') this.counts.movies += delta;
    else if (item.type === 'Series') this.counts.series += delta;
    else if (item.type === 'Episode') this.counts.episodes += delta;
  }
}
