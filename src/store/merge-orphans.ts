/**
 * Snapshot schema v2, pure: one request for a media's whole life.
 *
 * Before v2 a grab the tracker could not attach (the request was already AVAILABLE, or the
 * grab came before Jellyseerr's notification and nothing adopted it) made its own
 * `sonarr-<id>`/`radarr-<id>` request, with its own HA device. Such an orphan (no Jellyseerr
 * request) is merged into the Jellyseerr request that covers it: same media type, same *arr
 * record (or, when either has none, the same tmdb/tvdb id), same 4K-ness, and for TV its seasons
 * among those the request asked for (or the request names none). The orphan's id is kept in
 * `absorbed_ids` so the app clears its retained topics and HA device.
 *
 * Also `available_at` (added with v2) is filled from the timeline, so a request that was
 * AVAILABLE before does not announce `available` a second time.
 */
import { deriveTvState } from '../domain/episodes.js';
import { arrKey } from '../domain/index.js';
import { APPLIED_LIMIT, EPISODE_HISTORY_LIMIT, TIMELINE_LIMIT, type Download, type Episode, type EpisodeHistoryEntry, type MediaRequest, type TimelineEntry, type Upgrade } from '../domain/model.js';
import { isPipeline, rank, type State } from '../domain/states.js';

/** `orphan` was merged into `into`. */
export interface Merge {
  orphan: string;
  into: string;
}

function isOrphan(r: MediaRequest): boolean {
  return r.origin !== 'jellyseerr' && r.jellyseerr_request_id === null;
}

function sameMedia(a: MediaRequest, b: MediaRequest): boolean {
  // Two *arr records (another instance, e.g. a 4K one) are two media, whatever the ids say.
  if (a.arr && b.arr) return arrKey(a.arr) === arrKey(b.arr);
  return Boolean((a.tmdb_id && a.tmdb_id === b.tmdb_id) || (a.tvdb_id && a.tvdb_id === b.tvdb_id));
}

function seasonsOf(r: MediaRequest): number[] {
  return [...new Set(Object.values(r.episodes).map((e) => e.season))];
}

/** Open before finished, then the newest: the request correlation would pick. */
function preference(r: MediaRequest): [number, string] {
  const finished = r.state === 'AVAILABLE' || r.state === 'DELETED' || r.state === 'FAILED' ? 1 : 0;
  return [finished, r.created_at];
}

/** The Jellyseerr request that covers an orphan, if one does. */
export function coveringRequest(orphan: MediaRequest, requests: readonly MediaRequest[]): MediaRequest | undefined {
  const seasons = seasonsOf(orphan);
  const candidates = requests.filter(
    (c) =>
      c.jellyseerr_request_id !== null &&
      c.state !== 'DECLINED' &&
      c.media_type === orphan.media_type &&
      (c.is_4k ?? false) === (orphan.is_4k ?? false) &&
      sameMedia(c, orphan) &&
      (c.media_type === 'movie' || c.requested_seasons.length === 0 || seasons.every((s) => c.requested_seasons.includes(s))),
  );
  return candidates.sort((a, b) => {
    const [fa, ca] = preference(a);
    const [fb, cb] = preference(b);
    return fa - fb || (ca < cb ? 1 : ca > cb ? -1 : 0);
  })[0];
}

/** Entries of several lists by time (stable: equal times keep list order). */
function byTime<T extends { at: string }>(...lists: T[][]): T[] {
  return lists
    .flat()
    .map((e, i) => ({ e, i, t: Date.parse(e.at) }))
    .sort((a, b) => a.t - b.t || a.i - b.i)
    .map((x) => x.e);
}

/** Pipeline stages by rank; failed/declined/deleted count as the least advanced. */
function advancement(state: State): number {
  return isPipeline(state) ? rank(state) + 1 : 0;
}

function lastAt(ep: Episode): number {
  const h = ep.history[ep.history.length - 1];
  return h ? Date.parse(h.at) : 0;
}

/** Fills the winner's missing descriptive fields from the other. */
function fill<T extends object>(win: T, other: T, keys: ReadonlyArray<keyof T>): T {
  const out = { ...win };
  for (const k of keys) if ((out[k] === null || out[k] === undefined) && other[k] !== null && other[k] !== undefined) out[k] = other[k];
  return out;
}

