/**
 * Steps the per-kind handlers share: filling descriptive fields, moving the request or its
 * episodes by the shared transition rule, and re-deriving a TV request's state.
 */
import { describeSkipped, judge } from '../advance.js';
import type { Draft } from '../draft.js';
import { deriveTvState, describeEpisodes, isAired, isRequested, keysOf, moveEpisode, newEpisode } from '../episodes.js';
import type { AnimeVerdict, ArrRef, EpisodeRef, MediaInfo } from '../events.js';
import { episodeKey, type Episode, type MediaRequest } from '../model.js';
import { isPipeline, rank, STATE_LABELS, type EpisodeState, type State } from '../states.js';

export function isTv(d: Draft): boolean {
  return d.r.media_type === 'tv';
}

export function fillMedia(d: Draft, media: MediaInfo): void {
  const r = d.r;
  if ((r.title === 'Unknown title' || !r.title) && media.title) d.set('title', media.title);
  if (r.year == null && media.year) d.set('year', media.year);
  if (r.tmdb_id == null && media.tmdb_id) d.set('tmdb_id', media.tmdb_id);
  if (r.tvdb_id == null && media.tvdb_id) d.set('tvdb_id', media.tvdb_id);
  if (r.imdb_id == null && media.imdb_id) d.set('imdb_id', media.imdb_id);
  if (r.poster_url == null && media.poster_url) d.set('poster_url', media.poster_url);
}

/** Anime is decided once, by the first source that says, and the source is kept. */
export function fillAnime(d: Draft, verdict: AnimeVerdict | undefined): void {
  if (!verdict || d.r.anime_source !== null) return;
  d.set('is_anime', verdict.is_anime);
  d.set('anime_source', verdict.source);
}

export function fillArr(d: Draft, arr: ArrRef): void {
  if (d.r.arr === null) d.set('arr', arr);
}

/** Movie (or TV before any episode is known): apply the shared rule to the request itself. */
export function moveRequest(d: Draft, to: State, reason: string, explicit = false): boolean {
  const verdict = judge(d.r.state, to, explicit);
  if (!verdict.move) {
    if (verdict.late) d.note(`${reason} — ignored, already ${STATE_LABELS[d.r.state]}`);
    return false;
  }
  d.transition(to, reason + describeSkipped(verdict.skipped, d.r.is_anime));
  return true;
}

/** Stages a roster episode can wait in before anything was grabbed for it. */
const WAITING: ReadonlySet<State> = new Set<State>(['REQUESTED', 'APPROVED', 'SEARCHING']);

/**
 * TV keeps its pre-download stage in `phase`; once episodes are known, the stage moves the
 * episodes that still wait (a roster read before approval follows the approval).
 */
export function movePhase(d: Draft, to: State, reason: string, explicit = false): void {
  const eps = Object.values(d.r.episodes);
  if (eps.length > 0) {
    if (to === 'FAILED' || to === 'DECLINED') {
      moveEpisodes(d, liveEpisodeRefs(d.r), to, reason, explicit);
    } else if (to === 'AVAILABLE') {
      if (!explicit) d.set('phase', 'AVAILABLE');
      // With a roster, unaired episodes cannot be watchable whatever Jellyseerr says.
      const refs = d.r.roster ? eps.filter((e) => isAired(e, d.at)) : eps;
      moveEpisodes(d, refs, 'AVAILABLE', reason, explicit);
    } else if (explicit) {
      // Re-approval of a declined/failed request whose episodes are known reopens them.
      const closed = eps.filter((e) => e.state === 'DECLINED' || e.state === 'FAILED');
      if (closed.length) moveEpisodes(d, closed, to as EpisodeState, reason, true);
      else d.note(reason);
    } else if (isPipeline(to) && rank(to) <= rank('SEARCHING')) {
      if (judge(d.r.phase, to).move) d.set('phase', to);
      const waiting = eps.filter((e) => WAITING.has(e.state) && judge(e.state, to).move);
      if (waiting.length) moveEpisodes(d, waiting, to as EpisodeState, reason);
      else d.note(reason);
    } else {
      d.note(reason);
    }
    return;
  }
  const verdict = judge(d.r.phase, to, explicit);
  if (!verdict.move) {
    if (verdict.late) d.note(`${reason} — ignored, already ${STATE_LABELS[d.r.state]}`);
    return;
  }
  d.set('phase', to);
  refreshTv(d, reason + describeSkipped(verdict.skipped, d.r.is_anime));
}

export function liveEpisodeRefs(r: MediaRequest): EpisodeRef[] {
  return Object.values(r.episodes).filter((e) => e.state !== 'AVAILABLE' && e.state !== 'DELETED');
}

/** Moves the given episodes and re-derives the request state; one timeline entry per call. */
export function moveEpisodes(d: Draft, refs: readonly EpisodeRef[], to: EpisodeState, reason: string, explicit = false, update?: (ep: Episode) => Partial<Episode>): string[] {
  const moved: string[] = [];
  const becameAvailable: string[] = [];
  for (const ref of refs) {
    const key = episodeKey(ref.season, ref.episode);
    // Episodes outside the requested seasons are not tracked, but one already tracked (an
    // adopted Sonarr grab) can still be deleted, or a deleted request would keep a live episode.
    if (!isRequested(d.r, ref) && !(to === 'DELETED' && d.r.episodes[key])) continue;
    const existing = d.r.episodes[key] ?? newEpisode(ref, to);
    let ep = moveEpisode(existing, to, d.at, d.source, explicit);
    if (!d.r.episodes[key] && ep.history.length === 0) ep = { ...ep, history: [{ at: d.at, state: to, source: d.source }] };
    const extra = update?.(ep);
    if (extra && Object.entries(extra).some(([k, v]) => ep[k as keyof typeof ep] !== v)) ep = { ...ep, ...extra };
    if (ref.title && !ep.title) ep = { ...ep, title: ref.title };
    if (ref.sonarr_episode_id && !ep.sonarr_episode_id) ep = { ...ep, sonarr_episode_id: ref.sonarr_episode_id };
    if (ref.air_date_utc && !ep.air_date_utc) ep = { ...ep, air_date_utc: ref.air_date_utc };
    if (ep.state !== existing.state || !d.r.episodes[key]) {
      moved.push(key);
      if (ep.state === 'AVAILABLE') becameAvailable.push(key);
    }
    // Unchanged episodes keep their object, so a repeated observation changes nothing.
    if (ep !== existing || !d.r.episodes[key]) d.setEpisode(key, ep);
  }
  const before = d.r.state;
  refreshTv(d, `${reason}${moved.length ? `: ${describeEpisodes(moved)}` : ''}`, moved);
  if (before === d.r.state && moved.length) {
    d.note(`${reason}: ${describeEpisodes(moved)}`, { episodes: moved });
    if (becameAvailable.length && !d.r.history_since) {
      d.effects.push({ type: 'episodes_available', request_id: d.r.id, episodes: becameAvailable, source: d.source });
    }
  }
  return moved;
}

export function refreshTv(d: Draft, reason: string, episodes: string[] = []): void {
  const next = deriveTvState(d.r);
  if (next !== d.r.state) d.transition(next, reason, episodes);
}

export function noteIgnoredEpisodes(d: Draft, refs: readonly EpisodeRef[]): void {
  const extra = refs.filter((ref) => !isRequested(d.r, ref));
  if (extra.length) {
    d.note(`${describeEpisodes(keysOf(extra))} not part of this request (seasons ${d.r.requested_seasons.join(', ')}); not tracked`);
  }
}

/** Sets the stuck flag; a new reason from the same or another source replaces the old one. */
export function setStuck(d: Draft, reason: string): string {
  if (d.r.stuck?.reason === reason) return 'stuck (unchanged)';
  d.set('stuck', { since: d.r.stuck?.since ?? d.at, reason, source: d.source });
  d.note(reason);
  return 'stuck';
}

/** Only the source that raised a flag clears it (qBittorrent recovering does not hide a Sonarr block). */
export function clearStuck(d: Draft): string {
  if (!d.r.stuck || d.r.stuck.source !== d.source) return 'not stuck';
  const was = d.r.stuck.reason;
  d.set('stuck', null);
  d.note(`Resolved: ${was}`);
  return 'unstuck';
}

/**
 * Jellyseerr called the whole request available and no episode list says otherwise: an episode
 * the request has not seen yet is one of those, so a grab or import of it is an upgrade. The
 * episodes are recorded as AVAILABLE first.
 */
export function recordVouched(d: Draft, refs: readonly EpisodeRef[]): void {
  if (d.r.roster || d.r.phase !== 'AVAILABLE' || d.r.state !== 'AVAILABLE') return;
  for (const ref of refs) {
    const key = episodeKey(ref.season, ref.episode);
    if (d.r.episodes[key] || !isRequested(d.r, ref)) continue;
    d.setEpisode(key, { ...newEpisode(ref, 'AVAILABLE'), history: [{ at: d.at, state: 'AVAILABLE', source: d.source }] });
  }
}