/** The more advanced of the two (the later one on a tie), with both histories. */
export function mergeEpisode(mine: Episode, theirs: Episode): Episode {
  const d = advancement(mine.state) - advancement(theirs.state);
  const [win, other] = d > 0 || (d === 0 && lastAt(mine) >= lastAt(theirs)) ? [mine, theirs] : [theirs, mine];
  const seen = new Set<string>();
  const history = byTime<EpisodeHistoryEntry>(mine.history, theirs.history).filter((h) => {
    const k = `${h.at}|${h.state}|${h.source}`;
    return !seen.has(k) && Boolean(seen.add(k));
  });
  const merged = fill(win, other, ['title', 'air_date_utc', 'sonarr_episode_id', 'jellyfin_id', 'shoko_file_id', 'file_path', 'release', 'monitored']);
  return { ...merged, history: history.slice(-EPISODE_HISTORY_LIMIT) };
}

const UPGRADE_STATE: Partial<Record<State, Upgrade['state']>> = {
  GRABBING: 'GRABBING',
  DOWNLOADING: 'DOWNLOADING',
  DOWNLOADED: 'DOWNLOADED',
  IMPORTING: 'IMPORTING',
  ANIME_MATCHING: 'IMPORTING',
};

/** A grab of a movie already in the library, made after the request: it was an upgrade. */
function movieUpgrade(into: MediaRequest, orphan: MediaRequest): Upgrade | null {
  const state = UPGRADE_STATE[orphan.state];
  const hashes = Object.keys(orphan.downloads);
  if (!state || into.upgrade) return into.upgrade ?? null;
  const dl = hashes.length ? orphan.downloads[hashes[hashes.length - 1]!]! : null;
  return { state, progress: dl ? (dl.complete ? 1 : dl.progress) : null, release: dl?.release ?? null, hash: dl?.hash ?? null, since: orphan.state_since };
}

function mergeDownloads(into: MediaRequest, orphan: MediaRequest, mark: (d: Download) => Partial<Download>): Record<string, Download> {
  const out = { ...into.downloads };
  for (const [hash, d] of Object.entries(orphan.downloads)) {
    const mine = out[hash];
    if (!mine || (d.complete && !mine.complete)) out[hash] = { ...d, ...mark(d) };
  }
  return out;
}

function firstAvailable(r: MediaRequest): string | null {
  if (r.available_at) return r.available_at;
  const entry = r.timeline.find((t) => t.to === 'AVAILABLE');
  return entry?.at ?? (r.state === 'AVAILABLE' ? r.state_since : null);
}

function earliest(a: string | null, b: string | null): string | null {
  if (!a || !b) return a ?? b;
  return Date.parse(a) <= Date.parse(b) ? a : b;
}

function latest(...times: string[]): string {
  return times.reduce((a, b) => (Date.parse(b) > Date.parse(a) ? b : a));
}

/** `into` with `orphan` merged in: episodes, downloads, timelines, applied keys and the *arr link. */
export function absorb(into: MediaRequest, orphan: MediaRequest): MediaRequest {
  let r: MediaRequest = fill(into, orphan, ['arr', 'year', 'tmdb_id', 'tvdb_id', 'imdb_id', 'poster_url']);
  if (r.anime_source === null && orphan.anime_source !== null) r = { ...r, is_anime: orphan.is_anime, anime_source: orphan.anime_source };
  const inLibrary = isPipeline(into.state) && rank(into.state) >= rank('IMPORTING');
  if (r.media_type === 'tv') {
    const episodes = { ...into.episodes };
    for (const [key, ep] of Object.entries(orphan.episodes)) episodes[key] = episodes[key] ? mergeEpisode(episodes[key], ep) : ep;
    const followed = new Set(Object.values(episodes).map((e) => e.hash));
    // A download no episode follows any more moves nothing: history, like a replaced one.
    r = { ...r, episodes, downloads: mergeDownloads(into, orphan, (d) => (followed.has(d.hash) || d.complete ? {} : { superseded: true })) };
    // Without an episode list only seen episodes count; a request that was AVAILABLE and still has
    // every episode playable stays so until its list is read.
    const derived = deriveTvState(r);
    const allPlayable = Object.values(episodes).every((e) => e.state === 'AVAILABLE' || e.state === 'DELETED');
    r = { ...r, state: derived === 'PARTIALLY_AVAILABLE' && into.state === 'AVAILABLE' && allPlayable ? 'AVAILABLE' : derived };
  } else if (inLibrary && orphan.created_at > into.created_at) {
    // The movie was already in the library: the orphan followed an upgrade of it.
    const upgrade = orphan.state === 'AVAILABLE' ? (into.upgrade ?? null) : movieUpgrade(into, orphan);
    r = { ...r, downloads: mergeDownloads(into, orphan, () => ({ upgrade: true })), upgrade };
    if (orphan.state === 'AVAILABLE' && orphan.file_path) r = { ...r, file_path: orphan.file_path, jellyfin_id: orphan.jellyfin_id ?? r.jellyfin_id };
  } else {
    const orphanAhead = advancement(orphan.state) > advancement(into.state);
    const files = orphanAhead ? fill(orphan, into, ['file_path', 'jellyfin_id', 'shoko_file_id']) : fill(into, orphan, ['file_path', 'jellyfin_id', 'shoko_file_id']);
    r = { ...r, downloads: mergeDownloads(into, orphan, () => ({})), state: orphanAhead ? orphan.state : into.state, file_path: files.file_path, jellyfin_id: files.jellyfin_id };
    if (files.shoko_file_id !== undefined) r = { ...r, shoko_file_id: files.shoko_file_id };
  }
  const at = latest(into.updated_at, orphan.updated_at, ...[...into.timeline, ...orphan.timeline].map((t) => t.at));
  const moved = r.state !== into.state;
  const why = orphan.created_at < into.created_at ? 'grabs seen before the request' : 'later grabs of the same media';
  const note: TimelineEntry = { at, source: 'system', reason: `Merged ${orphan.id} (${why})`, ...(moved ? { from: into.state, to: r.state } : {}) };
  const applied = [...into.applied, ...orphan.applied.filter((k) => !into.applied.includes(k))];
  return {
    ...r,
    state_since: moved ? at : into.state_since,
    stuck: moved ? null : into.stuck,
    available_at: earliest(firstAvailable(into), firstAvailable(orphan)),
    absorbed_ids: [...(into.absorbed_ids ?? []), orphan.id, ...(orphan.absorbed_ids ?? [])],
    timeline: [...byTime(into.timeline, orphan.timeline), note].slice(-TIMELINE_LIMIT),
    applied: applied.slice(-APPLIED_LIMIT),
    updated_at: at,
  };
}

function wellFormed(x: unknown): x is MediaRequest {
  if (typeof x !== 'object' || x === null) return false;
  const r = x as Record<string, unknown>;
  return typeof r.id === 'string' && Array.isArray(r.timeline) && typeof r.episodes === 'object' && typeof r.downloads === 'object';
}

/** Every orphan a Jellyseerr request covers, merged into it (oldest orphan first); the rest unchanged. */
export function mergeOrphans(input: readonly unknown[]): { requests: unknown[]; merged: Merge[] } {
  const requests = input.filter(wellFormed);
  const byId = new Map(requests.map((r) => [r.id, r]));
  const merged: Merge[] = [];
  const orphans = requests.filter(isOrphan).sort((a, b) => (a.created_at < b.created_at ? -1 : a.created_at > b.created_at ? 1 : 0));
  for (const orphan of orphans) {
    const into = coveringRequest(orphan, [...byId.values()]);
    if (!into) continue;
    byId.set(into.id, absorb(into, orphan));
    byId.delete(orphan.id);
    merged.push({ orphan: orphan.id, into: into.id });
  }
  const out = input
    .filter((x) => !wellFormed(x) || byId.has(x.id))
    .map((x) => {
      if (!wellFormed(x)) return x;
      const r = byId.get(x.id)!;
      const available = r.available_at === undefined ? firstAvailable(r) : null;
      return available ? { ...r, available_at: available } : r;
    });
  return { requests: out, merged };
}
